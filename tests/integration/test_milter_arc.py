"""ARC (RFC 8617) end to end through the harness's real Postfix.

A p=reject author signs a message with DKIM; a simulated mailing list
checks it, tags the Subject, adds a footer (which breaks the author's
signature), seals it with Debian's python3-dkim (dkim.arc_sign) and sends
it on from an address the author's SPF does not list. dmarc-milter must
deliver it when the list is one of TrustedArcSealers and reject it
otherwise; the same through an untrusted sealer is rejected, a spoofed
message with a forged List-Id naming a trusted list is rejected, and a
forwarded message from a TrustedForwarders network is delivered with its
reason in the Authentication-Results header and the history; a trusted
list whose ARC key cannot be looked up is deferred (451), not rejected.
With ArcSealDomain the milter seals what it accepts: python3-dkim
validates the result, also after one more hop. Every domain is under
arc.mt.example, which no other test uses.
"""

import base64
import os
import subprocess
import unittest

import dkim

from harness import services as hs
from integration.milter_support import (DkimKey, MilterProcess, auth_results, headers_of,
                                        message, milter_history_database)
from integration.test_milter_postfix import RCPT, allow_relay_to_rcpt_domain, xclient

AUTHOR = "author.arc.mt.example"
LIST = "lists.arc.mt.example"
RELAY = "relay.arc.mt.example"
LIST_ID = "dev.lists.arc.mt.example"
LIST_IP = "198.51.100.30"  # listed by no SPF record
FORWARDER_IP = "192.0.2.200"  # in TrustedForwarders
DB = "milterarc"
ROLE = "milterarc_mx"
CONFIG = "\n".join([
    "TrustedMailingLists %s" % LIST_ID,
    "TrustedForwarders %s/32" % FORWARDER_IP,
])


class Sealer:
    """A hop that seals with its own RSA key, published under SELECTOR._domainkey."""

    def __init__(self, dns, domain, selector="arc"):
        self.domain = domain
        self.selector = selector
        self.key = subprocess.run(["openssl", "genrsa", "-traditional", "2048"], check=True,
                                  capture_output=True).stdout
        der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=self.key,
                             check=True, capture_output=True).stdout
        dns.add(selector + "._domainkey." + domain, "TXT",
                "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode())

    def seal(self, raw, results, arc=b"none"):
        """What the hop saw (its Authentication-Results, whose arc= python3-dkim
        takes as the new seal's cv=), then its ARC set on top."""
        server = ("mx." + self.domain).encode()
        raw = (b"Authentication-Results: " + server + b"; arc=" + arc + b"; " + results + b"\r\n"
               + raw)
        fields = dkim.arc_sign(raw, self.selector.encode(), self.domain.encode(), self.key, server)
        if len(fields) != 3:
            raise AssertionError("python3-dkim made no ARC set")
        return b"".join(fields) + raw


def as_list(raw):
    """What a mailing list does: a Subject tag, a List-Id and a footer."""
    head, body = raw.split(b"\r\n\r\n", 1)
    head = head.replace(b"Subject: ", b"Subject: [dev] ", 1)
    head += b"\r\nList-Id: Developers <" + LIST_ID.encode() + b">"
    return head + b"\r\n\r\n" + body + b"--\r\ndev mailing list\r\n"


class TestPostfixArc(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        allow_relay_to_rcpt_domain(cls.s.postfix)
        cls.s.dns.add_records([
            (AUTHOR, "TXT", "v=spf1 -all"),
            (AUTHOR, "A", "192.0.2.40"),
            ("_dmarc." + AUTHOR, "TXT", "v=DMARC1; p=reject"),
        ])
        cls.author = DkimKey(cls.s, AUTHOR)
        cls.list = Sealer(cls.s.dns, LIST)
        cls.relay = Sealer(cls.s.dns, RELAY)
        milter_history_database(DB, ROLE)
        cls.database = "\nDatabase %s" % cls.s.postgres.dsn(DB, ROLE)
        cls.milter = MilterProcess(cls.s, cls.__name__,
                                   CONFIG + cls.database + "\nTrustedArcSealers " + LIST)
        cls.milter.start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def trust(self, sealers):
        self.milter.write_config(CONFIG + self.database + "\nTrustedArcSealers " + sealers)
        self.milter.reload()

    def stored(self, reply):
        """The history row of the message the reply names: its override and ARC columns."""
        where = "queue_id = '%s'" % reply.split()[-1]
        hs.wait_until(lambda: self.s.postgres.psql("SELECT count(*) FROM verdict WHERE " + where,
                                                   dbname=DB) == "1", 60, "the verdict row")
        row = self.s.postgres.psql(
            "SELECT dmarc_result, disposition_applied, array_to_string(override_reasons, ','), "
            "array_to_string(override_comments, ','), arc_result, "
            "array_to_string(arc_sealers, ','), arc_trusted_sealer, override_comment "
            "FROM verdict WHERE " + where, dbname=DB)
        return dict(zip(["dmarc", "disposition", "reasons", "comments", "arc", "sealers",
                         "trusted_sealer", "comment"], row.split("|")))

    def listed(self, sealer):
        """The author's signed message, through a list that seals with `sealer`."""
        text, marker = message("Alice <alice@%s>" % AUTHOR, subject="figures")
        signed = self.author.sign(text)
        seen = ("dkim=pass header.d=%s; dmarc=pass header.from=%s" % (AUTHOR, AUTHOR)).encode()
        return sealer.seal(as_list(signed), seen), marker

    def send(self, raw, ip=LIST_IP, mail_from="bounce@" + LIST):
        return self.s.postfix.send(raw, mail_from, RCPT, xclient=xclient(ip))

    def ours(self, marker):
        raw = self.s.sink.wait_for(marker)
        return [v for v in auth_results(raw) if v.lower().startswith("mx.harness.test")]

    def test_list_sealed_by_trusted_sealer_delivered(self):
        raw, marker = self.listed(self.list)
        code, reply = self.send(raw)
        self.assertEqual(code, 250, reply)
        ours = self.ours(marker)
        self.assertEqual(len(ours), 1, ours)
        self.assertIn("arc=pass (as[1].d=%s)" % LIST, ours[0])
        self.assertIn("smtp.remote-ip=%s" % LIST_IP, ours[0])
        self.assertIn("dmarc=fail (dis=none override=mailing_list arc=pass as[1].d=%s)" % LIST,
                      ours[0])

    def test_list_rejected_when_sealer_not_trusted(self):
        self.trust("other.arc.mt.example")
        try:
            raw, _ = self.listed(self.list)
            code, reply = self.send(raw)
            self.assertEqual(code, 550, reply)
            self.milter.wait_for_log("arc=pass")
        finally:
            self.trust(LIST)

    def test_untrusted_sealer_rejected(self):
        raw, _ = self.listed(self.relay)
        code, reply = self.send(raw)
        self.assertEqual(code, 550, reply)

    def test_forged_list_id_of_trusted_list_rejected(self):
        text, _ = message("Alice <alice@%s>" % AUTHOR,
                          extra_headers=["List-Id: Developers <%s>" % LIST_ID])
        code, reply = self.send(text.encode(), mail_from="spoof@" + RELAY)
        self.assertEqual(code, 550, reply)

    def test_forwarded_from_trusted_forwarder_delivered_with_reason(self):
        # Authenticated by SPF alone at the first hop: forwarded from another
        # client address it fails DMARC.
        text, marker = message("Alice <alice@%s>" % AUTHOR)
        raw = self.relay.seal(text.encode(), ("spf=pass smtp.mailfrom=%s; dmarc=pass header.from=%s"
                                              % (AUTHOR, AUTHOR)).encode())
        code, reply = self.send(raw, ip=FORWARDER_IP, mail_from="fwd@" + RELAY)
        self.assertEqual(code, 250, reply)
        ours = self.ours(marker)
        self.assertEqual(len(ours), 1, ours)
        self.assertIn("override=trusted_forwarder", ours[0])
        self.assertIn("arc=pass (as[1].d=%s)" % RELAY, ours[0])
        # The history says why: the forwarder's network, not an ARC lift
        # (its sealer is not trusted), with the chain it carried.
        row = self.stored(reply)
        self.assertEqual(row["dmarc"], "fail", row)
        self.assertEqual(row["disposition"], "none", row)
        self.assertEqual(row["reasons"], "trusted_forwarder", row)
        self.assertEqual(row["arc"], "pass", row)
        self.assertEqual(row["sealers"], RELAY, row)
        self.assertEqual(row["trusted_sealer"], "", row)
        self.assertEqual(row["comment"], "", row)

    def test_list_through_trusted_sealer_lifted_in_history(self):
        raw, _ = self.listed(self.list)
        code, reply = self.send(raw)
        self.assertEqual(code, 250, reply)
        row = self.stored(reply)
        self.assertEqual(row["reasons"], "mailing_list", row)
        self.assertEqual(row["arc"], "pass", row)
        self.assertEqual(row["trusted_sealer"], LIST, row)
        self.assertEqual(row["comment"], "arc=pass as[1].d=%s" % LIST, row)
        self.assertEqual(row["comments"], "arc=pass as[1].d=%s" % LIST, row)


class TestPostfixArcKeyTrouble(unittest.TestCase):
    """A trusted list whose ARC key cannot be looked up (REFUSED): a pass
    would have lifted the reject, so the message is deferred (451), never
    delivered on the strength of a chain nobody validated. Its own milter:
    after a REFUSED answer the milter's resolver avoids the harness's
    server for a while, which the other classes must not inherit."""

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        allow_relay_to_rcpt_domain(cls.s.postfix)
        cls.s.dns.add_records([
            (AUTHOR, "TXT", "v=spf1 -all"),
            ("_dmarc." + AUTHOR, "TXT", "v=DMARC1; p=reject"),
        ])
        cls.author = DkimKey(cls.s, AUTHOR, selector="trouble")
        cls.flaky = Sealer(cls.s.dns, "flaky.arc.mt.example")
        milter_history_database(DB + "_trouble", ROLE)
        cls.milter = MilterProcess(cls.s, cls.__name__, "\n".join([
            CONFIG, "TrustedArcSealers " + cls.flaky.domain,
            "Database " + cls.s.postgres.dsn(DB + "_trouble", ROLE)]))
        cls.milter.start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def test_key_lookup_down_defers_instead_of_rejecting(self):
        text, _ = message("Alice <alice@%s>" % AUTHOR, subject="figures")
        seen = ("dkim=pass header.d=%s; dmarc=pass header.from=%s" % (AUTHOR, AUTHOR)).encode()
        raw = self.flaky.seal(as_list(self.author.sign(text)), seen)
        self.s.dns.refuse_zone("arc._domainkey." + self.flaky.domain)
        try:
            code, reply = self.s.postfix.send(raw, "bounce@" + LIST, RCPT,
                                              xclient=xclient(LIST_IP))
        finally:
            self.s.dns.unrefuse_zone("arc._domainkey." + self.flaky.domain)
        self.assertEqual(code, 451, reply)
        self.milter.wait_for_log("arc=temperror")
        line = [l for l in self.milter.log().splitlines() if "arc=temperror" in l][-1]
        self.assertIn("disposition=tempfail", line)
        self.assertIn("reply=tempfail", line)
        # The history keeps the deferral with arc_result temperror (0012).
        hs.wait_until(lambda: self.s.postgres.psql(
            "SELECT count(*) FROM verdict WHERE arc_result = 'temperror' AND disposition_applied "
            "= 'tempfail' AND arc_sealers = '{%s}'" % self.flaky.domain,
            dbname=DB + "_trouble") == "1", 60, "the temperror verdict row")


SEALER = "mx.arc.mt.example"  # the milter's own ARC sealing domain
SIGNER = "signer.arc.mt.example"  # an author whose mail passes DMARC (DKIM)


def arc_instances(raw):
    """The i= of every ARC-Seal in the header, in order."""
    return [int(v.split("i=", 1)[1].split(";", 1)[0]) for v in fields(raw, "ARC-Seal")]


def fields(raw, name):
    """The unfolded values of the fields called name, top to bottom."""
    return [v for k, v in headers_of(raw) if k.lower() == name.lower()]


class TestPostfixArcSealing(unittest.TestCase):
    """ArcSealDomain: what the milter accepts leaves with its ARC set on top,
    which python3-dkim validates, also after another hop sealed it again."""

    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        allow_relay_to_rcpt_domain(cls.s.postfix)
        cls.s.dns.add_records([
            (AUTHOR, "TXT", "v=spf1 -all"),
            ("_dmarc." + AUTHOR, "TXT", "v=DMARC1; p=reject"),
            (SIGNER, "TXT", "v=spf1 -all"),
            ("_dmarc." + SIGNER, "TXT", "v=DMARC1; p=reject"),
        ])
        # Selectors of their own: the other classes published keys for the
        # same domains.
        cls.author = DkimKey(cls.s, AUTHOR, selector="sealing")
        cls.signer = DkimKey(cls.s, SIGNER, selector="sealing")
        cls.list = Sealer(cls.s.dns, LIST, "sealing")
        cls.next_hop = Sealer(cls.s.dns, RELAY, "sealing")
        cls.ours = Sealer(cls.s.dns, SEALER, "sealing")
        cls.records = {}
        for sealer in (cls.list, cls.next_hop, cls.ours):
            der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=sealer.key,
                                 check=True, capture_output=True).stdout
            cls.records["sealing._domainkey." + sealer.domain] = (
                b"v=DKIM1; k=rsa; p=" + base64.b64encode(der))
        key_file = cls.s.path("arc-seal", "seal.pem")
        with open(os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as out:
            out.write(cls.ours.key)
        cls.milter = MilterProcess(cls.s, cls.__name__, "\n".join([
            CONFIG, "TrustedArcSealers " + LIST, "ArcSealDomain " + SEALER,
            "ArcSealSelector sealing", "ArcSealKeyFile " + key_file]))
        cls.milter.start()

    @classmethod
    def tearDownClass(cls):
        status = cls.milter.stop()
        if status != 0:
            raise AssertionError("milter exited with %r:\n%s" % (status, cls.milter.log()))

    def dns(self, name, timeout=5):
        """The sealers' key records, for dkim.arc_verify (which asks with a final dot)."""
        name = name.decode() if isinstance(name, bytes) else name
        return self.records.get(name.rstrip("."))

    def verify(self, raw):
        cv, _, reason = dkim.arc_verify(raw, dnsfunc=self.dns)
        return cv, reason

    def delivered(self, raw, marker, ip=LIST_IP, mail_from="bounce@" + LIST):
        code, reply = self.s.postfix.send(raw, mail_from, RCPT, xclient=xclient(ip))
        self.assertEqual(code, 250, reply)
        return self.s.sink.wait_for(marker)

    def test_list_message_sealed_on_top_of_the_chain(self):
        text, marker = message("Alice <alice@%s>" % AUTHOR, subject="sealed")
        seen = ("dkim=pass header.d=%s; dmarc=pass header.from=%s" % (AUTHOR, AUTHOR)).encode()
        raw = self.delivered(self.list.seal(as_list(self.author.sign(text)), seen), marker)
        self.assertEqual(arc_instances(raw), [2, 1])
        cv, reason = self.verify(raw)
        self.assertEqual(cv, dkim.CV_Pass, reason)
        ours = fields(raw, "ARC-Seal")[0]
        self.assertIn("d=" + SEALER, ours)
        self.assertIn("cv=pass", ours)
        aar = fields(raw, "ARC-Authentication-Results")[0]
        self.assertTrue(aar.startswith("i=2; mx.harness.test;"), aar)
        self.assertIn("override=mailing_list", aar)
        # The next hop seals again: the chain of three still validates.
        again = self.next_hop.seal(raw, b"dmarc=fail header.from=" + AUTHOR.encode(), arc=b"pass")
        self.assertEqual(arc_instances(again), [3, 2, 1])
        cv, reason = self.verify(again)
        self.assertEqual(cv, dkim.CV_Pass, reason)

    def test_message_without_chain_gets_instance_one(self):
        text, marker = message("Bob <bob@%s>" % SIGNER, subject="first hop")
        raw = self.delivered(self.signer.sign(text), marker, ip="192.0.2.77",
                             mail_from="bob@" + SIGNER)
        self.assertEqual(arc_instances(raw), [1])
        ours = fields(raw, "ARC-Seal")[0]
        self.assertIn("cv=none", ours)
        cv, reason = self.verify(raw)
        self.assertEqual(cv, dkim.CV_Pass, reason)
        self.milter.wait_for_log("arc_seal=\"i=1 cv=none\"")

    def test_rejected_message_not_sealed(self):
        text, _ = message("Alice <alice@%s>" % AUTHOR, subject="spoof")
        code, reply = self.s.postfix.send(text.encode(), "spoof@" + RELAY, RCPT,
                                          xclient=xclient(LIST_IP))
        self.assertEqual(code, 550, reply)


if __name__ == "__main__":
    unittest.main()
