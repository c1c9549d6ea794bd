"""Starting, stopping and restarting dmarc-milter next to a running one
(issue 17).

A second start on the socket of a running milter must leave it alone: it
exits 75 (EX_TEMPFAIL) naming the running process, before it touches the
socket, and the first keeps serving Postfix. A milter killed outright leaves
its socket and lock file behind; the next start takes both over.

Restarts under load: a second Postfix in front of the harness's (as the
sending MTA on the Internet would be) relays a run of messages to it while
the milter is restarted ten times (stop, wait for the exit, start: what
`systemctl restart` does). Every message must end delivered or rejected as
its domain's policy says, none lost, and the deferrals Postfix retries must
stay within the restarts (see the end of the test for how long Postfix
itself keeps deferring). The run's size is RESTART_TEST_MESSAGES (default
1,000 to keep make check short on two cores, about two minutes; the
issue's 10,000 is run by hand with RESTART_TEST_MESSAGES=10000). Measured by
hand on two cores at load 20: 10,000 messages, 10 restarts in 312 s,
outages 2.2-5.0 s, 1,600 deferrals of 1,371 messages, the last 18 s after
its restart, none lost, no duplicate.
"""

import collections
import os
import re
import signal
import smtplib
import subprocess
import threading
import time
import types
import unittest
import uuid

from harness import services as hs
from integration.milter_support import MilterProcess, message
from integration.test_milter_postfix import GOOD_IP, RCPT, allow_relay_to_rcpt_domain, xclient


def publish(dns):
    dns.add_records([
        ("start.rs.example", "TXT", "v=spf1 ip4:%s -all" % GOOD_IP),
        ("_dmarc.start.rs.example", "TXT", "v=DMARC1; p=reject"),
    ])


class TestSecondInstance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        allow_relay_to_rcpt_domain(cls.s.postfix)
        publish(cls.s.dns)

    def assert_serves(self, milter):
        """Postfix gets the running milter's verdicts: pass delivered, fail rejected."""
        text, marker = message("Alice <alice@start.rs.example>")
        code, reply = self.s.postfix.send(text, "bounce@start.rs.example", RCPT, xclient=xclient(GOOD_IP))
        self.assertEqual(code, 250, reply)
        self.assertIn(b"dmarc=pass", self.s.sink.wait_for(marker))
        text, _ = message("Alice <alice@start.rs.example>")
        code, reply = self.s.postfix.send(text, "bounce@start.rs.example", RCPT, xclient=xclient())
        self.assertEqual(code, 550, reply)
        self.assertTrue(milter.proc.running())

    def start_second(self, conf):
        return subprocess.run([hs.binary("dmarc-milter"), "-f", "-c", conf, "--log-stderr"],
                              capture_output=True, text=True, timeout=60)

    def test_second_start_exits_75_and_leaves_the_running_one_alone(self):
        first = MilterProcess(self.s, "first").start()
        try:
            socket_inode = os.stat(first.socket).st_ino
            pid_file = os.path.join(first.dir, "milter.pid")

            # Same configuration: same socket, spool and PID file.
            second = self.start_second(first.conf)
            self.assertEqual(second.returncode, 75, second.stderr)
            want = "another dmarc-milter (pid %d) is running on local:%s" % (first.proc.pid, first.socket)
            self.assertIn(want, second.stderr)

            # Another spool and PID file, the same socket: refused the same way.
            other = MilterProcess(self.s, "second", socket=first.socket)
            second = self.start_second(other.conf)
            self.assertEqual(second.returncode, 75, second.stderr)
            self.assertIn(want, second.stderr)

            # Detached (Background true, no -f): the parent reports the same status.
            other.write_config("Background true")
            detached = subprocess.run([hs.binary("dmarc-milter"), "-c", other.conf], capture_output=True,
                                      text=True, timeout=60)
            self.assertEqual(detached.returncode, 75, detached.stderr)

            self.assertEqual(os.stat(first.socket).st_ino, socket_inode, "the running milter's socket was replaced")
            with open(pid_file) as handle:
                self.assertEqual(handle.read().strip(), str(first.proc.pid))
            self.assert_serves(first)
        finally:
            status = first.stop()
        self.assertEqual(status, 0, first.log())

    def test_start_after_a_killed_milter_takes_over_its_socket(self):
        first = MilterProcess(self.s, "killed").start()
        first.proc.signal(signal.SIGKILL)
        first.proc.proc.wait(30)
        self.assertTrue(os.path.exists(first.socket), "want the stale socket left behind")
        self.assertTrue(os.path.exists(first.socket + ".lock"))
        second = MilterProcess(self.s, "after-kill", socket=first.socket).start()
        try:
            self.assert_serves(second)
        finally:
            status = second.stop()
        self.assertEqual(status, 0, second.log())


class FrontPostfix(hs.Postfix):
    """A second Postfix that queues what the test submits on its plain port
    and relays it to the harness Postfix's milter listener, retrying every
    4xx after a second or two as a sending MTA does (with the default
    backoff of minutes a restart would look like an outage)."""

    name = "postfix-front"

    def __init__(self, root, target_port):
        super().__init__(root, types.SimpleNamespace(port=target_port))
        self.milter_socket = os.path.join(self.dir, "unused-milter.sock")

    def _write_config(self):
        super()._write_config()
        hs.run(["postconf", "-c", self.etc, "-e",
                # Not the harness's name: its smtp client would see a mail loop.
                "myhostname = front.harness.test",
                "minimal_backoff_time = 1s", "maximal_backoff_time = 2s", "queue_run_delay = 1s",
                "smtp_tls_security_level = none", "inet_protocols = ipv4",
                "inet_interfaces = 127.0.0.1", "default_destination_concurrency_limit = 20"])


class MaillogReader:
    """The front Postfix's maillog, read as it grows: per queue id its
    Message-ID and the status lines of its delivery attempts."""

    STATUS = re.compile(r" (\d\d):(\d\d):(\d\d) .*?: ([0-9A-F]+): to=<[^>]*>, .*? dsn=(\d\.\d\.\d+), "
                        r"status=(\w+) \((.*)\)$")
    MESSAGE_ID = re.compile(r": ([0-9A-F]+): message-id=<([^>]*)>")

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.marker = {}
        self.attempts = collections.defaultdict(list)  # qid -> [(seconds, dsn, status, text)]
        self.final = 0

    def read(self):
        try:
            with open(self.path, errors="replace") as handle:
                handle.seek(self.offset)
                chunk = handle.read()
        except FileNotFoundError:
            return self
        complete = chunk.rfind("\n") + 1
        self.offset += len(chunk[:complete].encode(errors="replace"))
        for line in chunk[:complete].splitlines():
            found = self.MESSAGE_ID.search(line)
            if found:
                self.marker[found.group(1)] = found.group(2)
                continue
            found = self.STATUS.search(line)
            if found:
                h, m, sec, qid, dsn, status, text = found.groups()
                self.attempts[qid].append((int(h) * 3600 + int(m) * 60 + int(sec), dsn, status, text))
                self.final += status in ("sent", "bounced")
        return self


class TestRestartUnderLoad(unittest.TestCase):
    RESTARTS = 10

    @staticmethod
    def clock():
        """Now, as seconds of the day in local time (the maillog's clock)."""
        now = time.localtime()
        return now.tm_hour * 3600 + now.tm_min * 60 + now.tm_sec + (time.time() % 1)

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.count = int(os.environ.get("RESTART_TEST_MESSAGES", "1000"))
        cls.s.dns.add_records([
            ("_dmarc.deliver.rs.example", "TXT", "v=DMARC1; p=none"),
            ("_dmarc.reject.rs.example", "TXT", "v=DMARC1; p=reject"),
            # MAIL FROM is <>: SPF checks the front Postfix's HELO name.
            ("front.harness.test", "TXT", "v=spf1 ip4:127.0.0.1 -all"),
        ])
        cls.front = FrontPostfix(cls.s.root, cls.s.postfix.milter_port)
        cls.front.start()

    @classmethod
    def tearDownClass(cls):
        cls.front.stop()

    def submit(self, messages):
        """Submits (marker, domain) pairs to the front Postfix, one session per thread."""
        def one_session(part):
            client = smtplib.SMTP("127.0.0.1", self.front.plain_port, local_hostname="load.harness.test",
                                  timeout=300)
            try:
                for marker, domain in part:
                    text = ("From: Load <load@%s>\r\nTo: rcpt@rcpt.example\r\nSubject: load\r\n"
                            "Message-ID: <%s>\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n\r\nHello.\r\n"
                            % (domain, marker))
                    client.sendmail("", ["rcpt@rcpt.example"], text)
            finally:
                client.quit()

        threads = [threading.Thread(target=one_session, args=(messages[i::4],)) for i in range(4)]
        for thread in threads:
            thread.start()
        return threads

    def test_ten_restarts_lose_nothing(self):
        run = uuid.uuid4().hex[:12]
        messages = [("%s.%d@load.harness.test" % (run, i), "reject.rs.example" if i % 5 == 0 else "deliver.rs.example")
                    for i in range(self.count)]
        domain_of = dict(messages)
        milter = MilterProcess(self.s, "restart", "IgnoreHosts \"\"\nLogLevel info").start()
        log = MaillogReader(self.front.maillog)
        log.read()
        already = log.final
        outages = []
        windows = []  # [begin, end] of each restart, seconds of the day as the maillog has them
        started = time.monotonic()
        threads = self.submit(messages)
        try:
            for i in range(1, self.RESTARTS + 1):
                target = already + self.count * i // (self.RESTARTS + 1)
                hs.wait_until(lambda: log.read().final >= target, 600,
                              "%d messages through the front Postfix before restart %d" % (target - already, i))
                begin = time.monotonic()
                window = [self.clock()]
                status = milter.stop()
                self.assertEqual(status, 0, milter.log()[-3000:])
                milter.start()
                outages.append(time.monotonic() - begin)
                window.append(self.clock())
                windows.append(window)
            for thread in threads:
                thread.join()
            hs.wait_until(lambda: log.read().final >= already + self.count, 900,
                          "every message to reach its final status")
        finally:
            for thread in threads:
                thread.join()
            milter.stop()
        took = time.monotonic() - started

        outcome = {}
        deferrals = 0
        deferred_for = []
        late = []
        for qid, attempts in log.attempts.items():
            marker = log.marker.get(qid, "")
            if not marker.startswith(run + "."):
                continue
            final = [a for a in attempts if a[2] in ("sent", "bounced")]
            self.assertEqual(len(final), 1, "%s (%s): got %r, want one final status" % (marker, qid, attempts))
            deferred = [a for a in attempts if a[2] == "deferred"]
            for _, dsn, _, text in deferred:
                self.assertTrue(dsn.startswith("4."), "a deferral that is not temporary: %s %s" % (dsn, text))
            deferrals += len(deferred)
            for when, dsn, _, text in deferred:
                # How long after the end of the restart it came (0 during one).
                after = min(((when - end) % 86400 if when > end + 0.5 else 0) for begin, end in windows
                            if (when - begin + 1) % 86400 < 43200)
                late.append((after, dsn, text))
            if deferred:
                deferred_for.append((final[0][0] - deferred[0][0]) % 86400)
            outcome[marker] = (final[0][2], final[0][1])
        self.assertEqual(len(outcome), self.count, "got a final status for %d of %d messages"
                         % (len(outcome), self.count))
        for marker, (status, dsn) in outcome.items():
            if domain_of[marker] == "reject.rs.example":
                self.assertEqual((status, dsn), ("bounced", "5.7.1"), marker)
            else:
                self.assertEqual((status, dsn[0]), ("sent", "2"), marker)
        # Delivered means at the sink: every p=none message arrived, once.
        arrived = collections.Counter()
        pattern = re.compile(rb"Message-ID: <(%s\.\d+@load\.harness\.test)>" % run.encode())
        for raw in self.s.sink.messages():
            for found in pattern.findall(raw):
                arrived[found.decode()] += 1
        want = {m for m, d in messages if d == "deliver.rs.example"}
        self.assertEqual(want - set(arrived), set(), "delivered by Postfix but not at the sink")
        self.assertEqual(set(arrived) - want, set(), "rejected by policy but at the sink")

        latest = max(late, default=(0, "", ""))
        reasons = collections.Counter(re.sub(r"\[[^]]*\]|:\d+|\d+\.\d+\.\d+\.\d+", "", text)[:90]
                                      for _, _, text in late)
        print("\n    %d messages, %d restarts in %.0f s: outages %.2f-%.2f s; %d deferrals of %d messages, "
              "the latest %d s after its restart ended; %d duplicates at the sink; deferral reasons: %s"
              % (self.count, len(outages), took, min(outages), max(outages), deferrals, len(deferred_for),
                 latest[0], sum(arrived.values()) - len(arrived), dict(reasons.most_common(4))), flush=True)
        # Refusals come only from the restarts. A new SMTP session is served
        # as soon as the new milter is ready, but Postfix's smtpd applies
        # milter_default_action for the rest of a session whose milter
        # connection was closed (the front Postfix reuses its sessions), until
        # it ends the session after smtpd_hard_error_limit (20) errors, the
        # ones after the 10th each a second apart (smtpd_error_sleep_time).
        # Measured on two loaded cores: the last deferral 17 s after its
        # restart; 30 s leaves room, a stuck or lost session would not fit.
        self.assertLessEqual(latest[0], 30, "a deferral long after the restart ended: %r" % (latest,))


if __name__ == "__main__":
    unittest.main()
