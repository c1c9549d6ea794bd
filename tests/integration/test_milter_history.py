"""dmarc-milter hands every verdict to the history store (the milter and the store together).

The milter runs with Database pointing at the harness PostgreSQL, as a role
that is a member of dmarc_milter (INSERT only). Messages go through Postfix;
the test then finds one verdict row per message, with the session facts
(client, HELO, queue ID, TLS absent) and the engine's result and
disposition, including for a rejected message.
"""

import unittest

from harness import services as hs
from integration.milter_support import MilterProcess, message, milter_history_database
from integration.test_milter_postfix import GOOD_IP, RCPT, allow_relay_to_rcpt_domain, xclient

DB = "milterhistory"
ROLE = "milterhistory_mx"


class TestMilterHistory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.pg = cls.s.postgres
        allow_relay_to_rcpt_domain(cls.s.postfix)
        milter_history_database(DB, ROLE)
        cls.s.dns.add_records([
            ("hist.mt.example", "TXT", "v=spf1 ip4:%s -all" % GOOD_IP),
            ("hist.mt.example", "A", GOOD_IP),
            ("_dmarc.hist.mt.example", "TXT", "v=DMARC1; p=reject; rua=mailto:rua@hist.mt.example"),
            ("histnone.mt.example", "A", GOOD_IP),
            ("_dmarc.histnone.mt.example", "TXT", "v=DMARC1; p=none"),
        ])
        cls.milter = MilterProcess(cls.s, "history", "Database %s\nSpoolDurability fsync"
                                   % cls.pg.dsn(DB, ROLE)).start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def rows(self, where):
        return self.pg.psql("SELECT queue_id, host(client_ip), helo, mail_from_domain, from_domain, "
                            "dmarc_result, disposition_applied, policy_domain FROM verdict WHERE %s "
                            "ORDER BY id" % where, dbname=DB)

    def test_every_message_recorded(self):
        queue_ids = []
        for i in range(5):
            text, marker = message("alice@hist.mt.example", subject="history %d" % i)
            code, reply = self.s.postfix.send(text, "bounce@hist.mt.example", RCPT,
                                              xclient=xclient(GOOD_IP, helo="helo.hist.mt.example"))
            self.assertEqual(code, 250, reply)
            queue_ids.append(reply.split()[-1])
        text, _ = message("m@hist.mt.example")
        code, reply = self.s.postfix.send(text, "m@hist.mt.example", RCPT, xclient=xclient("198.51.100.7"))
        self.assertEqual(code, 550, reply)

        # The writer ships in batches; the rows appear without the milter
        # waiting for them (poll the database, a readiness condition).
        hs.wait_until(lambda: self.pg.psql("SELECT count(*) FROM verdict WHERE from_domain = "
                                           "'hist.mt.example'", dbname=DB) == "6", 60, "6 verdict rows")
        passed = self.rows("from_domain = 'hist.mt.example' AND dmarc_result = 'pass'").splitlines()
        self.assertEqual(len(passed), 5, passed)
        for row, queue_id in zip(passed, queue_ids):
            fields = row.split("|")
            self.assertEqual(fields[0], queue_id)
            self.assertEqual(fields[1:5], [GOOD_IP, "helo.hist.mt.example", "hist.mt.example",
                                           "hist.mt.example"])
            self.assertEqual(fields[7], "hist.mt.example")
        rejected = self.rows("from_domain = 'hist.mt.example' AND dmarc_result = 'fail'").split("|")
        self.assertEqual(rejected[1], "198.51.100.7")
        self.assertEqual(rejected[6], "reject")
        self.assertIn("history=durable", self.milter.log().lower())

    def test_temperror_under_p_none_recorded_and_delivered(self):
        # A DNS failure for the aligned MAIL FROM domain under p=none: the
        # message is delivered (retrying cannot change its fate) and the
        # history says temperror, disposition none.
        self.s.dns.refuse_zone("spf-down.histnone.mt.example")
        try:
            text, _ = message("n@histnone.mt.example")
            code, reply = self.s.postfix.send(text, "b@spf-down.histnone.mt.example", RCPT,
                                              xclient=xclient("198.51.100.7"))
        finally:
            self.s.dns.unrefuse_zone("spf-down.histnone.mt.example")
        self.assertEqual(code, 250, reply)
        where = "queue_id = '%s'" % reply.split()[-1]
        hs.wait_until(lambda: self.pg.psql("SELECT count(*) FROM verdict WHERE " + where, dbname=DB) == "1",
                      60, "the verdict row of %s" % reply)
        fields = self.rows(where).split("|")
        self.assertEqual(fields[4:8], ["histnone.mt.example", "temperror", "none", "histnone.mt.example"])

    def test_tls_session_facts_recorded(self):
        # STARTTLS to Postfix: the milter reads {tls_version}, {cipher} and
        # {cipher_bits} (requested with smfi_setsymlist) after the new EHLO.
        client = self.s.postfix.connect()
        try:
            client.starttls()
            client.ehlo("client.harness.test")
            code, reply = client.docmd("XCLIENT", "NAME=[UNAVAILABLE] ADDR=%s HELO=tls.hist.mt.example" % GOOD_IP)
            self.assertEqual(code, 220, reply)
            client.ehlo_resp = None
            client.ehlo("tls.hist.mt.example")
            text, _ = message("alice@hist.mt.example", subject="tls")
            client.mail("bounce@hist.mt.example")
            client.rcpt(RCPT[0])
            code, reply = client.data(text.encode())
            self.assertEqual(code, 250, reply)
            queue_id = reply.decode().split()[-1]
        finally:
            client.quit()
        where = "queue_id = '%s'" % queue_id
        hs.wait_until(lambda: self.pg.psql("SELECT count(*) FROM verdict WHERE " + where, dbname=DB) == "1",
                      60, "the verdict row of %s" % queue_id)
        version, cipher, bits = self.pg.psql("SELECT tls_version, tls_cipher, tls_bits FROM verdict WHERE "
                                             + where, dbname=DB).split("|")
        self.assertRegex(version, r"^TLSv1\.[23]$")
        self.assertNotEqual(cipher, "")
        self.assertGreaterEqual(int(bits), 128)


if __name__ == "__main__":
    unittest.main()
