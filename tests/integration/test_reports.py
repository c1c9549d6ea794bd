"""`dmarc-reports send` against the harness (issue 7): reports built from
stored verdicts, checked field by field and with xmllint --schema, golden
files, delivery through the harness's Postfix (STARTTLS) to its sink, and
the bookkeeping: reruns, re-sends, two concurrent runs, a relay that is
down, external destinations, https and our own addresses, RFC 7489 !size.

The verdict rows are written with SQL in the milter's schema (sql/0001),
one INSERT per distinct message shape (verdict_sql), so each test states
exactly the messages its reports must count.
"""

import glob
import gzip
import os
import re
import subprocess
import tempfile
import unittest

from harness import services as hs
from integration.reports_util import (DAY_BEGIN, NS, REPORTER, XSD_7489, XSD_9990, ReportsDatabase,
                                      arrived_for, lit, parse_mail, records, report_attachment,
                                      summary, verdict_sql, xmllint)

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def relay_args():
    return ["--transport", "smtp", "--smtp-relay", "127.0.0.1:%d" % hs.current().postfix.plain_port,
            "--smtp-tls", "encrypt", "--receiver", "receiver.test"]


class ReportBuildTest(unittest.TestCase):
    """Report content: --output-dir runs over fixed data sets."""

    @classmethod
    def setUpClass(cls):
        cls.db = ReportsDatabase("reports_build")
        d = "build.test"
        cls.db.sql(
            verdict_sql(d, count=5) +
            # a forwarded message: SPF fails, DKIM of the list, overridden
            verdict_sql(d, count=2, client_ip="2001:db8::25", mail_from_domain="list.example",
                        spf_domain="list.example", spf_result="softfail", spf_aligned=False,
                        dkim_domains=["list.example", d], dkim_selectors=["l1", "s1"],
                        dkim_results=["pass", "fail"], dkim_aligned=False, dmarc_result="fail",
                        disposition_applied="none", override_reasons=["mailing_list"],
                        override_comments=["list.example"]) +
            # a spoof, rejected, null reverse-path
            verdict_sql(d, count=3, client_ip="198.51.100.7", mail_from_domain="", spf_domain="helo.spoof",
                        spf_result="none", spf_aligned=False, dkim_domains=[], dkim_selectors=[],
                        dkim_results=[], dkim_aligned=False, dmarc_result="fail",
                        disposition_applied="reject") +
            # another day: not in this report
            verdict_sql(d, count=4, received_at="2026-11-28T00:00:00Z") +
            # a tempfailed message is retried by its sender: not counted
            verdict_sql(d, count=1, disposition_applied="tempfail") +
            # hostile stored text (CVE-2020-12460 class): must not break the XML
            verdict_sql("hostile.test", count=1,
                        from_domain="evil</header_from><x>&amp;\u0001\u00ff\"'",
                        dkim_selectors=["]]><!--"], override_reasons=["other"],
                        override_comments=["<script>" + "A" * 5000 + "</script>"]) +
            # no rua published: no report to mail, but --output-dir writes one
            verdict_sql("norua.test", count=1, policy_rua=[], policy_record="v=DMARC1; p=none"))

    def build(self, *args):
        out = tempfile.mkdtemp(prefix="reports-")
        proc = self.db.send("--output-dir", out, *args)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        files = {}
        for path in glob.glob(os.path.join(out, "*")):
            with open(path, "rb") as handle:
                files[os.path.basename(path)] = gzip.decompress(handle.read())
        return proc, files

    def one(self, files, domain):
        names = [n for n in files if ("!%s!" % domain) in n]
        self.assertEqual(len(names), 1, "got %s, want one report for %s" % (sorted(files), domain))
        return names[0], files[names[0]]

    def test_fields_and_schema_rfc9990(self):
        proc, files = self.build("--domain", "build.test")
        name, xml = self.one(files, "build.test")
        self.assertRegex(name, r"^receiver\.test!build\.test!%d!%d![A-Za-z0-9]+\.xml\.gz$"
                         % (DAY_BEGIN, DAY_BEGIN + 86399))
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        root, recs = records(xml)
        self.assertEqual(root.tag, "feedback")
        self.assertIn(b'xmlns="urn:ietf:params:xml:ns:dmarc-2.0"', xml)
        report_id = root.findtext("report_metadata/report_id")
        self.assertTrue(name.endswith("!%s.xml.gz" % report_id), "filename and Report-ID differ")
        self.assertEqual(root.findtext("report_metadata/email"), REPORTER)
        self.assertEqual(root.findtext("report_metadata/date_range/begin"), str(DAY_BEGIN))
        self.assertEqual(root.findtext("report_metadata/date_range/end"), str(DAY_BEGIN + 86399))
        self.assertEqual(root.findtext("policy_published/p"), "reject")
        self.assertEqual(root.findtext("policy_published/discovery_method"), "treewalk")
        self.assertEqual(root.findtext("policy_published/testing"), "n")
        self.assertIsNone(root.find("policy_published/pct"))
        # grouped with counts, never one row per message; largest first
        self.assertEqual([r["count"] for r in recs], [5, 3, 2])
        self.assertEqual(sum(r["count"] for r in recs), 10)
        passing, spoof, forwarded = recs
        self.assertEqual((passing["disposition"], passing["dkim"], passing["spf"]), ("pass", "pass", "pass"))
        self.assertEqual(passing["dkim_auth"], [("build.test", "s1", "pass")])
        self.assertEqual(passing["spf_auth"], [("build.test", "mfrom", "pass")])
        self.assertEqual((spoof["source_ip"], spoof["disposition"]), ("198.51.100.7", "reject"))
        self.assertEqual(spoof["envelope_from"], "")  # null reverse-path: present, empty
        self.assertEqual(spoof["dkim_auth"], [])
        self.assertEqual(forwarded["source_ip"], "2001:db8::25")
        self.assertEqual(forwarded["reasons"], [("mailing_list", "list.example")])
        # RFC 9990 order: aligned passes first... here: other pass before fail
        self.assertEqual(forwarded["dkim_auth"], [("list.example", "l1", "pass"), ("build.test", "s1", "fail")])
        self.assertEqual(forwarded["spf_auth"], [("list.example", "mfrom", "softfail")])
        self.assertIn("summary:", proc.stdout)

    def test_fields_and_schema_rfc7489(self):
        out = tempfile.mkdtemp(prefix="reports7489-")
        db = ReportsDatabase("reports_build7489")
        db.sql(verdict_sql("old.test", count=2, client_ip="2001:db8::1", disposition_applied="pass"))
        proc = db.send("--output-dir", out, "--format", "rfc7489")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        (path,) = glob.glob(os.path.join(out, "*"))
        with open(path, "rb") as handle:
            xml = gzip.decompress(handle.read())
        status, messages = xmllint(xml, XSD_7489)
        self.assertEqual(status, 0, messages)
        self.assertNotIn(b"xmlns", xml)
        root, recs = records(xml)
        self.assertEqual(recs[0]["source_ip"], "2001:db8:0:0:0:0:0:1")  # the 7489 regex wants 8 groups
        self.assertEqual(recs[0]["disposition"], "none")  # 7489 has no "pass"
        self.assertEqual(root.findtext("policy_published/pct"), "100")
        self.assertGolden(xml, "reports_old_test_rfc7489.xml")

    def assertGolden(self, xml, name):
        """The document equals the reviewed golden file (ids masked)."""
        text = xml.decode()
        text = re.sub(r"<report_id>[^<]*</report_id>", "<report_id>ID</report_id>", text)
        text = re.sub(r"<generator>[^<]*</generator>", "<generator>GEN</generator>", text)
        golden = os.path.join(GOLDEN, name)
        if os.environ.get("REPORTS_UPDATE_GOLDEN"):
            with open(golden, "w") as handle:
                handle.write(text)
        with open(golden) as handle:
            self.assertEqual(text, handle.read())

    def test_hostile_stored_text_cannot_break_the_report(self):
        """CVE-2020-12460 regression: names from mail end up escaped and bounded."""
        _, files = self.build("--domain", "hostile.test")
        _, xml = self.one(files, "hostile.test")
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        self.assertNotIn(b"<script>", xml)
        self.assertNotIn(b"</header_from><x>", xml)
        _, recs = records(xml)
        self.assertEqual(len(recs), 1)
        self.assertTrue(recs[0]["header_from"].startswith("evil</header_from><x>&amp;"))
        self.assertLess(len(recs[0]["reasons"][0][1]), 1100)

    def test_output_dir_writes_domains_without_rua_and_reruns_keep_names(self):
        _, first = self.build()
        _, second = self.build()
        self.assertEqual(sorted(first), sorted(second), "a rebuild must reuse Report-ID and filename")
        self.assertTrue(any("!norua.test!" in n for n in first))
        for name, xml in first.items():
            status, messages = xmllint(xml, XSD_9990)
            self.assertEqual(status, 0, "%s: %s" % (name, messages))

    def test_metrics_file_for_the_textfile_collector(self):
        """--metrics-file: the run's figures in the Prometheus text format; a
        failed run keeps the last success's time; no progress line off a terminal."""
        from prometheus_client.parser import text_string_to_metric_families
        out = tempfile.mkdtemp(prefix="reports-metrics-")
        path = os.path.join(out, "dmarc_reports.prom")
        proc, files = self.build("--metrics-file", path)
        self.assertNotIn("\r", proc.stderr)
        with open(path) as handle:
            text = handle.read()
        samples = {(s.name, s.labels.get("figure", "")): s.value
                   for f in text_string_to_metric_families(text) for s in f.samples}
        self.assertEqual(samples[("dmarc_reports_last_run_exit_status", "")], 0)
        self.assertEqual(samples[("dmarc_reports_send_last_run", "reports")], len(files))
        success = samples[("dmarc_reports_last_success_timestamp_seconds", "")]
        self.assertEqual(success, samples[("dmarc_reports_last_run_timestamp_seconds", "")])
        failed = subprocess.run([self.db.tool, "send", "--database", "host=/nonexistent dbname=none",
                                 "--email", "a@b.example", "--output-dir", out, "--metrics-file", path],
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(failed.returncode, 69, failed.stderr)
        with open(path) as handle:
            after = {s.name: s.value for f in text_string_to_metric_families(handle.read()) for s in f.samples}
        self.assertEqual(after["dmarc_reports_last_run_exit_status"], 69)
        self.assertEqual(after["dmarc_reports_last_success_timestamp_seconds"], success)
        self.assertEqual(os.listdir(out), ["dmarc_reports.prom"])  # no temporary file left

    def test_golden_report(self):
        """A fixed data set gives exactly the reviewed document (ids masked)."""
        _, files = self.build("--domain", "build.test", "--org-name", "Receiver Test")
        _, xml = self.one(files, "build.test")
        self.assertGolden(xml, "reports_build_test.xml")

    def test_dry_run_changes_nothing(self):
        db = ReportsDatabase("reports_dry")
        db.sql(verdict_sql("dry.test", count=1))
        proc = db.send("--dry-run", *relay_args())
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("would-send", proc.stdout)
        self.assertEqual(summary(proc)["sent"], 1)
        self.assertEqual(db.sql("SELECT count(*) FROM aggregate_report"), "0")
        self.assertEqual(arrived_for("dry.test"), [])


    def test_dry_run_with_output_dir_writes_the_reports_and_records_nothing(self):
        db = ReportsDatabase("reports_dry_out")
        db.sql(verdict_sql("dryout.test", count=3) +
               verdict_sql("dryout.test", count=2, client_ip="198.51.100.7", dmarc_result="fail",
                           spf_aligned=False, dkim_aligned=False, disposition_applied="reject"))
        tables = ("aggregate_report", "report_destination", "report_delivery_attempt")
        counts = "SELECT " + " || ',' || ".join("(SELECT count(*) FROM %s)" % t for t in tables)
        out = tempfile.mkdtemp(prefix="reports-dry-")
        proc = db.send("--dry-run", "--output-dir", out)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(db.sql(counts), "0,0,0", "a dry run created rows")
        files = sorted(os.listdir(out))
        self.assertEqual(len(files), 1, files)
        self.assertIn("!dryout.test!", files[0])
        self.assertIn("wrote (dry run) domain=dryout.test", proc.stdout)
        self.assertEqual(summary(proc)["reports"], 1)
        with open(os.path.join(out, files[0]), "rb") as handle:
            xml = gzip.decompress(handle.read())
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        root, recs = records(xml)
        self.assertEqual(root.findtext("report_metadata/report_id"), "dryrun")
        self.assertEqual(sorted((r["disposition"], r["count"]) for r in recs), [("pass", 3), ("reject", 2)])
        # The same run for real writes the same content under its own Report-ID.
        real = tempfile.mkdtemp(prefix="reports-real-")
        proc = db.send("--output-dir", real)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(db.sql("SELECT count(*) FROM aggregate_report"), "1")



class ArcOverrideReportTest(unittest.TestCase):
    """Failing mail delivered because a trusted ARC sealer vouched for it
    (RFC 8617) is reported with its override reason and comment (RFC 9990
    PolicyOverrideReason), one row per distinct reason and comment."""

    @classmethod
    def setUpClass(cls):
        d = "arc.test"
        list_2 = "arc=pass as[2].d=lists.example.org"
        list_3 = "arc=pass as[3].d=lists.example.org"
        forwarder = "arc=pass as[1].d=fwd.example"
        hostile = "arc=pass as[1].d=</comment></reason><x>&amp;\"'"
        failing = dict(client_ip="192.0.2.44", mail_from_domain="lists.example.org", spf_domain="lists.example.org",
                       spf_aligned=False, dkim_domains=[d], dkim_selectors=["s1"], dkim_results=["fail"],
                       dkim_aligned=False, dmarc_result="fail", disposition_applied="none")
        statements = []
        for count, reason, comment, sealers in ((3, "mailing_list", list_2, ["fwd.example", "lists.example.org"]),
                                                (2, "trusted_forwarder", forwarder, ["fwd.example"]),
                                                (1, "mailing_list", list_3,
                                                 ["a.example", "b.example", "lists.example.org"]),
                                                (1, "trusted_forwarder", hostile, ["fwd.example"])):
            statements.append(verdict_sql(d, count=count, override_reasons=[reason], override_comments=[comment],
                                          **failing))
            # The ARC columns (sql/0007) as the milter fills them.
            statements.append(
                "UPDATE verdict SET arc_result = 'pass', arc_sealers = %s, arc_trusted_sealer = %s,"
                " override_comment = %s WHERE override_comments = %s;"
                % (lit(sealers), lit(sealers[-1]), lit(comment), lit([comment])))
        # the same source rejected: no reason at all
        statements.append(verdict_sql(d, count=1, **dict(failing, disposition_applied="reject")))
        # One database per format: a day's report, once built, keeps its format.
        cls.dbs = {}
        for name in ("rfc9990", "rfc7489"):
            cls.dbs[name] = ReportsDatabase("reports_arc_" + name)
            cls.dbs[name].sql("".join(statements))
        cls.comments = (list_2, forwarder, list_3, hostile)

    def report(self, format):
        out = tempfile.mkdtemp(prefix="reports-arc-")
        proc = self.dbs[format].send("--output-dir", out, "--domain", "arc.test", "--format", format)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        (path,) = glob.glob(os.path.join(out, "*"))
        with open(path, "rb") as handle:
            return gzip.decompress(handle.read())

    def check(self, xml, xsd):
        status, messages = xmllint(xml, xsd)
        self.assertEqual(status, 0, messages)
        self.assertNotIn(b"<x>", xml)
        _, recs = records(xml)
        got = sorted((r["count"], r["disposition"], r["reasons"]) for r in recs)
        list_2, forwarder, list_3, hostile = self.comments
        self.assertEqual(got, [(1, "none", [("mailing_list", list_3)]),
                               (1, "none", [("trusted_forwarder", hostile)]),
                               (1, "reject", []),
                               (2, "none", [("trusted_forwarder", forwarder)]),
                               (3, "none", [("mailing_list", list_2)])])

    def test_rfc9990_rows_carry_reason_and_comment(self):
        self.check(self.report("rfc9990"), XSD_9990)

    def test_rfc7489_rows_carry_reason_and_comment(self):
        self.check(self.report("rfc7489"), XSD_7489)

class ReportSendTest(unittest.TestCase):
    """Delivery and bookkeeping, through the harness's Postfix."""

    @classmethod
    def setUpClass(cls):
        cls.db = ReportsDatabase("reports_send")

    def test_mail_structure_through_postfix(self):
        d = "mail.test"
        self.db.sql(verdict_sql(d, count=3))
        proc = self.db.send("--domain", d, *relay_args())
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(summary(proc)["sent"], 1)
        raw = hs.current().sink.wait_for("Report Domain: %s " % d)
        message = parse_mail(raw)
        report_id = self.db.sql("SELECT report_id FROM aggregate_report WHERE policy_domain = '%s'" % d)
        self.assertEqual(str(message["Subject"]),
                         "Report Domain: %s Submitter: receiver.test Report-ID: <%s>" % (d, report_id))
        self.assertEqual(message["From"], REPORTER)
        self.assertEqual(message["To"], "dmarc@%s" % d)
        self.assertEqual(message.get_content_type(), "multipart/mixed")
        parts = [p.get_content_type() for p in message.walk()]
        self.assertEqual(parts, ["multipart/mixed", "text/plain", "application/gzip"])
        filename, ctype, xml = report_attachment(message)
        self.assertEqual(filename, "receiver.test!%s!%d!%d!%s.xml.gz" % (d, DAY_BEGIN, DAY_BEGIN + 86399,
                                                                         report_id))
        self.assertEqual(ctype, "application/gzip")
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        _, recs = records(xml)
        self.assertEqual(sum(r["count"] for r in recs), 3)
        # the relay offered STARTTLS and --smtp-tls encrypt insisted on it
        self.assertIn(b"with ESMTPS", raw)

    def test_rerun_sends_nothing_twice(self):
        d = "rerun.test"
        self.db.sql(verdict_sql(d, count=1))
        first = self.db.send("--domain", d, *relay_args())
        self.assertEqual(summary(first)["sent"], 1, first.stdout + first.stderr)
        hs.current().sink.wait_for("Report Domain: %s " % d)
        second = self.db.send("--domain", d, *relay_args())
        self.assertEqual(second.returncode, 0, second.stdout + second.stderr)
        self.assertEqual(summary(second)["sent"], 0)
        self.assertEqual(len(arrived_for(d)), 1)
        self.assertEqual(self.db.sql(
            "SELECT count(*) FROM report_delivery_attempt a JOIN report_destination d ON d.id = a.destination "
            "JOIN aggregate_report r ON r.id = d.report WHERE r.policy_domain = '%s'" % d), "1")

    def test_relay_down_then_resend_reuses_id_and_filename(self):
        d = "resend.test"
        self.db.sql(verdict_sql(d, count=2))
        down = ["--transport", "smtp", "--smtp-relay", "127.0.0.1:%d" % hs.free_port(), "--receiver",
                "receiver.test"]
        proc = self.db.send("--domain", d, *down)
        self.assertEqual(proc.returncode, 75, proc.stdout + proc.stderr)  # EX_TEMPFAIL
        self.assertEqual(summary(proc)["failed"], 1)
        row = self.db.sql("SELECT r.report_id, r.filename, d.status, d.attempts FROM aggregate_report r "
                          "JOIN report_destination d ON d.report = r.id WHERE r.policy_domain = '%s'" % d)
        report_id, filename, status, attempts = row.split("|")
        self.assertEqual((status, attempts), ("pending", "1"))
        # not due yet: a rerun right away does not hammer the destination
        again = self.db.send("--domain", d, *relay_args())
        self.assertEqual(summary(again)["sent"], 0)
        self.assertEqual(summary(again)["postponed"], 1)
        # time passes (the back-off is over), the relay is back
        self.db.sql("UPDATE report_destination SET next_attempt_at = now() - interval '1 second'")
        later = self.db.send("--domain", d, *relay_args())
        self.assertEqual(summary(later)["sent"], 1, later.stdout + later.stderr)
        message = parse_mail(hs.current().sink.wait_for("Report Domain: %s " % d))
        got_name, _, _ = report_attachment(message)
        self.assertEqual(got_name, filename)
        self.assertIn("Report-ID: <%s>" % report_id, str(message["Subject"]))
        self.assertEqual(self.db.sql("SELECT string_agg(outcome::text, ',' ORDER BY a.id) FROM "
                                     "report_delivery_attempt a JOIN report_destination d ON d.id = a.destination "
                                     "JOIN aggregate_report r ON r.id = d.report WHERE r.policy_domain = '%s'" % d),
                         "tempfail,delivered")

    def test_two_concurrent_runs_send_once(self):
        domains = ["conc%d.test" % i for i in range(5)]
        self.db.sql("".join(verdict_sql(d, count=2) for d in domains))
        runs = [self.db.start_send(*relay_args()) for _ in range(2)]
        outputs = [run.communicate(timeout=300) for run in runs]
        for run, (out, err) in zip(runs, outputs):
            self.assertIn(run.returncode, (0, 75), out + err)
        for d in domains:
            hs.current().sink.wait_for("Report Domain: %s " % d)
        for d in domains:
            self.assertEqual(len(arrived_for(d)), 1, "got %d reports for %s, want 1" % (len(arrived_for(d)), d))

    def test_external_destinations(self):
        dns = hs.current().dns
        # .example, not .test: libunbound answers NXDOMAIN itself for the
        # special-use .test (RFC 6761) without asking the harness's server.
        ok, bad, redirect = "extok.example", "extbad.example", "extredir.example"
        sql = ""
        for d in (ok, bad, redirect):
            sql += verdict_sql(d, count=1, policy_rua=["mailto:rua@reports.thirdparty.example"],
                               policy_record="v=DMARC1; p=reject; rua=mailto:rua@reports.thirdparty.example")
        self.db.sql(sql)
        dns.add("%s._report._dmarc.reports.thirdparty.example" % ok, "TXT", "v=DMARC1")
        dns.add("%s._report._dmarc.reports.thirdparty.example" % redirect, "TXT",
                "v=DMARC1; rua=mailto:victim@elsewhere.example")
        try:
            for d in (ok, bad, redirect):
                proc = self.db.send("--domain", d, *relay_args())
                self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
                if d == ok:
                    self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
                else:
                    self.assertEqual(summary(proc)["skipped"], 1, proc.stdout + proc.stderr)
                    self.assertIn("not verified", proc.stdout)
            hs.current().sink.wait_for("Report Domain: %s " % ok)
            self.assertEqual(arrived_for(bad), [])
            self.assertEqual(arrived_for(redirect), [])
            self.assertEqual(self.db.sql("SELECT status FROM report_destination d JOIN aggregate_report r "
                                         "ON r.id = d.report WHERE r.policy_domain = '%s'" % bad), "skipped")
        finally:
            dns.remove("%s._report._dmarc.reports.thirdparty.example" % ok,
                       "%s._report._dmarc.reports.thirdparty.example" % redirect)

    def test_https_own_address_and_malformed_are_skipped(self):
        d = "skips.test"
        rua = ["https://reports.skips.test/dmarc", "mailto:%s" % REPORTER, "mailto:me@skips.test",
               "mailto:not an address", "mailto:dmarc@skips.test"]
        self.db.sql(verdict_sql(d, count=1, policy_rua=rua,
                                policy_record="v=DMARC1; p=reject; rua=" + ",".join(rua)))
        proc = self.db.send("--domain", d, "--own-address", "ME@skips.test", *relay_args())
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual((summary(proc)["sent"], summary(proc)["skipped"]), (1, 4), proc.stdout)
        self.assertIn("https rua recorded", proc.stdout)
        self.assertIn("our own reporting address", proc.stdout)
        statuses = self.db.sql("SELECT string_agg(uri || '=' || status, ' ' ORDER BY d.id) FROM report_destination d "
                               "JOIN aggregate_report r ON r.id = d.report WHERE r.policy_domain = '%s'" % d)
        self.assertIn("https://reports.skips.test/dmarc=skipped", statuses)
        self.assertIn("mailto:dmarc@skips.test=delivered", statuses)

    def test_rfc7489_size_limit(self):
        d = "size.test"
        self.db.sql(verdict_sql(d, count=1, policy_rua=["mailto:small@size.test", "mailto:big@size.test"],
                                policy_record="v=DMARC1; p=reject; rua=mailto:small@size.test!1k,"
                                              "mailto:big@size.test!10m"))
        proc = self.db.send("--domain", d, "--format", "rfc7489", *relay_args())
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual((summary(proc)["sent"], summary(proc)["skipped"]), (1, 1), proc.stdout)
        self.assertIn("exceeds the rua size limit", proc.stdout)
        hs.current().sink.wait_for(b"big@size.test")
        hs.current().sink.wait_for(b"more than the 1024 bytes")  # RFC 7489 section 7.2.2 notice
        got = {b"big@size.test" in m: m for m in arrived_for(d)}
        self.assertEqual(len(arrived_for(d)), 2)
        self.assertIn(b"application/gzip", got[True])
        self.assertNotIn(b"application/gzip", got[False])
        self.assertIn(b"To: small@size.test", got[False])

    def test_domain_with_a_thousand_rows(self):
        d = "thousand.test"
        self.db.sql(verdict_sql(d, count=2000, client_ip_sql="('10.0.' || (g % 1000 / 250) || '.' || "
                                                              "(g % 250 + 1))::inet"))
        proc = self.db.send("--domain", d, *relay_args())
        self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
        message = parse_mail(hs.current().sink.wait_for("Report Domain: %s " % d))
        _, _, xml = report_attachment(message)
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        _, recs = records(xml)
        self.assertEqual((len(recs), sum(r["count"] for r in recs)), (1000, 2000))

    def test_sendmail_transport(self):
        """The local MTA path: the message goes to the command's stdin with -f."""
        d = "sendmail.test"
        self.db.sql(verdict_sql(d, count=1))
        spool = tempfile.mkdtemp(prefix="fake-sendmail-")
        fake = os.path.join(spool, "sendmail")
        with open(fake, "w") as handle:
            handle.write("#!/bin/sh\necho \"$@\" > %s/args\ncat > %s/message\n" % (spool, spool))
        os.chmod(fake, 0o755)
        proc = self.db.send("--domain", d, "--sendmail", fake + " -t -oi", "--receiver", "receiver.test")
        self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
        with open(os.path.join(spool, "args")) as handle:
            self.assertEqual(handle.read().split(), ["-f", REPORTER, "-t", "-oi"])
        with open(os.path.join(spool, "message"), "rb") as handle:
            message = parse_mail(handle.read())
        self.assertEqual(message["To"], "dmarc@%s" % d)
        _, ctype, xml = report_attachment(message)
        self.assertEqual(ctype, "application/gzip")
        self.assertEqual(xmllint(xml, XSD_9990)[0], 0)

    def test_permanent_failures_suppress_the_address(self):
        d = "perm.test"
        self.db.sql(verdict_sql(d, count=1))
        spool = tempfile.mkdtemp(prefix="fake-sendmail-")
        fake = os.path.join(spool, "sendmail")
        with open(fake, "w") as handle:
            handle.write("#!/bin/sh\ncat > /dev/null\nexit 67\n")  # EX_NOUSER
        os.chmod(fake, 0o755)
        proc = self.db.send("--domain", d, "--sendmail", fake, "--suppress-after", "1",
                            "--receiver", "receiver.test")
        self.assertEqual(summary(proc)["failed"], 1, proc.stdout + proc.stderr)
        self.assertEqual(self.db.sql("SELECT suppressed_until > now() FROM report_suppression "
                                     "WHERE address = 'dmarc@perm.test'"), "t")
        # the next interval's report is not even attempted
        self.db.sql(verdict_sql(d, count=1, received_at="2026-11-28T10:00:00Z"))
        later = self.db.send("--domain", d, "--sendmail", fake, "--receiver", "receiver.test",
                             day="2026-11-28")
        self.assertIn("suppressed", later.stdout, later.stdout + later.stderr)


if __name__ == "__main__":
    unittest.main()


class ReportCliTest(unittest.TestCase):
    """--help and the man page list the same send options (STYLE.md 19)."""

    def test_every_option_is_documented(self):
        proc = __import__("subprocess").run([hs.binary("dmarc-reports"), "send", "--help"],
                                            capture_output=True, text=True)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        options = set(re.findall(r"^  --([a-z0-9-]+)", proc.stdout, re.M))
        self.assertGreater(len(options), 20)
        with open(os.path.join(hs.top_srcdir(), "man", "dmarc-reports.8.in")) as handle:
            page = handle.read().replace("\\-", "-")
        missing = sorted(o for o in options if "--" + o not in page)
        self.assertEqual(missing, [], "options missing from man/dmarc-reports.8.in")

    def test_bad_options_are_usage_errors(self):
        tool = hs.binary("dmarc-reports")
        run = __import__("subprocess").run
        for args in (["--email", "a@b.example", "--bogus"], ["--day", "2026-11-27"],
                     ["--email", "a@b.example", "--day", "yesterday"],
                     ["--email", "a@b.example", "--format", "xml"],
                     ["--email", "a@b.example", "--begin", "2026-11-28", "--end", "2026-11-27"]):
            proc = run([tool, "send"] + args, capture_output=True, text=True)
            self.assertEqual(proc.returncode, 64, "%s: got %d, want 64 (EX_USAGE)" % (args, proc.returncode))


class ReportRelayAuthTest(unittest.TestCase):
    """SMTP relay with STARTTLS and AUTH PLAIN (a small test relay)."""

    @classmethod
    def setUpClass(cls):
        cls.db = ReportsDatabase("reports_auth")
        cls.workdir = tempfile.mkdtemp(prefix="relay-")
        cls.password_file = os.path.join(cls.workdir, "password")
        with open(cls.password_file, "w") as handle:
            handle.write("s3cret\n")
        os.chmod(cls.password_file, 0o600)

    def relay(self, server, *extra):
        return ["--transport", "smtp", "--smtp-relay", "127.0.0.1:%d" % server.port, "--smtp-user", "reporter",
                "--smtp-password-file", self.password_file, "--receiver", "receiver.test"] + list(extra)

    def test_auth_plain_after_starttls(self):
        from integration.reports_util import AuthSmtpServer
        server = AuthSmtpServer(self.workdir)
        try:
            self.db.sql(verdict_sql("auth.test", count=1))
            proc = self.db.send("--domain", "auth.test", *self.relay(server, "--smtp-tls", "encrypt"))
            self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
            self.assertNotIn("s3cret", proc.stdout + proc.stderr)
            verbs = [c.split(" ")[0].upper() for c in server.commands]
            self.assertEqual(verbs[:4], ["EHLO", "STARTTLS", "EHLO", "AUTH"])
            ((tls, data),) = server.messages
            self.assertTrue(tls)
            _, ctype, xml = report_attachment(parse_mail(data))
            self.assertEqual(xmllint(xml, XSD_9990)[0], 0)
        finally:
            server.close()

    def test_no_auth_without_tls(self):
        from integration.reports_util import AuthSmtpServer
        server = AuthSmtpServer(self.workdir, starttls=False)
        try:
            self.db.sql(verdict_sql("noauth.test", count=1))
            proc = self.db.send("--domain", "noauth.test", *self.relay(server, "--smtp-tls", "may"))
            self.assertEqual(summary(proc)["failed"], 1, proc.stdout + proc.stderr)
            self.assertNotIn("AUTH PLAIN ...", server.commands)
            self.assertEqual(server.messages, [])
            self.assertIn("refusing AUTH without TLS", self.db.sql("SELECT reason FROM report_destination"
                                                                   " d JOIN aggregate_report r ON r.id = d.report"
                                                                   " WHERE r.policy_domain = 'noauth.test'"))
        finally:
            server.close()

    def verified_relay(self, cert_name):
        """A relay at localhost whose certificate, from a test CA, names cert_name."""
        from integration.reports_util import AuthSmtpServer
        from integration.test_check import TestCa
        ca = TestCa(os.path.join(self.workdir, "ca-" + cert_name))
        server = AuthSmtpServer(self.workdir, cert_pair=ca.leaf("relay", cert_name))
        args = ["--transport", "smtp", "--smtp-relay", "localhost:%d" % server.port, "--smtp-tls", "verify",
                "--smtp-ca-file", ca.ca, "--smtp-user", "reporter", "--smtp-password-file", self.password_file,
                "--receiver", "receiver.test"]
        return server, args

    def test_verify_accepts_a_certificate_for_the_relay_name(self):
        server, args = self.verified_relay("localhost")
        try:
            self.db.sql(verdict_sql("verify.test", count=1))
            proc = self.db.send("--domain", "verify.test", *args)
            self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
            ((tls, _),) = server.messages
            self.assertTrue(tls)
        finally:
            server.close()

    def test_verify_refuses_a_certificate_for_another_name(self):
        server, args = self.verified_relay("relay.elsewhere.example")
        try:
            self.db.sql(verdict_sql("noverify.test", count=1))
            proc = self.db.send("--domain", "noverify.test", *args)
            self.assertEqual(summary(proc)["failed"], 1, proc.stdout + proc.stderr)
            verbs = [c.split(" ")[0].upper() for c in server.commands]
            self.assertEqual(verbs, ["EHLO", "STARTTLS"])  # nothing after the handshake
            self.assertEqual(server.messages, [])
            self.assertIn("not valid", self.db.sql("SELECT reason FROM report_destination d JOIN aggregate_report r"
                                                   " ON r.id = d.report WHERE r.policy_domain = 'noverify.test'"))
        finally:
            server.close()


class ReportFromMilterTest(unittest.TestCase):
    """End to end: mail through Postfix and the real dmarc-milter, verdicts
    stored by its writer in the harness PostgreSQL, then the day's report."""

    @classmethod
    def setUpClass(cls):
        from integration.milter_support import MilterProcess
        from integration.test_milter_postfix import allow_relay_to_rcpt_domain
        cls.s = hs.current()
        cls.db = ReportsDatabase("reports_e2e")
        allow_relay_to_rcpt_domain(cls.s.postfix)
        cls.s.dns.add_records([
            ("rp.example", "TXT", "v=spf1 ip4:192.0.2.10 -all"),
            ("rp.example", "A", "192.0.2.10"),
            ("_dmarc.rp.example", "TXT", "v=DMARC1; p=reject; rua=mailto:dmarc@rp.example"),
        ])
        cls.milter = MilterProcess(cls.s, "reports", "Database %s" % cls.db.dsn).start()

    @classmethod
    def tearDownClass(cls):
        cls.milter.stop()
        cls.s.dns.remove("rp.example", "_dmarc.rp.example")

    def test_report_counts_what_the_milter_stored(self):
        from integration.milter_support import message
        from integration.test_milter_postfix import xclient
        codes = []
        for addr in ["192.0.2.10"] * 3 + ["198.51.100.7"] * 2:
            text, _ = message("a@rp.example")
            code, _ = self.s.postfix.send(text, "bounce@rp.example", ["rcpt@rcpt.example"],
                                          xclient=xclient(addr=addr, helo="mail.rp.example"))
            codes.append(code)
        self.assertEqual(codes, [250, 250, 250, 550, 550])
        # the writer ships verdicts asynchronously: wait for the five rows
        hs.wait_until(lambda: self.db.sql("SELECT count(*) FROM verdict WHERE policy_domain = 'rp.example'")
                      == "5", 60, "the milter's verdicts in PostgreSQL")
        out = tempfile.mkdtemp(prefix="reports-e2e-")
        # The day the rows were stored on, not today: a run across midnight
        # stores some on each day, and then all count as the first day's.
        where = "WHERE policy_domain = 'rp.example'"
        day = self.db.sql("SELECT min(received_at AT TIME ZONE 'UTC')::date FROM verdict " + where)
        self.db.sql("UPDATE verdict SET received_at = '%sT23:59:59Z' %s AND received_at >= "
                    "timestamptz '%sT00:00:00Z' + interval '1 day'" % (day, where, day))
        proc = self.db.send("--output-dir", out, "--domain", "rp.example", day=day)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        (path,) = glob.glob(os.path.join(out, "*"))
        with open(path, "rb") as handle:
            xml = gzip.decompress(handle.read())
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        root, recs = records(xml)
        self.assertEqual(root.findtext("policy_published/domain"), "rp.example")
        self.assertEqual(root.findtext("policy_published/p"), "reject")
        got = sorted((r["source_ip"], r["count"], r["disposition"], r["spf"], r["header_from"]) for r in recs)
        self.assertEqual(got, [("192.0.2.10", 3, "pass", "pass", "rp.example"),
                               ("198.51.100.7", 2, "reject", "fail", "rp.example")])
        for r in recs:
            self.assertEqual(r["spf_auth"][0][:2], ("rp.example", "mfrom"))
