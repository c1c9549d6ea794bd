"""DMARC failure reports (RFC 9991) end to end (issue 16): the milter keeps
failure samples only for what each fo= option asks (mail through the real
Postfix and dmarc-milter), `dmarc-reports send-failures` turns them into
AFRF reports (RFC 5965 / RFC 6591) that Python's email package reads back
field by field, redaction leaves no original local part anywhere, the caps
hold under 10,000 failing messages for one domain, an unauthorised external
destination never gets a report, a report is retried after a temporary
failure and never sent twice, and reports reach the sink through Postfix.
"""

import email
import email.policy
import glob
import os
import subprocess
import tempfile
import time
import unittest

from harness import services as hs
from integration.reports_util import REPORTER, ReportsDatabase, lit, summary, verdict_sql

KEY = "0123456789abcdef-failure-key"
HEADERS = ("From: Alice Liddell <alice.liddell@%(d)s>\n"
           "To: Bob Builder <bob.builder@receiver.test>\n"
           "Cc: carol.jones@receiver.test\n"
           "Subject: invoice for alice.liddell\n"
           "Message-ID: <m1@%(d)s>\n")


def key_file():
    handle = tempfile.NamedTemporaryFile("w", prefix="redaction-", delete=False)
    handle.write(KEY + "\n")
    handle.close()
    os.chmod(handle.name, 0o600)
    return handle.name


def sample_sql(domain, mail_from="alice.liddell@%s", rcpts=("bob.builder@receiver.test",)):
    """failure_sample rows for every verdict of the domain (as the milter writes them)."""
    return ("INSERT INTO failure_sample (message_key, mail_from, rcpt_to, headers, headers_truncated)"
            " SELECT message_key, %s, %s, %s, false FROM verdict WHERE policy_domain = %s"
            " ON CONFLICT DO NOTHING;" % (lit(mail_from % domain if "%s" in mail_from else mail_from),
                                          lit(list(rcpts)), lit(HEADERS % {"d": domain}), lit(domain)))


def failing(domain, ruf=None, count=1, **over):
    ruf = ruf if ruf is not None else ["mailto:ruf@%s" % domain]
    row = dict(dmarc_result="fail", dkim_aligned=False, spf_aligned=False, spf_result="fail",
               dkim_results=["fail"], disposition_applied="reject", policy_ruf=ruf, policy_fo="1",
               client_ip="192.0.2.99", count=count)
    row.update(over)
    return verdict_sql(domain, **row) + sample_sql(domain)


def reports_in(directory):
    out = []
    for path in sorted(glob.glob(os.path.join(directory, "*.eml"))):
        with open(path, "rb") as handle:
            out.append(handle.read())
    return out


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def feedback_fields(message):
    """The message/feedback-report part's fields as a list of (name, value)."""
    for part in message.walk():
        if part.get_content_type() == "message/feedback-report":
            payload = part.get_payload()
            # the email package parses message/* parts into sub-messages
            if isinstance(payload, list):
                payload = payload[0]
            fields = list(payload.items()) if hasattr(payload, "items") else []
            if not fields:
                body = part.get_payload(decode=True) or b""
                fields = list(email.message_from_bytes(body, policy=email.policy.default).items())
            return [(k, str(v)) for k, v in fields]
    raise AssertionError("no message/feedback-report part")


class FailureDb(ReportsDatabase):
    def send_failures(self, *args, timeout=300):
        cmd = [self.tool, "send-failures", "--database", self.dsn, "--email", REPORTER,
               "--receiver", "receiver.test", "--nameserver", hs.current().dns.nameserver] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


class FailureReportContentTest(unittest.TestCase):
    """Stored samples -> reports written to --output-dir, parsed by Python."""

    @classmethod
    def setUpClass(cls):
        cls.db = FailureDb("failure_content")
        cls.key = key_file()

    def run_to_dir(self, *args):
        out = tempfile.mkdtemp(prefix="failure-")
        proc = self.db.send_failures("--output-dir", out, *args)
        self.assertIn(proc.returncode, (0, 75), proc.stdout + proc.stderr)
        return proc, reports_in(out)

    def test_fields_structure_and_redaction(self):
        d = "content.test"
        self.db.sql(failing(d))
        proc, raws = self.run_to_dir("--redaction-key-file", self.key, "--include-recipients")
        self.assertEqual(summary(proc)["reports"], 1, proc.stdout + proc.stderr)
        self.assertEqual(len(raws), 1)
        message = parse(raws[0])
        self.assertEqual(message["From"], REPORTER)
        self.assertEqual(message["To"], "ruf@%s" % d)
        self.assertEqual(message.get_content_type(), "multipart/report")
        self.assertEqual(message.get_param("report-type"), "feedback-report")
        parts = [p.get_content_type() for p in message.walk()]
        self.assertEqual(parts[0], "multipart/report")
        self.assertEqual([p for p in parts if p != "multipart/report" and p != "text/plain"][:1],
                         ["message/feedback-report"])
        self.assertIn("text/rfc822-headers", parts)
        fields = dict(feedback_fields(message))
        self.assertEqual(fields["Feedback-Type"], "auth-failure")
        self.assertEqual(fields["Auth-Failure"], "dmarc")
        self.assertEqual(fields["Version"], "1")
        self.assertTrue(fields["User-Agent"].startswith("dmarc-reports/"))
        self.assertEqual(fields["Identity-Alignment"], "none")
        self.assertEqual(fields["Delivery-Result"], "reject")
        self.assertEqual(fields["Reported-Domain"], d)
        self.assertEqual(fields["Source-IP"], "192.0.2.99")
        self.assertEqual(fields["DKIM-Domain"], d)
        self.assertEqual(fields["DKIM-Selector"], "s1")
        self.assertIn("dmarc=fail", fields["Authentication-Results"])
        self.assertIn("Arrival-Date", fields)
        self.assertTrue(fields["Original-Mail-From"].startswith("<redacted-"))
        self.assertTrue(fields["Original-Mail-From"].endswith("@%s>" % d))
        self.assertTrue(fields["Original-Rcpt-To"].startswith("<redacted-"))
        # no original local part anywhere in the raw report, in any case
        lowered = raws[0].lower()
        for local in (b"alice.liddell", b"bob.builder", b"carol.jones"):
            self.assertNotIn(local, lowered)
        headers = [p for p in message.walk() if p.get_content_type() == "text/rfc822-headers"][0]
        text = headers.get_payload(decode=True).decode()
        self.assertIn("Subject: invoice for redacted-", text)
        self.assertIn("Message-ID: <", text)
        # the body of the original is never in a report (samples have none)
        self.assertEqual(self.db.sql("SELECT state FROM failure_sample s JOIN verdict v USING (message_key)"
                                     " WHERE v.policy_domain = '%s'" % d), "sent")

    def test_same_mailbox_same_token_and_recipients_only_when_asked(self):
        d = "token.test"
        self.db.sql(failing(d, count=2))
        _, raws = self.run_to_dir("--redaction-key-file", self.key)
        mine = [parse(r) for r in raws if b"Reported-Domain: " + d.encode() in r]
        self.assertEqual(len(mine), 2)
        froms = {dict(feedback_fields(m))["Original-Mail-From"] for m in mine}
        self.assertEqual(len(froms), 1)
        for m in mine:
            self.assertNotIn("Original-Rcpt-To", dict(feedback_fields(m)))

    def test_one_report_per_address_and_never_report_list(self):
        d, never = "dups.test", "never.test"
        ruf = ["mailto:ruf@%s" % d, "mailto:RUF@%s" % d, "mailto:ruf@%s!10m" % d, "https://x.%s/" % d]
        self.db.sql(failing(d, ruf=ruf) + failing(never) + failing("sub.%s" % never,
                    ruf=["mailto:ruf@sub.%s" % never]))
        proc, raws = self.run_to_dir("--no-redaction", "--never-report", never)
        self.assertEqual([parse(r)["To"] for r in raws if b"dups.test" in r], ["ruf@%s" % d])
        self.assertFalse([r for r in raws if b"never.test" in r])
        self.assertEqual(self.db.sql("SELECT count(*) FROM failure_sample WHERE state_reason ="
                                     " 'never-report list'"), "2")
        # a second run finds nothing pending: each sample is sent once
        again, raws2 = self.run_to_dir("--no-redaction")
        self.assertEqual(summary(again)["samples"], 0)
        self.assertEqual(raws2, [])

    def test_unauthorised_external_destination_never_gets_a_report(self):
        dns = hs.current().dns
        ok, bad = "fextok.example", "fextbad.example"
        third = "mailto:ruf@reports.third.example"
        self.db.sql(failing(ok, ruf=[third], org_domain=ok) + failing(bad, ruf=[third], org_domain=bad))
        dns.add("%s._report._dmarc.reports.third.example" % ok, "TXT", "v=DMARC1")
        try:
            proc, raws = self.run_to_dir("--no-redaction")
        finally:
            dns.remove("%s._report._dmarc.reports.third.example" % ok)
        self.assertEqual([dict(feedback_fields(parse(r)))["Reported-Domain"] for r in raws
                          if b"fext" in r], [ok])
        reason = self.db.sql("SELECT state || ' ' || state_reason FROM failure_sample s JOIN verdict v"
                             " USING (message_key) WHERE v.policy_domain = '%s'" % bad)
        self.assertTrue(reason.startswith("suppressed not authorised"), reason)

    def test_hostile_header_section(self):
        d = "hostile.test"
        self.db.sql(failing(d).replace(lit(HEADERS % {"d": d}),
                                       lit("Subject: caf\u00e9\nX-Trap: --failure-report-x\nFrom: a@b\n")))
        _, raws = self.run_to_dir("--no-redaction")
        (raw,) = [r for r in raws if b"Reported-Domain: hostile.test" in r]
        message = parse(raw)
        self.assertTrue(all(32 <= b < 127 or b in (10, 13, 9) for b in raw))
        headers = [p for p in message.walk() if p.get_content_type() == "text/rfc822-headers"][0]
        self.assertEqual(headers["Content-Transfer-Encoding"], "quoted-printable")
        self.assertIn("caf\u00e9", headers.get_payload(decode=True).decode())


class FailureCapsTest(unittest.TestCase):
    """10,000 failing messages for one domain: the caps hold."""

    @classmethod
    def setUpClass(cls):
        cls.db = FailureDb("failure_caps")

    def test_ten_thousand_failures_one_domain(self):
        d = "flood.test"
        self.db.sql(failing(d, count=10000) + failing("other.test", count=3))
        out = tempfile.mkdtemp(prefix="failure-caps-")
        start = time.monotonic()
        proc = self.db.send_failures("--output-dir", out, "--no-redaction",
                                     "--max-per-domain-hour", "25", "--max-per-domain-day", "40",
                                     "--max-per-hour", "1000")
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        got = summary(proc)
        self.assertEqual(got["samples"], 10003)
        self.assertEqual(got["messages"], 28, got)  # 25 for flood.test, 3 for other.test
        self.assertEqual(got["suppressed"], 10003 - 28)
        self.assertEqual(len([r for r in reports_in(out) if b"Reported-Domain: flood.test" in r]), 25)
        # A later run in the same hour adds nothing: the caps count what was sent.
        self.db.sql(failing(d, count=5))
        again = self.db.send_failures("--output-dir", out, "--no-redaction",
                                      "--max-per-domain-hour", "25")
        self.assertEqual(summary(again)["messages"], 0, again.stdout)
        self.assertLess(elapsed, 120, "10,003 samples took %.1f s" % elapsed)
        print("send-failures: 10,003 samples (28 reports) in %.1f s" % elapsed)

    def test_daily_and_global_caps(self):
        self.db.sql(failing("day.test", count=10) + failing("g1.test", count=5) + failing("g2.test", count=5))
        self.db.sql("INSERT INTO failure_delivery (message_key, destination, policy_domain, sent_at,"
                    " report_message_id) SELECT message_key, 'x@day.test', 'day.test',"
                    " now() - interval '3 hours', 'old' FROM verdict WHERE policy_domain = 'day.test'"
                    " LIMIT 8")
        self.db.sql("UPDATE failure_sample SET state = 'sent', handled_at = now() WHERE message_key IN"
                    " (SELECT message_key FROM failure_delivery WHERE report_message_id = 'old')")
        out = tempfile.mkdtemp(prefix="failure-caps2-")
        proc = self.db.send_failures("--output-dir", out, "--no-redaction", "--max-per-domain-hour", "100",
                                     "--max-per-domain-day", "9", "--max-per-hour", "4")
        got = summary(proc)
        day = [r for r in reports_in(out) if b"Reported-Domain: day.test" in r]
        self.assertEqual(len(day), 1)  # 8 earlier today + 1 = the daily cap of 9
        self.assertEqual(got["messages"], 4, proc.stdout)  # the global cap of 4 in the hour


class FailureBulkTest(unittest.TestCase):
    """Its own database: the caps count every report sent in the hour."""

    @classmethod
    def setUpClass(cls):
        cls.db = FailureDb("failure_bulk")

    def test_ten_thousand_reports_in_under_a_minute(self):
        """The issue's figure: 10,000 queued failure reports sent in under a
        minute (written to --output-dir: composing, redacting, recording)."""
        self.db.sql(failing("bulk.test", count=10000))
        out = tempfile.mkdtemp(prefix="failure-bulk-")
        start = time.monotonic()
        proc = self.db.send_failures("--output-dir", out, "--redaction-key-file", key_file(),
                                     "--max-per-domain-hour", "20000", "--max-per-domain-day", "20000",
                                     "--max-per-hour", "20000")
        elapsed = time.monotonic() - start
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(summary(proc)["reports"], 10000, proc.stdout)
        self.assertEqual(len(glob.glob(os.path.join(out, "*.eml"))), 10000)
        print("send-failures: 10,000 reports in %.1f s" % elapsed)
        self.assertLess(elapsed, 60, "10,000 reports took %.1f s" % elapsed)


class FailureDeliveryTest(unittest.TestCase):
    """Through the harness's Postfix; retried after a temporary failure, once."""

    @classmethod
    def setUpClass(cls):
        cls.db = FailureDb("failure_delivery")

    def relay(self, port=None):
        return ["--transport", "smtp", "--smtp-relay",
                "127.0.0.1:%d" % (port or hs.current().postfix.plain_port), "--smtp-tls", "may"]

    def test_relay_down_then_sent_once_through_postfix(self):
        d = "fdeliver.test"
        self.db.sql(failing(d))
        down = self.db.send_failures("--no-redaction", *self.relay(hs.free_port()))
        self.assertEqual(down.returncode, 75, down.stdout + down.stderr)
        self.assertEqual(summary(down)["postponed"], 1)
        self.assertEqual(self.db.sql("SELECT state || ' ' || attempts FROM failure_sample"), "pending 1")
        not_due = self.db.send_failures("--no-redaction", *self.relay())
        self.assertEqual(summary(not_due)["samples"], 0)
        self.db.sql("UPDATE failure_sample SET next_attempt = now() - interval '1 second'")
        up = self.db.send_failures("--no-redaction", *self.relay())
        self.assertEqual(summary(up)["reports"], 1, up.stdout + up.stderr)
        raw = hs.current().sink.wait_for("DMARC failure report for %s" % d)
        message = parse(raw)
        self.assertEqual(message.get_content_type(), "multipart/report")
        self.assertEqual(dict(feedback_fields(message))["Reported-Domain"], d)
        again = self.db.send_failures("--no-redaction", *self.relay())
        self.assertEqual(summary(again)["reports"], 0)
        self.assertEqual(len([m for m in hs.current().sink.messages()
                              if ("DMARC failure report for %s" % d).encode() in m]), 1)


class FailureFromMilterTest(unittest.TestCase):
    """Mail through Postfix and dmarc-milter (FailureReports yes): each fo=
    option keeps exactly the samples it asks for, and nothing else is kept."""

    DOMAINS = {"fo0.example": "0", "fo1.example": "1", "fod.example": "d", "fos.example": "s",
               "fonone.example": None}

    @classmethod
    def setUpClass(cls):
        from integration.milter_support import MilterProcess
        from integration.test_milter_postfix import allow_relay_to_rcpt_domain
        cls.s = hs.current()
        cls.db = FailureDb("failure_milter")
        allow_relay_to_rcpt_domain(cls.s.postfix)
        records = []
        for d, fo in cls.DOMAINS.items():
            ruf = "; ruf=mailto:ruf@%s; fo=%s" % (d, fo) if fo is not None else ""
            records += [(d, "TXT", "v=spf1 ip4:192.0.2.10 -all"), (d, "A", "192.0.2.10"),
                        ("_dmarc." + d, "TXT", "v=DMARC1; p=none" + ruf)]
        cls.s.dns.add_records(records)
        cls.milter = MilterProcess(cls.s, "failures", "Database %s\nFailureReports yes\n"
                                   "FailureReportHeaderLimit 2048" % cls.db.dsn).start()

    @classmethod
    def tearDownClass(cls):
        cls.milter.stop()
        for d in cls.DOMAINS:
            cls.s.dns.remove(d, "_dmarc." + d)

    def send(self, domain, addr, extra=()):
        from integration.milter_support import message
        from integration.test_milter_postfix import xclient
        text, _ = message("Alice <alice.liddell@%s>" % domain, extra_headers=extra)
        code, _ = self.s.postfix.send(text, "alice.liddell@%s" % domain, ["rcpt@rcpt.example"],
                                      xclient=xclient(addr=addr, helo="mail.%s" % domain))
        self.assertEqual(code, 250)

    def test_each_fo_option_keeps_exactly_what_it_asks_for(self):
        bogus = ("DKIM-Signature: v=1; a=rsa-sha256; d={d}; s=nokey; c=relaxed/relaxed;"
                 " h=from:subject; bh=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; b=AAAA",)
        for d in self.DOMAINS:
            self.send(d, "192.0.2.10")          # SPF pass, aligned: DMARC pass; no DKIM
            self.send(d, "198.51.100.7")        # SPF fail: DMARC fail
            self.send(d, "192.0.2.10", extra=(bogus[0].format(d=d),))  # DMARC pass, DKIM fails
        hs.wait_until(lambda: self.db.sql("SELECT count(*) FROM verdict") == str(3 * len(self.DOMAINS)),
                      60, "the milter's verdicts in PostgreSQL")
        got = {}
        for d in self.DOMAINS:
            got[d] = int(self.db.sql("SELECT count(*) FROM failure_sample s JOIN verdict v USING"
                                     " (message_key) WHERE v.from_domain = '%s'" % d))
        # fo=0: the DMARC failure only; fo=1: also the passes without an
        # aligned DKIM pass (all three); fo=d: the failed signature only;
        # fo=s: the SPF failure only; no ruf: nothing.
        self.assertEqual(got, {"fo0.example": 1, "fo1.example": 3, "fod.example": 1, "fos.example": 1,
                               "fonone.example": 0})
        headers = self.db.sql("SELECT headers FROM failure_sample s JOIN verdict v USING (message_key)"
                              " WHERE v.from_domain = 'fo0.example'")
        self.assertIn("From: Alice <alice.liddell@fo0.example>", headers)
        self.assertNotIn("Hello.", headers)  # never the body
        self.assertEqual(self.db.sql("SELECT mail_from FROM failure_sample s JOIN verdict v USING"
                                     " (message_key) WHERE v.from_domain = 'fos.example'"),
                         "alice.liddell@fos.example")
        out = tempfile.mkdtemp(prefix="failure-milter-")
        proc = self.db.send_failures("--output-dir", out, "--redaction-key-file", key_file())
        self.assertEqual(summary(proc)["reports"], 6, proc.stdout + proc.stderr)
        for raw in reports_in(out):
            self.assertNotIn(b"alice.liddell", raw.lower())


class FailureIngestTest(unittest.TestCase):
    """`dmarc-reports ingest` stores failure reports others send us (here,
    ours read back), once, and `summary` shows them and ours sent."""

    @classmethod
    def setUpClass(cls):
        cls.db = FailureDb("failure_ingest")

    def test_ingest_then_summary(self):
        import json
        d = "fingest.test"
        self.db.sql(failing(d, count=2))
        out = tempfile.mkdtemp(prefix="failure-ingest-")
        sent = self.db.send_failures("--output-dir", out, "--no-redaction")
        self.assertEqual(summary(sent)["reports"], 2, sent.stdout + sent.stderr)
        files = sorted(glob.glob(os.path.join(out, "*.eml")))
        cmd = [self.db.tool, "ingest", "--database", self.db.dsn] + files
        first = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(first.returncode, 0, first.stdout + first.stderr)
        self.assertEqual(first.stdout.count("stored failure reporter=%s domain=%s" % (REPORTER, d)), 2,
                         first.stdout)
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        self.assertEqual(again.stdout.count("duplicate failure"), 2, again.stdout + again.stderr)
        row = self.db.sql("SELECT count(*), min(feedback_type), min(auth_failure), min(host(source_ip)),"
                          " min(delivery_result), min(identity_alignment) FROM failure_report_received"
                          " WHERE reported_domain = '%s'" % d)
        self.assertEqual(row, "2|auth-failure|dmarc|192.0.2.99|reject|none")
        proc = subprocess.run([self.db.tool, "summary", "--database", self.db.dsn, "--days", "2", "--json"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        sections = json.loads(proc.stdout)["sections"]
        received = [r for r in sections["failure_reports_received"] if r["domain"] == d]
        self.assertEqual([(r["reporter"], int(r["reports"])) for r in received], [(REPORTER, 2)])
        mine = [r for r in sections["failure_reports_sent"] if r["domain"] == d]
        self.assertEqual([(int(r["messages"]), int(r["reports"])) for r in mine], [(2, 2)])
