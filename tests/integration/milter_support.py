"""Running dmarc-milter in the integration tests.

MilterProcess starts the built daemon in the foreground with a generated
configuration (each test class states only its delta), waits for its
readiness line on --ready-fd (never a sleep), and stops it with SIGTERM.
Its log (standard error, --log-stderr) is kept in the harness directory and
can be awaited line by line, which is how the reload tests know a SIGUSR1
was handled.

Also: a DKIM key per class through tests/tools/dkim-sign, and small helpers
to build messages and read the headers of delivered ones.
"""

import email
import email.policy
import itertools
import os
import signal
import subprocess
import time
import uuid

from harness import services as hs
from integration.reports_util import ReportsDatabase

_counter = itertools.count(1)


class MilterProcess:
    """One dmarc-milter daemon on the harness's milter socket."""

    def __init__(self, services, name, config="", socket=None):
        self.services = services
        self.name = "%s-%d" % (name, next(_counter))
        self.dir = os.path.dirname(services.path("milter-" + self.name, "x"))
        self.socket = socket or services.postfix.milter_socket
        self.conf = os.path.join(self.dir, "dmarc-milter.conf")
        self.logfile = os.path.join(self.dir, "milter.log")
        self.base = "\n".join([
            "Socket local:%s" % self.socket,
            "AuthservID mx.harness.test",
            "Nameservers %s" % services.dns.nameserver,
            "UMask 000",
            "Background false",
            "Syslog false",
            "LogLevel debug",
            "PidFile %s" % os.path.join(self.dir, "milter.pid"),
            "SpoolDirectory %s" % os.path.join(self.dir, "spool"),
            "DNSTimeout 2",
            "DNSBudget 10",
            "DrainTimeout 10",
        ])
        self.write_config(config)
        self.proc = None

    def write_config(self, delta):
        """The base configuration with the keys of delta replacing or adding to it."""
        lines = {}
        for line in (self.base + "\n" + delta).splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                lines[line.split()[0].lower()] = line
        with open(self.conf, "w") as handle:
            handle.write("\n".join(lines.values()) + "\n")

    def write_raw_config(self, text):
        with open(self.conf, "w") as handle:
            handle.write(text)

    def start(self, extra_args=()):
        read_fd, write_fd = os.pipe()
        try:
            cmd = [hs.binary("dmarc-milter"), "-f", "-c", self.conf, "--ready-fd", str(write_fd),
                   "--log-stderr"] + list(extra_args)
            self.proc = hs.Process(cmd, self.logfile, pass_fds=(write_fd,))
            os.close(write_fd)
            write_fd = -1
            line = hs.wait_for_ready_fd(read_fd, self.proc)
            if line != "READY":
                raise hs.HarnessError("unexpected readiness line %r" % line)
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        return self

    def stop(self, timeout=30):
        if self.proc is None:
            return None
        status = self.proc.stop(timeout)
        return status

    def log(self):
        with open(self.logfile, errors="replace") as handle:
            return handle.read()

    def count(self, text):
        return self.log().count(text)

    def wait_for_log(self, text, count=1, timeout=30):
        """Until text appears count times in the log (a readiness condition)."""
        hs.wait_until(lambda: self.count(text) >= count or not self.proc.running(), timeout,
                      "%r in the milter log" % text)
        if self.count(text) < count:
            raise AssertionError("milter exited before logging %r:\n%s" % (text, self.log()))

    def reload(self, expect_ok=True):
        """SIGUSR1, then wait until the milter logged the outcome; assert it."""
        ok_before = self.count("configuration reloaded")
        bad_before = self.count("reload refused")
        self.proc.signal(signal.SIGUSR1)
        hs.wait_until(lambda: self.count("configuration reloaded") > ok_before
                      or self.count("reload refused") > bad_before or not self.proc.running(), 30,
                      "the reload to be handled")
        ok = self.count("configuration reloaded") > ok_before
        if ok != expect_ok:
            raise AssertionError("reload: got %s, want %s; log:\n%s" % (
                "reloaded" if ok else "refused", "reloaded" if expect_ok else "refused", self.log()))


class DkimKey:
    """A DKIM key made by tests/tools/dkim-sign, published in the harness DNS."""

    def __init__(self, services, domain, selector="sel", key_type="rsa"):
        self.domain = domain
        self.selector = selector
        self.tool = hs.binary("dkim-sign")
        self.path = services.path("dkim", "%s.%s.pem" % (selector, domain))
        record = subprocess.run([self.tool, "keygen", key_type, self.path], check=True,
                                capture_output=True, text=True).stdout.strip()
        services.dns.add("%s._domainkey.%s" % (selector, domain), "TXT", record)

    def sign(self, message):
        if isinstance(message, str):
            message = message.encode()
        return subprocess.run([self.tool, "sign", self.path, self.domain, self.selector], input=message,
                              check=True, capture_output=True).stdout


def milter_history_database(name, role):
    """A fresh database with the schema (ReportsDatabase) and a login role in
    dmarc_milter, the group the milter writes its verdicts as."""
    db = ReportsDatabase(name)
    db.pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
               "CREATE ROLE %s LOGIN IN ROLE dmarc_milter; END IF; END$$" % (role, role))
    return db


def message(from_header, marker=None, subject="test", extra_headers=(), body="Hello.\r\n"):
    """A small message with a unique Message-ID (returned as marker)."""
    marker = marker or "%s@test.harness" % uuid.uuid4().hex
    lines = []
    if from_header is not None:
        lines.append("From: %s" % from_header)
    lines += ["To: rcpt@rcpt.example", "Subject: %s" % subject, "Message-ID: <%s>" % marker,
              "Date: Sat, 28 Nov 2026 12:00:00 +0000"]
    lines += list(extra_headers)
    return "\r\n".join(lines) + "\r\n\r\n" + body, marker


def headers_of(raw):
    """The delivered message's header fields, as (name, unfolded value) in order."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [(k, " ".join(v.split())) for k, v in msg.items()]


def auth_results(raw):
    return [v for k, v in headers_of(raw) if k.lower() == "authentication-results"]


def wait(predicate, timeout, what):
    hs.wait_until(predicate, timeout, what)


__all__ = ["MilterProcess", "DkimKey", "message", "headers_of", "auth_results", "wait", "time"]


class RawMilterClient:
    """The MTA side of the milter protocol (version 6), byte by byte, for the
    cases miltertest cannot play: a socket dropped at any point, a signal
    between two steps of one message."""

    def __init__(self, path, timeout=60):
        import socket as _socket
        self.steps = 0
        self.sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)

    def send(self, cmd, data=b""):
        import struct
        self.sock.sendall(struct.pack("!I", len(data) + 1) + cmd + data)

    def recv(self):
        import socket as _socket
        import struct
        head = self.sock.recv(4, _socket.MSG_WAITALL)
        if len(head) < 4:
            raise EOFError("milter closed the connection")
        length = struct.unpack("!I", head)[0]
        return self.sock.recv(length, _socket.MSG_WAITALL)

    def step(self, cmd, data=b""):
        self.send(cmd, data)
        return self.recv()[:1]

    # SMFIP_NR_CONN, _HELO, _MAIL, _RCPT, _HDR, _EOH, _BODY
    # (libmilter/mfdef.h): steps the milter may choose not to answer.
    NO_REPLY = {b"C": 0x1000, b"H": 0x2000, b"M": 0x4000, b"R": 0x8000,
                b"L": 0x80, b"N": 0x40000, b"B": 0x80000}

    def negotiate(self):
        import struct
        self.send(b"O", struct.pack("!III", 6, 0x1FF, 0x1FFFFF))  # every action and step offered
        reply = self.recv()
        self.steps = struct.unpack("!III", reply[1:13])[2] if len(reply) >= 13 else 0
        return reply

    def step_or_none(self, cmd, data=b""):
        """A step the milter answers ("c"), or, when it negotiated no reply
        for it, sends nothing back (None)."""
        if self.steps & self.NO_REPLY.get(cmd, 0):
            self.send(cmd, data)
            return None
        return self.step(cmd, data)

    def macro(self, stage, values):
        """SMFIC_MACRO: the MTA's macros for the next step (stage: b"M" for
        MAIL and so on), e.g. {b"i": b"QID1"}. Never answered."""
        self.send(b"D", stage + b"".join(name + b"\0" + value + b"\0" for name, value in values.items()))

    def begin(self, ip=b"198.51.100.7", mail_from=b"<a@example.com>", helo=b"mail.sender.example",
              rcpts=(b"<rcpt@rcpt.example>",), queue_id=None):
        self.negotiate()
        import struct
        connect = b"client.example\0" + b"4" + struct.pack("!H", 25) + ip + b"\0"
        assert self.step_or_none(b"C", connect) in (b"c", None)
        assert self.step_or_none(b"H", helo + b"\0") in (b"c", None)
        if queue_id is not None:
            self.macro(b"M", {b"i": queue_id})
        assert self.step_or_none(b"M", mail_from + b"\0") in (b"c", None)
        for rcpt in rcpts:
            assert self.step_or_none(b"R", rcpt + b"\0") in (b"c", None)

    def end(self, headers, body=b"x\r\n"):
        """Headers, body, end of message: the list of replies up to the final one."""
        for name, value in headers:
            assert self.step_or_none(b"L", name + b"\0" + value + b"\0") in (b"c", None)
        assert self.step_or_none(b"N") in (b"c", None)
        assert self.step_or_none(b"B", body) in (b"c", None)
        self.send(b"E")
        replies = []
        while True:
            packet = self.recv()
            replies.append(packet)
            if packet[:1] in (b"a", b"c", b"r", b"t", b"y", b"d"):
                return replies

    def close(self):
        try:
            self.send(b"Q")
        except OSError:
            pass
        self.sock.close()


def final_reply(replies):
    """The SMTP outcome of end-of-message replies: "accept", "reject",
    "tempfail" (also a 4xx reply code) or the reply's text."""
    last = replies[-1]
    code = last[:1]
    if code == b"y":
        text = last[1:].rstrip(b"\0").decode(errors="replace")
        return "tempfail" if text.startswith("4") else "reject" if text.startswith("5") else text
    return {b"a": "accept", b"c": "accept", b"r": "reject", b"t": "tempfail", b"d": "discard"}.get(code, repr(last))


def send_raw(path, headers, ip=b"198.51.100.7", mail_from=b"<a@example.com>", helo=b"mail.sender.example",
             rcpts=(b"<rcpt@rcpt.example>",), queue_id=None, body=b"x\r\n"):
    """One message in one milter session (RawMilterClient): its final_reply()."""
    client = RawMilterClient(path)
    try:
        client.begin(ip=ip, mail_from=mail_from, helo=helo, rcpts=rcpts, queue_id=queue_id)
        return final_reply(client.end(headers, body))
    finally:
        client.close()
