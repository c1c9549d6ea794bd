"""`dmarc-reports summary` against the harness PostgreSQL.

Stored data is made in two ways: aggregate and TLS-RPT reports are ingested
with `dmarc-reports ingest` (shared samples plus small hand-made reports with
known counts), and verdicts with known TLS facts, DMARC results,
dispositions and overrides are inserted into the verdict table the milter
writes; source names are put in the cache the overview keeps. The text and
--json outputs are checked figure by figure, in UTC and in another zone.
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
        # The milter's outcomes for mail to other.example: two rejected and
        # one held from failing domains, one failure let through by a local
        # policy override, and one pass at 23:30 UTC (the 3rd in Berlin).
        outcomes = [("bad.example", "fail", "reject", None, "10:00")] * 2 + [
            ("held.example", "fail", "quarantine", None, "10:00"),
            ("partner.example", "fail", "none", "partner <b>", "11:00"),
            ("good.example", "pass", "none", None, "23:30")]
        for i, (domain, result, applied, override, time) in enumerate(outcomes):
            cls.pg.psql(cls.verdict_sql(100 + i, domain, None, None, None, None, result, applied, override, time,
                                        rcpt="other.example"), dbname="summary")
        # Names as the overview cached them: 192.0.2.1 confirmed, the other
        # address without a name.
        cls.pg.psql("INSERT INTO source_name (address, ptr_name, confirmed, organisation) VALUES"
                    " ('192.0.2.1', 'mta1.sender.example', true, 'sender.example'),"
                    " ('198.51.100.7', '', false, '')", dbname="summary")

    @staticmethod
    def verdict_sql(i, domain, version, cipher, bits, verify, result="none", applied="none", override=None,
                    time="10:00", rcpt="ours.example"):
        def lit(value):
            return "NULL" if value is None else ("'%s'" % value if isinstance(value, str) else str(value))
        reasons = "'{local_policy}'" if override else "'{}'"
        comments = "ARRAY['%s']" % override if override else "'{}'"
        return (
            "INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,"
            " mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned,"
            " spf_aligned, org_domain, discovery_method, policy_tag, author_domain_exists, effective_policy,"
            " disposition_requested, disposition_applied, override_reasons, override_comments, spf_domain,"
            " spf_scope, spf_result, spf_explanation, dkim_domains, dkim_selectors, dkim_results,"
            " dkim_algorithms, dkim_human_results, dkim_key_bits, tls_version, tls_cipher, tls_bits, tls_verify)"
            " VALUES ('%s', '2026-01-02 %s:00+00', 'mx1', 'Q%d', '203.0.113.%d', 'h', '%s',"
            " '{%s}', '%s', '{%s}', '%s', '', false, false, '%s', 'psl', 'p', true, 'none',"
            " 'none', '%s', %s, %s, '%s', 'mfrom', 'none', '', '{}', '{}', '{}', '{}', '{}', '{}',"
            " %s, %s, %s, %s)" % (uuid.uuid4(), time, i, i % 250 + 1, domain, rcpt, domain, domain, result,
                                   domain, applied, reasons, comments, domain,
                                   lit(version), lit(cipher), lit(bits), lit(verify)))

    def summary(self, *args):
        period = [] if "--begin" in args else ["--begin", "2026-01-01", "--end", "2026-01-03"]
        zone = [] if "--time-zone" in args else ["--time-zone", "UTC"]
        proc = subprocess.run([self.tool, "summary", "--database", self.dsn] + period + zone + list(args),
                              capture_output=True, text=True, timeout=120)
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
    def test_milter_outcomes(self):
        doc = json.loads(self.summary("--json", "--domain", "other.example"))
        sections = doc["sections"]
        self.assertEqual((doc["first_day"], doc["end_day"], doc["time_zone"]), ("2026-01-01", "2026-01-03", "UTC"))
        key = {r["figure"]: (r["messages"], r["share %"]) for r in sections["inbound_key_figures"]}
        self.assertEqual(key["messages judged"], (5, 100.0))
        self.assertEqual(key["DMARC fail"], (4, 80.0))
        self.assertEqual(key["rejected"], (2, 40.0))
        self.assertEqual(key["held (quarantine)"], (1, 20.0))
        self.assertEqual(key["policy overridden"], (1, 20.0))
        results = {r["day"]: r for r in sections["inbound_dmarc_results"]}
        self.assertEqual((results["2026-01-02"]["pass"], results["2026-01-02"]["fail"]), (1, 4))
        self.assertIsNone(results["2026-01-01"]["pass"])  # no data that day
        dispositions = results = {r["day"]: r for r in sections["inbound_dispositions"]}
        self.assertEqual((dispositions["2026-01-02"]["reject"], dispositions["2026-01-02"]["quarantine"],
                          dispositions["2026-01-02"]["delivered"]), (2, 1, 2))
        failing = {r["From domain"]: (r["messages"], r["rejected"], r["held"], r["delivered"])
                   for r in sections["inbound_failing_from"]}
        self.assertEqual(failing, {"bad.example": (2, 2, 0, 0), "held.example": (1, 0, 1, 0),
                                   "partner.example": (1, 0, 0, 1)})
        overrides = sections["inbound_overrides"]
        self.assertEqual([(r["reason"], r["messages"], r["comment"]) for r in overrides],
                         [("local_policy", 1, "partner <b>")])

    def test_milter_outcomes_in_the_time_zone(self):
        # 23:30 UTC on the 2nd is the 3rd in Berlin: that day has the pass only.
        doc = json.loads(self.summary("--json", "--domain", "other.example", "--begin", "2026-01-03", "--end",
                                      "2026-01-04", "--time-zone", "Europe/Berlin"))
        key = {r["figure"]: r["messages"] for r in doc["sections"]["inbound_key_figures"]}
        self.assertEqual((key["messages judged"], key["DMARC pass"]), (1, 1))
        self.assertEqual(doc["begin"], 1767394800)  # 2026-01-03T00:00+01:00
        out = self.summary("--domain", "other.example", "--begin", "2026-01-03", "--end", "2026-01-04",
                           "--time-zone", "Europe/Berlin")
        self.assertIn("2026-01-03 to 2026-01-04 (Europe/Berlin days, [begin, end))", out.splitlines()[0])

    def test_sources_grouped_by_organisation(self):
        doc = json.loads(self.summary("--json", "--domain", "ours.example"))
        groups = {r["source"]: (r["addresses"], r["messages"], r["passed"], r["failed"])
                  for r in doc["sections"]["dmarc_sources"]}
        self.assertEqual(groups, {"sender.example": (1, 100, 90, 10), "198.51.100.7": (1, 10, 0, 10)})

    def test_text_shows_outcomes_and_organisations(self):
        out = self.summary("--domain", "other.example")
        self.assertIn("Inbound mail as we judged it: Top failing From domains", out)
        self.assertRegex(out, r"\n +rejected +2 +40\.0 *\n")
        self.assertRegex(out, r"\n +bad\.example +2 +2 +2 +0 +0 +0 *\n")
        self.assertRegex(out, r"\n +local_policy +- +partner <b> +1 +1 *\n")
        self.assertRegex(out, r"\n  2026-01-01 +- +- +- +- *\n")  # a day without verdicts
        self.assertIn("Volume by sending source\n  (none)\n", out)
        out = self.summary("--domain", "ours.example")
        self.assertRegex(out, r"Volume by sending source\n.*\n +sender\.example +1 +100 +90 +10 +90\.0 *\n")

    def test_other_domain_sees_nothing(self):
        doc = json.loads(self.summary("--json", "--domain", "not-ours.example"))
        self.assertTrue(all(rows == [] for rows in doc["sections"].values()), doc)

    def test_bad_period_is_a_usage_error(self):
        proc = subprocess.run([self.tool, "summary", "--database", self.dsn, "--begin", "2026-13-01", "--end",
                               "2026-01-03"], capture_output=True, text=True, timeout=60)
        self.assertEqual(proc.returncode, 64, proc.stderr)


if __name__ == "__main__":
    unittest.main()
