"""A message whose verdict was stored but never answered keeps one row when
its sender tries again.

Between the stored verdict and the reply at end of message the milter can be
killed, or its connection to the MTA lost. The MTA then tempfails the
message and the sender sends it again: a new SMTP transaction, with a new
connection and a new queue id. The retry's verdict must find the first
attempt's row (the key is the message's identity: Message-ID, Date, From,
envelope and client), or aggregate reports count the message twice.

The MTA side is a raw milter client (integration.milter_support), so that a
test can leave a message unanswered and send it again with a new queue id,
and the milter runs with the harness PostgreSQL as a dmarc_milter role.
Rows are looked up by queue id: each attempt has its own.
"""

import signal
import threading
import unittest
import uuid

from harness import services as hs
from integration.milter_support import MilterProcess, RawMilterClient, final_reply, send_raw, milter_history_database

DB = "milterretry"
ROLE = "milterretry_mx"
NONE_DOMAIN = "retry.mt.example"
REJECT_DOMAIN = "retryrej.mt.example"
GOOD_IP = b"198.51.100.7"
RCPTS = (b"<u1@rcpt.example>", b"<u2@rcpt.example>")


class RetryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.pg = cls.s.postgres
        milter_history_database(DB, ROLE)
        cls.s.dns.add_records([
            (NONE_DOMAIN, "TXT", "v=spf1 ip4:198.51.100.7 -all"),
            ("_dmarc." + NONE_DOMAIN, "TXT", "v=DMARC1; p=none"),
            ("_dmarc." + REJECT_DOMAIN, "TXT", "v=DMARC1; p=reject"),
        ])
        cls.ids = iter(range(1, 1000000))

    def setUp(self):
        self.sock = self.s.path("milter-retry", "%s.sock" % self._testMethodName)
        self.milter = MilterProcess(self.s, "retry", "Database %s\nSpoolDurability fsync" % self.pg.dsn(DB, ROLE),
                                    socket=self.sock).start()
        self.addCleanup(self.stop_milter)

    def stop_milter(self):
        if self.milter.proc.running():
            status = self.milter.stop()
            if status != 0:
                raise AssertionError("milter exited with %r:\n%s" % (status, self.milter.log()[-5000:]))

    @staticmethod
    def message(domain=NONE_DOMAIN, message_id=True):
        headers = [(b"From", ("Alice <alice@%s>" % domain).encode()),
                   (b"Date", b"Sat, 28 Nov 2026 12:00:00 +0000"),
                   (b"Subject", b"retry")]
        if message_id:
            headers.append((b"Message-ID", ("<%s@retry.test>" % uuid.uuid4().hex).encode()))
        return headers

    def queue_id(self, tag):
        return "R%s%d" % (tag, next(self.ids))

    def attempt(self, headers, queue_id, answered=True, ip=GOOD_IP, domain=NONE_DOMAIN):
        """One SMTP transaction of the message. Unanswered: the MTA side never
        reads the reply and goes away once the milter has stored and logged
        the verdict, as when the milter is killed before its reply leaves.
        (Hanging up right after end of message is no test: libmilter then
        drops the session before it reads the command.)"""
        mail_from = ("<bounce@%s>" % domain).encode()
        if answered:
            return send_raw(self.sock, headers, ip=ip, mail_from=mail_from, rcpts=RCPTS,
                            queue_id=queue_id.encode())
        logged = self.milter.count("history=")
        client = RawMilterClient(self.sock)
        client.begin(ip=ip, mail_from=mail_from, rcpts=RCPTS, queue_id=queue_id.encode())
        for name, value in headers:
            assert client.step_or_none(b"L", name + b"\0" + value + b"\0") in (b"c", None)
        assert client.step_or_none(b"N") in (b"c", None)
        assert client.step_or_none(b"B", b"x\r\n") in (b"c", None)
        client.send(b"E")
        self.milter.wait_for_log("history=", logged + 1)
        client.sock.close()
        return None

    def settle(self):
        """Until every verdict stored so far is in the database: the writer
        commits in the order verdicts were stored, so once a new message's
        row is there, so are all before it."""
        queue_id = self.queue_id("M")
        self.assertEqual(self.attempt(self.message(), queue_id), "accept")
        hs.wait_until(lambda: self.rows(queue_id) == 1, 30, "the row of %s" % queue_id)

    def rows(self, *queue_ids):
        return int(self.pg.psql("SELECT count(*) FROM verdict WHERE queue_id IN (%s)"
                                % ",".join("'%s'" % q for q in queue_ids), dbname=DB))

    def stored_queue_ids(self, *queue_ids):
        return self.pg.psql("SELECT queue_id FROM verdict WHERE queue_id IN (%s) ORDER BY id"
                            % ",".join("'%s'" % q for q in queue_ids), dbname=DB).split()

    def test_retry_of_an_unanswered_message_keeps_the_first_row(self):
        for domain, reply in ((NONE_DOMAIN, "accept"), (REJECT_DOMAIN, "reject")):
            with self.subTest(domain=domain):
                headers = self.message(domain)
                first, retry = self.queue_id("A"), self.queue_id("B")
                self.attempt(headers, first, answered=False, domain=domain)
                self.assertEqual(self.attempt(headers, retry, domain=domain), reply)
                self.settle()
                self.assertEqual(self.stored_queue_ids(first, retry), [first],
                                 "got these rows for one message sent twice, want the first attempt's")

    def test_retry_after_the_window_keeps_its_own_row(self):
        """The resend window (sql/0014_resend_window.sql) is three days: a
        retry within it keeps the stored row whichever day it arrives, a
        retry later than that is stored again (documented in sql/README and
        dmarc-reports(8)). The stored attempt is moved back in time, as if
        the retry came that much later."""
        for back, rows in (("2 days 23 hours", 1), ("3 days 1 hour", 2)):
            with self.subTest(back=back):
                headers = self.message()
                first, retry = self.queue_id("W"), self.queue_id("X")
                self.attempt(headers, first, answered=False)
                self.settle()
                self.pg.psql("UPDATE verdict SET received_at = received_at - interval '%s' WHERE queue_id = '%s'"
                             % (back, first), dbname=DB)
                self.assertEqual(self.attempt(headers, retry), "accept")
                self.settle()
                self.assertEqual(self.rows(first, retry), rows)

    def test_other_messages_keep_their_own_rows(self):
        # Another Message-ID, no Message-ID at all (nothing says two
        # transactions carry the same message), another client address: a
        # row for each attempt.
        cases = {
            "another Message-ID": (self.message(), self.message(), GOOD_IP),
            "no Message-ID": (self.message(message_id=False), None, GOOD_IP),
            "another client": (self.message(), None, b"198.51.100.8"),
        }
        for what, (headers, other, ip) in cases.items():
            with self.subTest(what):
                first, second = self.queue_id("C"), self.queue_id("D")
                self.attempt(headers, first, answered=False)
                self.assertEqual(self.attempt(other or headers, second, ip=ip), "accept")
                self.settle()
                self.assertEqual(self.rows(first, second), 2)

    def test_kill9_mid_run_then_retries_one_row_per_message(self):
        """The milter is killed with SIGKILL while 4 clients send; every
        message that got no final answer is sent again (a new queue id) to a
        new milter on the same spool. Each message has exactly one row."""
        messages = [self.message() for _ in range(400)]
        attempts = [[] for _ in messages]  # queue ids sent, per message
        answered = [False] * len(messages)
        done = threading.Semaphore(0)
        lock = threading.Lock()
        next_index = iter(range(len(messages)))

        def client():
            while True:
                with lock:
                    index = next(next_index, None)
                if index is None:
                    return
                queue_id = "K%da0" % index
                attempts[index].append(queue_id)
                try:
                    answered[index] = self.attempt(messages[index], queue_id) == "accept"
                except (OSError, EOFError, AssertionError):
                    return  # the milter is gone
                done.release()

        threads = [threading.Thread(target=client) for _ in range(4)]
        for thread in threads:
            thread.start()
        for _ in range(100):
            self.assertTrue(done.acquire(timeout=60), "the clients stopped before 100 answers:\n%s"
                            % self.milter.log()[-3000:])
        self.milter.proc.signal(signal.SIGKILL)
        for thread in threads:
            thread.join(60)
        self.assertEqual(self.milter.proc.kill(), -signal.SIGKILL)
        unanswered = [i for i in range(len(messages)) if not answered[i]]
        self.assertLess(len(unanswered), len(messages) - 99)
        # The sender tries again, to a new milter on the same spool.
        self.milter.start()
        for index in unanswered:
            queue_id = "K%da1" % index
            attempts[index].append(queue_id)
            self.assertEqual(self.attempt(messages[index], queue_id), "accept")
        self.settle()
        counts = dict(tuple(line.split("|")) for line in self.pg.psql(
            "SELECT split_part(queue_id, 'a', 1), count(*) FROM verdict WHERE queue_id LIKE 'K%%a%%' "
            "GROUP BY 1", dbname=DB).split())
        twice = {key: n for key, n in counts.items() if n != "1"}
        self.assertEqual(twice, {}, "got more than one row for these messages")
        self.assertEqual(len(counts), len(messages), "got rows for %d of %d messages" % (len(counts),
                                                                                        len(messages)))
        # Stored but never answered: the first attempt's row is the one kept.
        stored_unanswered = int(self.pg.psql(
            "SELECT count(*) FROM verdict WHERE queue_id IN (%s)" % ",".join(
                "'K%da0'" % i for i in unanswered), dbname=DB)) if unanswered else 0
        print("\n    %d messages unanswered at the kill, %d of them with a stored verdict; %d messages, "
              "%d rows" % (len(unanswered), stored_unanswered, len(messages), len(counts)), flush=True)


if __name__ == "__main__":
    unittest.main()
