"""dmarc-milter at the milter protocol level (issue 5).

Debian's miltertest plays the MTA: every callback (negotiate, connect, helo,
mail, rcpt, header, eoh, body, eom, abort, close), asserting the filter's
reply at each stage and the header changes and SMTP reply at end of
message; aborted messages, several messages per connection, connections
closed mid-message (politely and abruptly, also by a raw client that just
drops the socket), and the TLS and SMTP AUTH macros.
"""

import os
import socket
import struct
import subprocess
import textwrap
import unittest

from harness import services as hs
from integration.milter_support import MilterProcess

# libmilter/mfdef.h: steps the milter may negotiate not to answer.
SMFIP_NR_CONN = 0x1000
SMFIP_NR_MAIL = 0x4000

PRELUDE = """
mt.set_timeout(60)
function fail(msg) error(msg, 0) end
function expect(conn, want, what)
  local got = mt.getreply(conn)
  if got ~= want then
    fail(string.format("%s: got reply %q, want %q", what, string.char(got), string.char(want)))
  end
end
function check(cond, what) if not cond then fail(what) end end
function open(ip, helo)
  local conn = mt.connect(socket, 40, 0.25)
  check(conn ~= nil, "connect to " .. socket)
  check(mt.conninfo(conn, "client.example", ip or "198.51.100.7") == nil, "conninfo")
  expect(conn, SMFIR_CONTINUE, "connect")
  check(mt.helo(conn, helo or "mail.sender.example") == nil, "helo")
  expect(conn, SMFIR_CONTINUE, "helo")
  return conn
end
function envelope(conn, from, qid)
  mt.macro(conn, SMFIC_MAIL, "i", qid or "QPROTO")
  check(mt.mailfrom(conn, "<" .. from .. ">") == nil, "mail")
  expect(conn, SMFIR_CONTINUE, "mail")
  check(mt.rcptto(conn, "<rcpt@rcpt.example>") == nil, "rcpt")
  expect(conn, SMFIR_CONTINUE, "rcpt")
end
function headers(conn, list)
  for _, h in ipairs(list) do
    check(mt.header(conn, h[1], h[2]) == nil, "header " .. h[1])
    expect(conn, SMFIR_CONTINUE, "header " .. h[1])
  end
  check(mt.eoh(conn) == nil, "eoh")
  expect(conn, SMFIR_CONTINUE, "eoh")
end
function body(conn, text)
  check(mt.bodystring(conn, text) == nil, "body")
  expect(conn, SMFIR_CONTINUE, "body")
end
function eom(conn)
  check(mt.eom(conn) == nil, "eom")
end
function ours(conn)
  local value = mt.getheader(conn, "Authentication-Results", 0)
  check(value ~= nil, "no Authentication-Results header added")
  return value
end
"""


class TestMilterProtocol(unittest.TestCase):
    config = "IgnoreAuthenticatedClients yes"

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.s.dns.add_records([
            ("proto.mt.example", "TXT", "v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 -all"),
            ("proto.mt.example", "A", "192.0.2.10"),
            ("_dmarc.proto.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("protodown.mt.example", "A", "192.0.2.11"),
            ("protovictim.mt.example", "A", "192.0.2.12"),
            ("_dmarc.protovictim.mt.example", "TXT", "v=DMARC1; p=reject"),
        ])
        cls.sock = cls.s.path("milter-proto", "proto.sock")
        cls.milter = MilterProcess(cls.s, "proto", cls.config, socket=cls.sock).start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def lua(self, script):
        path = self.s.path("milter-proto", "%s.lua" % self._testMethodName)
        with open(path, "w") as handle:
            handle.write(PRELUDE + textwrap.dedent(script))
        proc = subprocess.run(["miltertest", "-D", "socket=unix:%s" % self.sock, "-s", path],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, "miltertest failed:\n%s%s\nmilter log tail:\n%s" % (
            proc.stdout, proc.stderr, self.milter.log()[-3000:]))
        self.assertTrue(self.milter.proc.running(), "the milter died")
        return proc.stdout

    def test_every_callback_pass(self):
        self.lua("""
            local conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "Alice <alice@proto.mt.example>"}, {"Subject", "hi"}})
            body(conn, "Hello\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom")
            check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"), "A-R inserted")
            local ar = ours(conn)
            check(string.find(ar, "mx.harness.test;", 1, true) ~= nil, "authserv-id: " .. ar)
            check(string.find(ar, "dmarc=pass", 1, true) ~= nil, "dmarc=pass: " .. ar)
            check(not mt.eom_check(conn, MT_HDRDELETE), "nothing deleted")
            mt.disconnect(conn)
        """)

    def test_reject_reply(self):
        self.lua("""
            local conn = open()
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "mallory@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_REPLYCODE, "eom")
            check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                  "Email rejected per DMARC policy for proto.mt.example"), "550 reply")
            check(not mt.eom_check(conn, MT_HDRINSERT), "no header on reject")
            mt.disconnect(conn)
        """)

    def test_no_from_rejected_by_local_policy(self):
        # Without From the sender's policy is never consulted: the 550 says
        # it is this site's rule (UnusableFromAction), not "(unknown)"'s DMARC.
        # (Through Postfix the test cannot be made: its cleanup adds a From.)
        self.lua("""
            local conn = open()
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"Subject", "no author"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_REPLYCODE, "eom")
            check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                  "Email rejected by local policy: no From field"), "550 local policy reply")
            mt.disconnect(conn)
        """)

    def test_temperror_reply(self):
        self.s.dns.refuse_zone("protodown.mt.example")
        try:
            self.lua("""
                local conn = open()
                envelope(conn, "x@protodown.mt.example")
                headers(conn, {{"From", "x@protodown.mt.example"}})
                body(conn, "x\\r\\n")
                eom(conn)
                expect(conn, SMFIR_REPLYCODE, "eom")
                check(mt.eom_check(conn, MT_SMTPREPLY, "451", "4.7.5",
                      "DMARC evaluation failed temporarily, try again later"), "451 reply")
                mt.disconnect(conn)
            """)
        finally:
            self.s.dns.unrefuse_zone("protodown.mt.example")

    def test_forged_auth_results_deleted(self):
        self.lua("""
            local conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"Authentication-Results", "other.example; spf=pass"},
                           {"Authentication-Results", "mx.harness.test; dmarc=pass"},
                           {"From", "alice@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom")
            check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), "forged A-R deleted")
            check(mt.eom_check(conn, MT_HDRINSERT, "Authentication-Results"), "ours inserted")
            mt.disconnect(conn)
        """)

    def test_space_before_colon_is_the_same_field(self):
        # RFC 5322 section 4.5.2: an MTA that passes the name of "From : x"
        # as "From " still gives a From field; so for Authentication-Results.
        self.lua("""
            local conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "alice@proto.mt.example"},
                           {"From ", "mallory@protovictim.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_REPLYCODE, "eom")
            check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.7.1",
                  "Email rejected per DMARC policy for protovictim.mt.example"), "550 reply")
            mt.disconnect(conn)
            conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"Authentication-Results\\t ", "mx.harness.test; dmarc=pass"},
                           {"From", "alice@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom")
            check(mt.eom_check(conn, MT_HDRDELETE, "Authentication-Results"), "forged A-R deleted")
            mt.disconnect(conn)
        """)

    def test_aborted_message_then_next(self):
        self.lua("""
            local conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "mallory@proto.mt.example"}})
            body(conn, "part of a body\\r\\n")
            check(mt.abort(conn) == nil, "abort")
            envelope(conn, "bounce@proto.mt.example", "QNEXT")
            headers(conn, {{"From", "alice@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom after abort")
            check(string.find(ours(conn), "dmarc=pass", 1, true) ~= nil, "pass after abort")
            mt.disconnect(conn)
        """)

    def test_several_messages_per_connection(self):
        self.lua("""
            local conn = open("192.0.2.10")
            for i = 1, 5 do
              envelope(conn, "bounce@proto.mt.example", "QMANY" .. i)
              if i % 2 == 0 then
                headers(conn, {{"From", "alice@proto.mt.example"}})
              else
                headers(conn, {{"From", "alice@nowhere.mt.example"}})
              end
              body(conn, "message " .. i .. "\\r\\n")
              eom(conn)
              expect(conn, SMFIR_ACCEPT, "eom " .. i)
              local ar = ours(conn)
              if i % 2 == 0 then
                check(string.find(ar, "dmarc=pass", 1, true) ~= nil, "pass " .. i .. ": " .. ar)
              else
                check(string.find(ar, "dmarc=none", 1, true) ~= nil, "none " .. i .. ": " .. ar)
              end
            end
            mt.disconnect(conn)
        """)
        for i in range(1, 6):
            self.milter.wait_for_log("QMANY%d: " % i)

    def test_connection_closed_mid_message(self):
        self.lua("""
            local conn = open()
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "alice@proto.mt.example"}})
            mt.disconnect(conn, false)
            conn = open()
            envelope(conn, "bounce@proto.mt.example")
            check(mt.header(conn, "From", "alice@proto.mt.example") == nil, "header")
            mt.disconnect(conn, true)
            conn = open("192.0.2.10")
            envelope(conn, "bounce@proto.mt.example")
            headers(conn, {{"From", "alice@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom on a fresh connection")
            mt.disconnect(conn)
        """)

    def test_raw_socket_dropped_mid_message(self):
        # A client that negotiates, starts a message and vanishes without
        # QUIT: the milter must free the session and keep serving.
        def packet(cmd, data=b""):
            return struct.pack("!I", len(data) + 1) + cmd + data

        def reply(sock):
            head = sock.recv(4, socket.MSG_WAITALL)
            length = struct.unpack("!I", head)[0]
            return sock.recv(length, socket.MSG_WAITALL)

        for _ in range(20):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(30)  # a missing reply fails the test, never hangs it
                sock.connect(self.sock)
                sock.sendall(packet(b"O", struct.pack("!III", 6, 0x1FF, 0x1FFFFF)))
                negotiated = reply(sock)
                self.assertEqual(negotiated[:1], b"O")
                steps = struct.unpack("!I", negotiated[9:13])[0]
                # Offered, the steps before end of message go unanswered
                # (fewer round trips for the MTA).
                self.assertEqual(steps & (SMFIP_NR_CONN | SMFIP_NR_MAIL),
                                 SMFIP_NR_CONN | SMFIP_NR_MAIL)
                sock.sendall(packet(b"C", b"client.example\0" + b"4" + struct.pack("!H", 25) +
                                    b"198.51.100.7\0"))
                if not steps & SMFIP_NR_CONN:
                    self.assertEqual(reply(sock)[:1], b"c")
                sock.sendall(packet(b"M", b"<a@proto.mt.example>\0"))
                if not steps & SMFIP_NR_MAIL:
                    self.assertEqual(reply(sock)[:1], b"c")
                sock.sendall(packet(b"L", b"From\0 a@proto.mt.example\0"))
        self.test_every_callback_pass()
        self.assertNotIn("error=", self.milter.log())

    def test_auth_and_tls_macros(self):
        # IgnoreAuthenticatedClients is on for this class: an authenticated
        # client's failing mail is delivered (override local_policy).
        self.lua("""
            local conn = mt.connect(socket, 40, 0.25)
            mt.macro(conn, SMFIC_CONNECT, "j", "mx.harness.test")
            check(mt.conninfo(conn, "client.example", "198.51.100.7") == nil, "conninfo")
            expect(conn, SMFIR_CONTINUE, "connect")
            mt.macro(conn, SMFIC_HELO, "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_128_GCM_SHA256",
                     "{cipher_bits}", "128", "{verify}", "NO")
            check(mt.helo(conn, "mail.sender.example") == nil, "helo")
            expect(conn, SMFIR_CONTINUE, "helo")
            mt.macro(conn, SMFIC_MAIL, "i", "QAUTH", "{auth_authen}", "alice")
            check(mt.mailfrom(conn, "<m@proto.mt.example>") == nil, "mail")
            expect(conn, SMFIR_CONTINUE, "mail")
            check(mt.rcptto(conn, "<rcpt@rcpt.example>") == nil, "rcpt")
            expect(conn, SMFIR_CONTINUE, "rcpt")
            headers(conn, {{"From", "mallory@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom")
            check(string.find(ours(conn), "dmarc=fail", 1, true) ~= nil, "fail recorded")
            mt.disconnect(conn)
        """)
        self.milter.wait_for_log("QAUTH: client=198.51.100.7")
        line = [l for l in self.milter.log().splitlines() if "QAUTH: client=" in l][0]
        self.assertIn("override=local_policy", line)

    def test_ipv6_client(self):
        self.lua("""
            local conn = open("2001:db8::10")
            envelope(conn, "bounce@proto.mt.example", "QSIX")
            headers(conn, {{"From", "alice@proto.mt.example"}})
            body(conn, "x\\r\\n")
            eom(conn)
            expect(conn, SMFIR_ACCEPT, "eom")
            check(string.find(ours(conn), "spf=pass", 1, true) ~= nil, "spf pass over IPv6")
            mt.disconnect(conn)
        """)
        self.milter.wait_for_log("QSIX: client=2001:db8::10")


if __name__ == "__main__":
    unittest.main()
