"""`dmarc-reports summary` against the harness PostgreSQL (issue 8, parts 1-2).

Stored data is made in two ways: aggregate and TLS-RPT reports are ingested
with `dmarc-reports ingest` (shared samples plus small hand-made reports with
known counts), and verdicts with known TLS facts are inserted into the
verdict table the milter writes. The text and --json outputs are checked
figure by figure.
"""

import json
import os
import subprocess
import unittest
import uuid

from harness import services as hs

SHARED = os.environ.get("SHARED_DATA") or os.path.join(hs.top_srcdir(), "..", "shared", "data")


def aggregate(report_id, org, domain, rows):
    """rows: (ip, count, dkim_aligned, spf_aligned, header_from)."""
    records = "".join(
        "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated><disposition>none"
        "</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row><identifiers><header_from>%s"
        "</header_from></identifiers><auth_results><spf><domain>%s</domain><result>pass</result></spf>"
        "</auth_results></record>" % (ip, n, d, s, h, h) for ip, n, d, s, h in rows)
    return ("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>%s</org_name><email>r@%s</email>"
            "<report_id>%s</report_id><date_range><begin>1767225600</begin><end>1767311999</end></date_range>"
            "</report_metadata><policy_published><domain>%s</domain><p>reject</p></policy_published>%s"
            "</feedback>" % (org, org, report_id, domain, records)).encode()


class SummaryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = hs.current()
        cls.pg = s.postgres
        cls.dsn = cls.pg.create_database("summary")
        cls.tool = hs.binary("dmarc-reports")
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", cls.dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))
        root = os.path.join(s.root, "summary")
        os.makedirs(root, exist_ok=True)
        # 2026-01-01 reports for ours.example: 100 messages from 192.0.2.1
        # (90 aligned), 10 from 198.51.100.7 (none aligned), two reporters.
        files = {
            "a.xml": aggregate("sum-a", "rx-one.example", "ours.example",
                               [("192.0.2.1", 60, "pass", "fail", "ours.example"),
                                ("198.51.100.7", 10, "fail", "fail", "ours.example")]),
            "b.xml": aggregate("sum-b", "rx-two.example", "ours.example",
                               [("192.0.2.1", 30, "fail", "pass", "ours.example"),
                                ("192.0.2.1", 10, "fail", "fail", "ours.example")]),
            # lists-ours.example: failing mail a receiver delivered, saying why
            "c.xml": aggregate("sum-c", "rx-three.example", "lists-ours.example",
                               [("192.0.2.9", 4, "fail", "fail", "lists-ours.example")]).replace(
                b"</policy_evaluated>", b"<reason><type>trusted_forwarder</type><comment>arc=pass "
                b"as[2].d=lists.example.org</comment></reason></policy_evaluated>"),
        }
        paths = []
        for name, data in files.items():
            paths.append(os.path.join(root, name))
            with open(paths[-1], "wb") as out:
                out.write(data)
        paths.append(os.path.join(SHARED, "tlsrpt-samples/cry-inc/rfc-example.json"))
        proc = subprocess.run([cls.tool, "ingest", "--database", cls.dsn] + paths, capture_output=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("ingest failed: %r" % proc.stderr)
        cls.pg.psql("INSERT INTO reporting_host (name) VALUES ('mx1')", dbname="summary")
        # Inbound verdicts on 2026-01-02: three over TLS 1.3 from tls.example,
        # one TLS 1.2 from mixed.example, one cleartext from mixed.example and
        # two cleartext from plain.example.
        sessions = [("tls.example", "TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, "OK")] * 3 + [
            ("mixed.example", "TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256", 128, "NO"),
            ("mixed.example", None, None, None, None),
            ("plain.example", None, None, None, None),
            ("plain.example", None, None, None, None)]
        for i, (domain, version, cipher, bits, verify) in enumerate(sessions):
            cls.pg.psql(cls.verdict_sql(i, domain, version, cipher, bits, verify), dbname="summary")
        # Inbound verdicts for mail to lists-ours.example that were not
        # applied as published: two lifted by a trusted ARC sealer, one by a
        # local rule.
        for i in (10, 11, 12):
            cls.pg.psql(cls.verdict_sql(i, "author.example", None, None, None, None), dbname="summary")
        arc = "arc=pass as[2].d=lists.example.org"
        cls.pg.psql("UPDATE verdict SET rcpt_domains = '{lists-ours.example}', arc_result = 'pass',"
                    " arc_sealers = '{fwd.example,lists.example.org}', arc_trusted_sealer = 'lists.example.org',"
                    " override_comment = '%s', override_reasons = '{mailing_list}', override_comments = '{\"%s\"}'"
                    " WHERE queue_id IN ('Q10', 'Q11')" % (arc, arc), dbname="summary")
        cls.pg.psql("UPDATE verdict SET rcpt_domains = '{lists-ours.example}', override_reasons = '{local_policy}',"
                    " override_comments = '{\"\"}' WHERE queue_id = 'Q12'", dbname="summary")

    @staticmethod
    def verdict_sql(i, domain, version, cipher, bits, verify):
        def lit(value):
            return "NULL" if value is None else ("'%s'" % value if isinstance(value, str) else str(value))
        return (
            "INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,"
            " mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned,"
            " spf_aligned, org_domain, discovery_method, policy_tag, author_domain_exists, effective_policy,"
            " disposition_requested, disposition_applied, override_reasons, override_comments, spf_domain,"
            " spf_scope, spf_result, spf_explanation, dkim_domains, dkim_selectors, dkim_results,"
            " dkim_algorithms, dkim_human_results, dkim_key_bits, tls_version, tls_cipher, tls_bits, tls_verify)"
            " VALUES ('%s', '2026-01-02 10:00:00+00', 'mx1', 'Q%d', '203.0.113.%d', 'h', '%s',"
            " '{ours.example}', '%s', '{%s}', 'none', '', false, false, '%s', 'psl', 'p', true, 'none',"
            " 'none', 'none', '{}', '{}', '%s', 'mfrom', 'none', '', '{}', '{}', '{}', '{}', '{}', '{}',"
            " %s, %s, %s, %s)" % (uuid.uuid4(), i, i + 1, domain, domain, domain, domain, domain,
                                   lit(version), lit(cipher), lit(bits), lit(verify)))

    def summary(self, *args):
        proc = subprocess.run([self.tool, "summary", "--database", self.dsn, "--begin", "2026-01-01", "--end",
                               "2026-01-03"] + list(args), capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout

    def test_json_figures(self):
        doc = json.loads(self.summary("--json", "--domain", "ours.example"))
        sections = doc["sections"]
        by_reporter = {r["reporter"]: r for r in sections["dmarc_by_reporter"]}
        self.assertEqual(by_reporter["rx-one.example"]["messages"], 70)
        self.assertEqual(by_reporter["rx-one.example"]["passed"], 60)
        self.assertEqual(by_reporter["rx-two.example"]["pass_pct"], 75.0)
        by_source = {r["source_ip"]: r for r in sections["dmarc_by_source"]}
        self.assertEqual(by_source["192.0.2.1"]["messages"], 100)
        self.assertEqual(by_source["192.0.2.1"]["passed"], 90)
        failing = {r["source_ip"]: r["messages"] for r in sections["dmarc_failing_sources"]}
        self.assertEqual(failing, {"198.51.100.7": 10, "192.0.2.1": 10})
        # TLS of inbound sessions, for mail to ours.example.
        by_domain = {r["sending_domain"]: r for r in sections["inbound_tls_by_day"]}
        self.assertEqual(by_domain["tls.example"]["tls_pct"], 100.0)
        self.assertEqual(by_domain["mixed.example"]["over_tls"], 1)
        self.assertEqual(by_domain["mixed.example"]["tls_pct"], 50.0)
        versions = {r["version"]: r["messages"] for r in sections["inbound_tls_versions"]}
        self.assertEqual(versions, {"TLSv1.3": 3, "TLSv1.2": 1, "cleartext": 3})
        self.assertEqual(sections["inbound_tls_ciphers"][0]["cipher"], "TLS_AES_256_GCM_SHA384")
        verify = {r["verify"]: r["messages"] for r in sections["inbound_tls_verify"]}
        self.assertEqual(verify, {"OK": 3, "NO": 1})
        cleartext = {r["sending_domain"]: r["messages"] for r in sections["inbound_cleartext_senders"]}
        self.assertEqual(cleartext, {"plain.example": 2, "mixed.example": 1})

    def test_tlsrpt_failures_by_type_and_mx(self):
        doc = json.loads(self.summary("--json", "--begin", "2016-01-01", "--end", "2016-12-31"))
        failures = {(r["result_type"], r["mx"]): r["failed_sessions"] for r in doc["sections"]["tlsrpt_failures"]}
        self.assertEqual(failures[("starttls-not-supported", "mx2.mail.company-y.example")], 200)
        self.assertEqual(failures[("certificate-expired", "mx1.mail.company-y.example")], 100)
        totals = doc["sections"]["tlsrpt_sessions"][0]
        self.assertEqual((totals["successful"], totals["failed"]), (5326, 303))
        self.assertEqual(totals["dkim"], "file")  # given as a file: no DKIM to check

    def test_text_output(self):
        out = self.summary("--domain", "ours.example")
        self.assertIn("2026-01-01 to 2026-01-03 (UTC days, [begin, end))", out.splitlines()[0])
        self.assertIn("Sources failing alignment", out)
        self.assertRegex(out, r"rx-two\.example +40 +30 +75\.0")
        self.assertRegex(out, r"plain\.example +2 ")

    def test_override_reasons(self):
        """Why failing mail was delivered: as receivers reported it, and as our own verdicts say."""
        doc = json.loads(self.summary("--json", "--domain", "lists-ours.example"))
        sections = doc["sections"]
        self.assertEqual(sections["dmarc_override_reasons"], [
            {"domain": "lists-ours.example", "reporter": "rx-three.example", "reason": "trusted_forwarder",
             "comment": "arc=pass as[2].d=lists.example.org", "messages": 4}])
        self.assertEqual(sections["inbound_overrides"], [
            {"reason": "mailing_list", "trusted_sealer": "lists.example.org",
             "comment": "arc=pass as[2].d=lists.example.org", "messages": 2, "from_domains": 1},
            {"reason": "local_policy", "trusted_sealer": None, "comment": "", "messages": 1, "from_domains": 1}])
        out = self.summary("--domain", "lists-ours.example")
        self.assertRegex(out, r"mailing_list +lists\.example\.org +arc=pass as\[2\]\.d=lists\.example\.org +2 +1")
        self.assertRegex(out, r"rx-three\.example +trusted_forwarder +arc=pass as\[2\]\.d=lists\.example\.org +4")

    def test_other_domain_sees_nothing(self):
        doc = json.loads(self.summary("--json", "--domain", "not-ours.example"))
        self.assertTrue(all(rows == [] for rows in doc["sections"].values()), doc)

    def test_bad_period_is_a_usage_error(self):
        proc = subprocess.run([self.tool, "summary", "--database", self.dsn, "--begin", "2026-13-01", "--end",
                               "2026-01-03"], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 64, proc.stderr)


if __name__ == "__main__":
    unittest.main()
