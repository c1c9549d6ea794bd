"""TLS-RPT report mail must be DKIM-signed by the reporting domain (RFC 8460 §5.3).

`dmarc-reports ingest` verifies the DKIM signature of every mail that
carries a TLS-RPT report, with the keys published on the harness unbound,
for the "tlsrpt" service type (RFC 8460 §3): a key with s=tlsrpt or s=* is
accepted, a key for e-mail only (s=email) is refused. Unsigned mail, a
broken signature and a signature of another domain are rejected with the
reason and stored nowhere but ingest_rejection; --no-tlsrpt-dkim stores
them with the outcome. A DNS failure on the reporting domain's key defers
the mail (EX_TEMPFAIL; a Maildir message stays in new/). Report files (not
mail) need no signature. The mails are signed by tests/tools/dkim-sign.
"""

import base64
import gzip
import json
import os
import subprocess
import time
import unittest

from harness import services as hs


def tlsrpt_json(report_id, submitter):
    return json.dumps({
        "organization-name": "Reporter " + submitter,
        "date-range": {"start-datetime": "2026-11-27T00:00:00Z", "end-datetime": "2026-11-27T23:59:59Z"},
        "contact-info": "tlsrpt@" + submitter,
        "report-id": report_id,
        "policies": [{
            "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce"],
                       "policy-domain": "ours.example", "mx-host": ["mx.ours.example"]},
            "summary": {"total-successful-session-count": 5, "total-failure-session-count": 1},
            "failure-details": [{"result-type": "certificate-expired", "sending-mta-ip": "192.0.2.7",
                                 "receiving-mx-hostname": "mx.ours.example", "failed-session-count": 1}],
        }],
    }).encode()


def tlsrpt_mail(report_id, submitter):
    """An RFC 8460 §5.3 report mail (LF line ends, as a Maildir file)."""
    attachment = base64.encodebytes(gzip.compress(tlsrpt_json(report_id, submitter))).decode()
    name = "%s!ours.example!1795737600!1795823999.json.gz" % submitter
    return ("From: tlsrpt@%s\n"
            "To: tls@ours.example\n"
            "Subject: Report Domain: ours.example Submitter: %s Report-ID: <%s@%s>\n"
            "Date: Sat, 28 Nov 2026 01:00:00 +0000\n"
            "Message-ID: <%s@%s>\n"
            "TLS-Report-Domain: ours.example\n"
            "TLS-Report-Submitter: %s\n"
            "MIME-Version: 1.0\n"
            "Content-Type: multipart/report; report-type=\"tlsrpt\"; boundary=\"B\"\n"
            "\n"
            "--B\nContent-Type: text/plain\n\nThis is an aggregate TLS report from %s\n"
            "--B\nContent-Type: application/tlsrpt+gzip\nContent-Transfer-Encoding: base64\n"
            "Content-Disposition: attachment; filename=\"%s\"\n\n%s\n--B--\n"
            % (submitter, submitter, report_id, submitter, report_id, submitter, submitter, submitter,
               name, attachment)).encode()


class Key:
    """A DKIM key of `domain`, published with the given s= service list (None: no s=)."""

    def __init__(self, services, domain, selector, service):
        self.domain, self.selector = domain, selector
        self.path = services.path("dkim", "%s.%s.pem" % (selector, domain))
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        record = subprocess.run([hs.binary("dkim-sign"), "keygen", "rsa", self.path], check=True,
                                capture_output=True, text=True).stdout.strip()
        assert record.startswith("v=DKIM1;"), record
        if service is not None:
            record = "v=DKIM1; s=%s;%s" % (service, record[len("v=DKIM1;"):])
        services.dns.add("%s._domainkey.%s" % (selector, domain), "TXT", record)

    def sign(self, message, sign_time=None, lifetime=None):
        """Signed; with sign_time (t=) and lifetime (x= = t= + lifetime) when given."""
        timing = [str(sign_time), str(lifetime)] if sign_time is not None else []
        return subprocess.run([hs.binary("dkim-sign"), "sign", self.path, self.domain, self.selector] + timing,
                              input=message, check=True, capture_output=True).stdout


class TlsRptDkimTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = hs.current()
        cls.services = s
        cls.pg = s.postgres
        cls.dsn = cls.pg.create_database("ingest_dkim")
        cls.tool = hs.binary("dmarc-reports")
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", cls.dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))
        cls.keys = {
            "tlsrpt": Key(s, "rpt-tlsrpt.example", "tls", "tlsrpt"),
            "star": Key(s, "rpt-star.example", "tls", "*"),
            "email": Key(s, "rpt-email.example", "tls", "email"),
            "none": Key(s, "rpt-plain.example", "tls", None),
            "other": Key(s, "rpt-other.example", "tls", "tlsrpt"),
        }

    def ingest(self, *args, stdin=None):
        return subprocess.run([self.tool, "ingest", "--database", self.dsn, "--dns-server",
                               self.services.dns.nameserver] + list(args),
                              input=stdin, capture_output=True, timeout=120)

    def sql(self, query):
        return self.pg.psql(query, dbname="ingest_dkim")

    def stored(self, report_id):
        return self.sql("SELECT dkim_check || ',' || dkim_domain || ',' || dkim_selector "
                        "FROM ingested_tlsrpt_report WHERE report_id = '%s'" % report_id)

    def assert_stored_pass(self, key_name, report_id):
        key = self.keys[key_name]
        proc = self.ingest(stdin=key.sign(tlsrpt_mail(report_id, key.domain)))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"dkim=pass", proc.stdout)
        self.assertEqual(self.stored(report_id), "pass,%s,tls" % key.domain)
        # The report itself is there whole.
        self.assertEqual(self.sql("SELECT count(*) FROM ingested_tlsrpt_failure f JOIN ingested_tlsrpt_policy p "
                                  "ON f.policy = p.id JOIN ingested_tlsrpt_report r ON p.report = r.id "
                                  "WHERE r.report_id = '%s'" % report_id), "1")

    def assert_rejected(self, mail, report_id, reason):
        proc = self.ingest(stdin=mail)
        self.assertEqual(proc.returncode, 65, "got %d, want 65: %s" % (proc.returncode, proc.stderr))
        self.assertIn(b"RFC 8460 section 5.3", proc.stderr)
        self.assertIn(reason.encode(), proc.stderr)
        self.assertEqual(self.sql("SELECT count(*) FROM ingested_tlsrpt_report WHERE report_id = '%s'"
                                  % report_id), "0")
        self.assertEqual(self.sql("SELECT count(*) FROM ingest_rejection WHERE kind = 'tlsrpt' AND "
                                  "reason LIKE '%%' || %s || '%%'" % ("'" + reason.replace("'", "''") + "'")), "1")

    def test_key_with_s_tlsrpt_is_accepted(self):
        self.assert_stored_pass("tlsrpt", "dkim-tlsrpt-1")

    def test_key_with_s_star_is_accepted(self):
        self.assert_stored_pass("star", "dkim-star-1")

    def test_key_without_s_is_accepted(self):
        # RFC 6376 §3.6.1: no s= means "*" (Google signs its reports so).
        self.assert_stored_pass("none", "dkim-plain-1")

    def test_key_for_email_only_is_refused(self):
        key = self.keys["email"]
        self.assert_rejected(key.sign(tlsrpt_mail("dkim-email-1", key.domain)), "dkim-email-1",
                             "key record's s= does not permit service tlsrpt")

    def test_unsigned_is_rejected_unless_allowed(self):
        mail = tlsrpt_mail("dkim-unsigned-1", "rpt-tlsrpt.example")
        self.assert_rejected(mail, "dkim-unsigned-1", "no DKIM signature")
        proc = self.ingest("--no-tlsrpt-dkim", stdin=mail)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn(b"dkim=fail", proc.stdout)
        self.assertEqual(self.sql("SELECT dkim_check || ': ' || dkim_detail FROM ingested_tlsrpt_report "
                                  "WHERE report_id = 'dkim-unsigned-1'"),
                         "fail: no DKIM signature (the reporting domain is rpt-tlsrpt.example)")

    def test_bad_signature_is_rejected(self):
        key = self.keys["tlsrpt"]
        signed = key.sign(tlsrpt_mail("dkim-bad-1", key.domain))
        # The mail changed after signing (its human-readable part).
        changed = signed.replace(b"This is an aggregate TLS report", b"This is an aggregate TLS REPORT")
        self.assertNotEqual(changed, signed)
        self.assert_rejected(changed, "dkim-bad-1", "body hash mismatch")

    def test_signature_of_another_domain_is_rejected(self):
        # Valid, but d=rpt-other.example for a report submitted by rpt-tlsrpt.example.
        mail = self.keys["other"].sign(tlsrpt_mail("dkim-other-1", "rpt-tlsrpt.example"))
        self.assert_rejected(mail, "dkim-other-1", "not the reporting domain")

    def test_report_file_needs_no_signature(self):
        path = os.path.join(self.services.root, "dkim-file-1.json")
        with open(path, "wb") as out:
            out.write(tlsrpt_json("dkim-file-1", "rpt-tlsrpt.example"))
        proc = self.ingest(path)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.stored("dkim-file-1"), "file,,")

    def test_key_lookup_failure_defers(self):
        key = Key(self.services, "rpt-broken.example", "tls", "tlsrpt")
        mail = key.sign(tlsrpt_mail("dkim-defer-1", key.domain))
        maildir = os.path.join(self.services.root, "dkim-maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        with open(os.path.join(maildir, "new", "defer.eml"), "wb") as out:
            out.write(mail)
        self.services.dns.refuse_zone("rpt-broken.example")
        try:
            proc = self.ingest(stdin=mail)
            self.assertEqual(proc.returncode, 75, proc.stderr)
            self.assertIn(b"could not be fetched", proc.stderr)
            proc = self.ingest("--maildir", maildir)
            self.assertEqual(proc.returncode, 75, proc.stderr)
            self.assertEqual(os.listdir(os.path.join(maildir, "new")), ["defer.eml"])
        finally:
            self.services.dns.unrefuse_zone("rpt-broken.example")
        self.assertEqual(self.stored("dkim-defer-1"), "")
        # Once DNS answers, the same Maildir message is stored and moved.
        proc = self.ingest("--maildir", maildir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.stored("dkim-defer-1"), "pass,rpt-broken.example,tls")
        self.assertEqual(os.listdir(os.path.join(maildir, "cur")), ["defer.eml:2,S"])

    def test_expiry_is_judged_when_the_mail_arrived(self):
        # Signed three days ago, valid for one day (x= two days ago). A Maildir
        # message delivered while the signature was valid (its file time says
        # when) is stored; the same mail arriving now, on standard input, is
        # expired; and so is a Maildir message delivered after x=.
        key = self.keys["tlsrpt"]
        day = 86400
        now = int(time.time())
        maildir = os.path.join(self.services.root, "expiry-maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        for name, report_id, delivered in (("in-time.eml", "dkim-expiry-1", now - 3 * day + 3600),
                                           ("too-late.eml", "dkim-expiry-2", now - day)):
            path = os.path.join(maildir, "new", name)
            with open(path, "wb") as out:
                out.write(key.sign(tlsrpt_mail(report_id, key.domain), now - 3 * day, day))
            os.utime(path, (delivered, delivered))
        proc = self.ingest("--maildir", maildir)
        self.assertEqual(proc.returncode, 65, proc.stderr)  # one report rejected
        self.assertEqual(self.stored("dkim-expiry-1"), "pass,%s,tls" % key.domain)
        self.assertEqual(self.stored("dkim-expiry-2"), "")
        self.assertIn(b"signature expired", proc.stderr)
        proc = self.ingest(stdin=key.sign(tlsrpt_mail("dkim-expiry-3", key.domain), now - 3 * day, day))
        self.assertEqual(proc.returncode, 65, proc.stderr)
        self.assertIn(b"signature expired", proc.stderr)
        self.assertEqual(self.stored("dkim-expiry-3"), "")

    def test_file_time_in_the_future_counts_as_now(self):
        # A file time nobody can trust (ten days ahead) does not move the
        # judgement past now: a signature valid for a day from now passes.
        key = self.keys["tlsrpt"]
        now = int(time.time())
        maildir = os.path.join(self.services.root, "future-maildir")
        for sub in ("new", "cur", "tmp"):
            os.makedirs(os.path.join(maildir, sub), exist_ok=True)
        path = os.path.join(maildir, "new", "future.eml")
        with open(path, "wb") as out:
            out.write(key.sign(tlsrpt_mail("dkim-future-1", key.domain), now - 60, 86400))
        os.utime(path, (now + 10 * 86400, now + 10 * 86400))
        proc = self.ingest("--maildir", maildir)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(self.stored("dkim-future-1"), "pass,%s,tls" % key.domain)


if __name__ == "__main__":
    unittest.main()
