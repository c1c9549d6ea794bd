"""Smoke tests: each service of the harness answers (issue 2)."""

import os
import unittest

from harness import services as hs


class ServicesSmokeTest(unittest.TestCase):
    def setUp(self):
        self.s = hs.current()

    def test_postgres_answers_queries(self):
        self.assertEqual(self.s.postgres.psql("SELECT 40 + 2"), "42")
        self.s.postgres.create_database("smoke")
        self.assertEqual(self.s.postgres.psql("SELECT current_database()", dbname="smoke"), "smoke")

    def test_dns_serves_added_records_and_nothing_else(self):
        dns = self.s.dns
        dns.add("_dmarc.smoke.example", "TXT", "v=DMARC1; p=reject")
        self.assertEqual(hs.dns_query(dns.address, dns.port, "_dmarc.smoke.example", 16), (0, 1))
        # NXDOMAIN (rcode 3) for everything not added: no query leaves loopback.
        self.assertEqual(hs.dns_query(dns.address, dns.port, "unknown.example", 16)[0], 3)
        dns.remove("_dmarc.smoke.example")
        self.assertEqual(hs.dns_query(dns.address, dns.port, "_dmarc.smoke.example", 16)[0], 3)

    def test_dns_refused_zone_fails(self):
        dns = self.s.dns
        dns.refuse_zone("broken.example")
        try:
            self.assertEqual(hs.dns_query(dns.address, dns.port, "_dmarc.broken.example", 16)[0], 5)
        finally:
            dns.unrefuse_zone("broken.example")

    def test_dns_long_txt_is_split_into_strings(self):
        dns = self.s.dns
        dns.add("long.smoke.example", "TXT", "v=spf1 " + "a " * 200 + "-all")
        self.assertEqual(hs.dns_query(dns.address, dns.port, "long.smoke.example", 16), (0, 1))

    def test_postfix_delivers_to_sink(self):
        message = ("From: a@sender.example\r\nTo: b@rcpt.example\r\nSubject: smoke\r\n"
                   "Message-ID: <smoke-1@sender.example>\r\n\r\nhello\r\n")
        code, reply = self.s.postfix.send(message, "a@sender.example", ["b@rcpt.example"], milter=False)
        self.assertEqual(code, 250, reply)
        delivered = self.s.sink.wait_for("smoke-1@sender.example")
        self.assertIn(b"Subject: smoke", delivered)

    def test_postfix_xclient_presents_another_client(self):
        message = ("From: a@sender.example\r\nTo: b@rcpt.example\r\nSubject: xclient\r\n"
                   "Message-ID: <smoke-2@sender.example>\r\n\r\nhello\r\n")
        code, reply = self.s.postfix.send(message, "a@sender.example", ["b@rcpt.example"], milter=False,
                                          xclient={"ADDR": "127.0.0.2", "HELO": "helo.sender.example"})
        self.assertEqual(code, 250, reply)
        delivered = self.s.sink.wait_for("smoke-2@sender.example")
        self.assertIn(b"helo.sender.example", delivered)

    def test_postfix_milter_port_tempfails_without_milter(self):
        # No milter listens yet: milter_default_action=tempfail must apply.
        code, _ = self.s.postfix.send("Subject: x\r\n\r\nx\r\n", "a@sender.example", ["b@rcpt.example"],
                                      milter=True)
        self.assertEqual(code // 100, 4)

    def test_sendmail_tempfails_without_milter(self):
        # INPUT_MAIL_FILTER with F=T: no milter listening means 4xx, never accept.
        code, reply = self.s.sendmail.send("Subject: x\r\n\r\nx\r\n", "a@sender.example", ["b@rcpt.example"])
        self.assertEqual(code // 100, 4, reply)

    def test_only_loopback_is_reachable(self):
        # run.py isolates the suite in its own network namespace (as root).
        if os.geteuid() != 0:
            self.skipTest("network isolation needs root")
        import socket
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            with self.assertRaises(OSError):
                sock.connect(("192.0.2.1", 53))
                sock.send(b"x")


if __name__ == "__main__":
    unittest.main()
