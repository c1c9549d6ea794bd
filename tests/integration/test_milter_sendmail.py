"""dmarc-milter end to end through Debian's Sendmail (issue 5).

The harness's Sendmail has INPUT_MAIL_FILTER(`dmarc-milter', `S=local:...,
F=T, ...') with the connect, HELO and MAIL macros of its .mc (the README's
Sendmail lines). Mail comes from 127.0.0.1, so this class takes loopback
out of IgnoreHosts. Checked: pass with our header added, reject (550 5.7.1),
quarantine into Sendmail's queue (smfi_quarantine), and tempfail on a DNS
error (451 4.7.5).
"""

import os
import unittest

from harness import services as hs
from integration.milter_support import MilterProcess, message

RCPT = ["rcpt@rcpt.example"]


class TestSendmail(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.s.dns.add_records([
            ("sm.mt.example", "TXT", "v=spf1 ip4:127.0.0.1 -all"),
            ("sm.mt.example", "A", "192.0.2.30"),
            ("_dmarc.sm.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("smreject.mt.example", "TXT", "v=spf1 -all"),
            ("smreject.mt.example", "A", "192.0.2.31"),
            ("_dmarc.smreject.mt.example", "TXT", "v=DMARC1; p=reject"),
            ("smquar.mt.example", "A", "192.0.2.32"),
            ("_dmarc.smquar.mt.example", "TXT", "v=DMARC1; p=quarantine"),
            ("smdown.mt.example", "A", "192.0.2.33"),
        ])
        cls.milter = MilterProcess(cls.s, "sendmail", "IgnoreHosts 192.0.2.255\nHoldQuarantinedMessages yes\n"
                                   "AuthservID mx.harness.test").start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def send(self, author, mail_from):
        text, marker = message(author)
        code, reply = self.s.sendmail.send(text, mail_from, RCPT)
        return code, reply, marker

    def queued_headers(self, marker):
        """Header lines of the queued copy (qf file) of the message marked
        marker. The harness's Sendmail cannot deliver to the sink (its host
        map lookups use the system resolver, which the test namespace does
        not have), so the message is checked in the queue, as Sendmail
        stored it after the milter's changes."""
        queue = os.path.join(self.s.sendmail.dir, "mqueue")
        found = []

        def stored():
            for name in os.listdir(queue):
                if name[:2] in ("qf", "hf"):
                    with open(os.path.join(queue, name), errors="replace") as handle:
                        text = handle.read()
                    if marker in text:
                        lines = []
                        for line in text.splitlines():
                            if line.startswith("H"):
                                lines.append(line)
                            elif line[:1] in (" ", "\t") and lines:
                                lines[-1] += " " + line.strip()  # folded field
                        found[:] = lines
                        return True
            return False

        hs.wait_until(stored, 60, "the queued message %s" % marker)
        return found

    def test_pass_adds_header(self):
        code, reply, marker = self.send("Alice <alice@sm.mt.example>", "bounce@sm.mt.example")
        self.assertEqual(code, 250, reply)
        headers = self.queued_headers(marker)
        ours = [h for h in headers if "Authentication-Results: mx.harness.test" in h]
        self.assertEqual(len(ours), 1, headers)
        self.assertIn("spf=pass", ours[0])
        self.assertIn("dmarc=pass", ours[0])

    def test_reject(self):
        code, reply, _ = self.send("m@smreject.mt.example", "m@smreject.mt.example")
        self.assertEqual(code, 550, reply)
        self.assertIn("5.7.1", reply)
        self.assertIn("smreject.mt.example", reply)

    def test_second_from_with_space_before_colon(self):
        # RFC 5322 section 4.5.2: "From : x" is a From field. Sendmail hands
        # it to the milter named "From" (the same as Postfix); either way a
        # second author domain with p=reject decides.
        text, _ = message("alice@sm.mt.example", extra_headers=["From : m@smreject.mt.example"])
        code, reply = self.s.sendmail.send(text, "bounce@sm.mt.example", RCPT)
        self.assertEqual(code, 550, reply)
        self.assertIn("smreject.mt.example", reply)

    def test_quarantine_held_in_queue(self):
        queue = os.path.join(self.s.sendmail.dir, "mqueue")
        before = set(self.s.sendmail.queue_files())
        code, reply, marker = self.send("q@smquar.mt.example", "q@smquar.mt.example")
        self.assertEqual(code, 250, reply)
        # Sendmail keeps a quarantined message queued with its reason in the
        # qf/hf file ("q" line).
        new = [f for f in set(self.s.sendmail.queue_files()) - before if f[:2] in ("hf", "qf")]
        self.assertEqual(len(new), 1, sorted(set(self.s.sendmail.queue_files()) - before))
        with open(os.path.join(queue, new[0]), errors="replace") as handle:
            control = handle.read()
        self.assertIn("DMARC policy quarantine for smquar.mt.example", control)

    def test_tempfail_on_dns_error(self):
        self.s.dns.refuse_zone("smdown.mt.example")
        try:
            code, reply, _ = self.send("d@smdown.mt.example", "d@smdown.mt.example")
        finally:
            self.s.dns.unrefuse_zone("smdown.mt.example")
        self.assertEqual(code, 451, reply)
        self.assertIn("4.7.5", reply)


if __name__ == "__main__":
    unittest.main()
