"""`dmarc-reports overview` against the harness PostgreSQL, loaded in Chromium.

Aggregate and TLS-RPT reports with known counts are ingested with
`dmarc-reports ingest` (one from a reporter named "<script>..." about a
domain named the same way), verdicts with known results, dispositions,
overrides and TLS are inserted into the table the milter writes, and the
source addresses get PTR records in the harness's unbound (one confirmed by
its A record, one lying). The page is then checked as text (structure,
escaping, figures) and in headless Chromium over the DevTools protocol: no
console message or exception, no request but the page itself, every chart
with the number of series and points the data calls for, and screenshots
at desktop and phone widths kept in the harness's directory.
"""

import html.parser
import json
import os
import re
import subprocess
import unittest
import uuid

from harness import services as hs

try:
    from integration import chromium_page
except ImportError:  # run as a module of tests/integration itself
    import chromium_page

DAY1 = 1767225600  # 2026-01-01T00:00:00Z
DAY2 = DAY1 + 86400
HOSTILE_ORG = "<script>alert('org')</script>"
HOSTILE_DOMAIN = "<script>alert('domain')</script>.example"


def xml_text(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def aggregate(report_id, org, domain, begin, rows):
    """rows: (ip, count, dkim_aligned, spf_aligned, disposition)."""
    records = "".join(
        "<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated><disposition>%s"
        "</disposition><dkim>%s</dkim><spf>%s</spf></policy_evaluated></row><identifiers><header_from>%s"
        "</header_from></identifiers><auth_results><spf><domain>%s</domain><result>pass</result></spf>"
        "</auth_results></record>" % (ip, n, disp, d, s, xml_text(domain), xml_text(domain))
        for ip, n, d, s, disp in rows)
    return ("<?xml version=\"1.0\"?><feedback><report_metadata><org_name>%s</org_name><email>r@rx.example</email>"
            "<report_id>%s</report_id><date_range><begin>%d</begin><end>%d</end></date_range>"
            "</report_metadata><policy_published><domain>%s</domain><p>none</p><pct>50</pct></policy_published>"
            "%s</feedback>" % (xml_text(org), report_id, begin, begin + 86399, xml_text(domain), records)).encode()


TLSRPT = {
    "organization-name": "tls-reporter.example",
    "date-range": {"start-datetime": "2026-01-01T00:00:00Z", "end-datetime": "2026-01-01T23:59:59Z"},
    "contact-info": "tls@tls-reporter.example",
    "report-id": "overview-tls-1",
    "policies": [{
        "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: enforce",
                                                          "mx: mx1.ours.example", "max_age: 86400"],
                   "policy-domain": "ours.example", "mx-host": ["mx1.ours.example"]},
        "summary": {"total-successful-session-count": 100, "total-failure-session-count": 5},
        "failure-details": [
            {"result-type": "certificate-expired", "sending-mta-ip": "198.51.100.20",
             "receiving-mx-hostname": "mx1.ours.example", "failed-session-count": 3},
            {"result-type": "starttls-not-supported", "sending-mta-ip": "198.51.100.21",
             "receiving-mx-hostname": "mx2.ours.example", "failed-session-count": 2}]}],
}

# (received_at, from_domain, dmarc_result, requested, applied, override, tls_version)
VERDICTS = (
    [("2026-01-01 10:00:00+00", "good.example", "pass", "none", "none", None, "TLSv1.3")] * 3
    + [("2026-01-01 11:00:00+00", "bad.example", "fail", "reject", "reject", None, None)] * 2
    + [("2026-01-02 09:00:00+00", "bad.example", "fail", "quarantine", "quarantine", None, "TLSv1.2"),
       ("2026-01-02 09:30:00+00", "partner.example", "fail", "reject", "none",
        ("local_policy", "<script>alert('comment')</script>"), "TLSv1.3"),
       # 23:30 UTC on the 2nd is the 3rd in Berlin.
       ("2026-01-02 23:30:00+00", "nodmarc.example", "none", "none", "none", None, "TLSv1.3")])

# chart id: (series, points) for the fixture above, 2026-01-01 to 2026-01-03, UTC.
EXPECTED_CHARTS = {
    "dmarc-pass-rate": (2, 3),          # ours.example on both days, the hostile domain on day 1
    "dmarc-sources": (2, 4),            # sender.example (pass, fail), 198.19.0.7 (fail), 203.0.113.9 (pass)
    "dmarc-failing-sources": (3, 4),    # 198.18.0.1 SPF and DKIM broke once each, two failing both
    "dmarc-receiver-policy": (3, 4),    # none/reject on day 1, none/quarantine on day 2
    "dmarc-reporters": (2, 5),
    "inbound-dmarc-results": (3, 4),
    "inbound-dispositions": (4, 4),
    "inbound-failing-from": (4, 3),
    "inbound-overrides": (1, 1),
    "tlsrpt-sessions": (2, 2),
    "tlsrpt-failure-types": (2, 2),
    "tlsrpt-mx": (1, 2),
    "inbound-tls-share": (1, 2),
    "inbound-tls-versions": (3, 4),
}

VOID = {"meta", "link", "br", "hr", "img", "input", "col", "area", "base", "embed", "source", "track", "wbr"}


class StructureChecker(html.parser.HTMLParser):
    """Well-formedness as the page promises it: every element closed in
    order, unique ids, nothing that loads or runs anything."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.ids, self.errors, self.charts, self.text = [], set(), [], {}, []
        self.doctype = None

    def handle_decl(self, decl):
        self.doctype = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            if a["id"] in self.ids:
                self.errors.append("duplicate id %s" % a["id"])
            self.ids.add(a["id"])
        if tag in ("script", "iframe", "object", "embed", "img", "link", "base"):
            self.errors.append("element <%s>" % tag)
        for name, value in attrs:
            if name.startswith("on") or (name in ("src", "href") and not (value or "").startswith("#")):
                self.errors.append("attribute %s=%r on <%s>" % (name, value, tag))
        if "data-chart" in a:
            self.charts[a["data-chart"]] = a
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else None))
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


class OverviewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = hs.current()
        cls.services = s
        cls.pg = s.postgres
        cls.dsn = cls.pg.create_database("overview")
        cls.tool = hs.binary("dmarc-reports")
        cls.root = os.path.join(s.root, "overview")
        os.makedirs(cls.root, exist_ok=True)
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", cls.dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))
        files = {
            "one.xml": aggregate("ov-1", "rx-one.example", "ours.example", DAY1,
                                 [("198.18.0.1", 60, "pass", "fail", "none"),
                                  ("198.19.0.7", 10, "fail", "fail", "reject")]),
            "two.xml": aggregate("ov-2", "rx-two.example", "ours.example", DAY2,
                                 [("198.18.0.1", 30, "fail", "pass", "none"),
                                  ("198.18.0.2", 10, "fail", "fail", "quarantine")]),
            "hostile.xml": aggregate("ov-3", HOSTILE_ORG, HOSTILE_DOMAIN, DAY1,
                                     [("203.0.113.9", 5, "pass", "pass", "none")]),
            "tls.json": json.dumps(TLSRPT).encode(),
        }
        paths = []
        for name, data in files.items():
            paths.append(os.path.join(cls.root, name))
            with open(paths[-1], "wb") as out:
                out.write(data)
        proc = subprocess.run([cls.tool, "ingest", "--database", cls.dsn] + paths, capture_output=True,
                              text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("ingest failed: %s%s" % (proc.stdout, proc.stderr))
        cls.pg.psql("INSERT INTO reporting_host (name) VALUES ('mx1')", dbname="overview")
        for i, verdict in enumerate(VERDICTS):
            cls.pg.psql(cls.verdict_sql(i, *verdict), dbname="overview")
        # 198.18.0.1 and .2 are confirmed names of one organisation; the PTR
        # of 198.19.0.7 claims a name whose A record disagrees. (Not the
        # documentation ranges: libunbound answers their reverse zones itself,
        # NXDOMAIN, as RFC 6303 asks.)
        s.dns.add_records([
            ("1.0.18.198.in-addr.arpa", "PTR", "mail1.sender.example."),
            ("mail1.sender.example", "A", "198.18.0.1"),
            ("2.0.18.198.in-addr.arpa", "PTR", "mail2.sender.example."),
            ("mail2.sender.example", "A", "198.18.0.2"),
            ("7.0.19.198.in-addr.arpa", "PTR", "mail.bigprovider.example."),
            ("mail.bigprovider.example", "A", "203.0.113.200"),
        ])
        cls.page = os.path.join(cls.root, "index.html")
        cls.generate(cls.page, "--time-zone", "UTC")
        with open(cls.page, encoding="utf-8") as page:
            cls.html = page.read()

    @classmethod
    def generate(cls, path, *args):
        proc = subprocess.run(
            [cls.tool, "overview", "--database", cls.dsn, "--output", path, "--begin", "2026-01-01",
             "--end", "2026-01-04", "--dns-server", cls.services.dns.nameserver] + list(args),
            capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("overview failed (%d): %s%s" % (proc.returncode, proc.stdout, proc.stderr))
        return proc

    @staticmethod
    def verdict_sql(i, received, domain, result, requested, applied, override, version):
        def lit(value):
            return "NULL" if value is None else "'%s'" % value.replace("'", "''")
        reasons = "'{%s}'" % override[0] if override else "'{}'"
        comments = "ARRAY[%s]::text[]" % lit(override[1]) if override else "'{}'"
        tls = (lit(version), lit("TLS_AES_256_GCM_SHA384" if version else None), "256" if version else "NULL")
        return (
            "INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,"
            " mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason, dkim_aligned,"
            " spf_aligned, org_domain, discovery_method, policy_tag, author_domain_exists, effective_policy,"
            " disposition_requested, disposition_applied, override_reasons, override_comments, spf_domain,"
            " spf_scope, spf_result, spf_explanation, dkim_domains, dkim_selectors, dkim_results,"
            " dkim_algorithms, dkim_human_results, dkim_key_bits, tls_version, tls_cipher, tls_bits)"
            " VALUES ('%s', '%s', 'mx1', 'Q%d', '203.0.113.%d', 'h', '%s', '{ours.example}', '%s', '{%s}',"
            " '%s', '', false, false, '%s', 'psl', 'p', true, 'none', '%s', '%s', %s, %s, '%s', 'mfrom',"
            " 'none', '', '{}', '{}', '{}', '{}', '{}', '{}', %s, %s, %s)"
            % ((uuid.uuid4(), received, i, i + 1, domain, domain, domain, result, domain, requested, applied,
                reasons, comments, domain) + tls))

    def structure(self, text):
        checker = StructureChecker()
        checker.feed(text)
        checker.close()
        return checker

    def test_page_is_well_formed_and_inert(self):
        checker = self.structure(self.html)
        self.assertEqual(checker.doctype, "DOCTYPE html")
        self.assertEqual(checker.errors, [])
        self.assertEqual(checker.stack, [], "unclosed elements")
        # The only URL on the page is the SVG namespace name.
        self.assertEqual(set(re.findall(r"https?://[^\s\"'<>]+", self.html)), {"http://www.w3.org/2000/svg"})
        self.assertIn("default-src 'none'", self.html.replace("&#39;", "'"))

    def test_hostile_strings_are_text(self):
        self.assertNotIn("<script", self.html)
        text = "".join(self.structure(self.html).text)
        self.assertIn(HOSTILE_ORG, text)
        self.assertIn(HOSTILE_DOMAIN, text)
        self.assertIn("<script>alert('comment')</script>", text)

    def test_charts_carry_the_fixture(self):
        charts = self.structure(self.html).charts
        got = {k: (int(v["data-series"]), int(v["data-points"])) for k, v in charts.items()}
        self.assertEqual(got, EXPECTED_CHARTS)

    def test_sources_grouped_by_confirmed_reverse_dns(self):
        self.assertRegex(self.html, r"<th scope=\"row\">sender\.example</th><td class=\"num\">2</td>"
                                    r"<td class=\"num\">100</td><td class=\"num\">90</td>")
        # The lying PTR name is shown as unconfirmed, never as a group.
        self.assertIn("mail.bigprovider.example (unconfirmed)", self.html)
        self.assertIn("<th scope=\"row\">198.19.0.7</th><td class=\"num\">1</td>", self.html)
        rows = self.pg.psql("SELECT host(address), confirmed, organisation FROM source_name ORDER BY 1",
                            dbname="overview")
        self.assertIn("198.18.0.1|t|sender.example", rows)
        self.assertIn("198.19.0.7|f|", rows)

    def test_empty_days_and_posture_say_so(self):
        self.assertIn("<th scope=\"row\">2026-01-03</th><td>no data</td>", self.html)
        self.assertIn("No check has been run", self.html)
        self.assertIn("p=none only monitors", self.html)
        self.assertIn("pct=50 applies the policy", self.html)

    def test_empty_period_says_so_for_every_chart(self):
        path = os.path.join(self.root, "empty.html")
        proc = subprocess.run([self.tool, "overview", "--database", self.dsn, "--output", path, "--begin",
                               "2025-01-01", "--end", "2025-01-08", "--no-reverse-dns", "--time-zone", "UTC"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(path, encoding="utf-8") as page:
            text = page.read()
        charts = self.structure(text).charts
        self.assertEqual(set(charts), set(EXPECTED_CHARTS))
        self.assertTrue(all(c["data-series"] == "0" for c in charts.values()), charts)
        self.assertEqual(text.count("No data for this period."), len(EXPECTED_CHARTS) + 2)

    def test_days_are_the_time_zone_days(self):
        path = os.path.join(self.root, "berlin.html")
        self.generate(path, "--time-zone", "Europe/Berlin", "--no-reverse-dns")
        with open(path, encoding="utf-8") as page:
            text = page.read()
        self.assertIn("days in Europe/Berlin", text)
        self.assertIn("<title>2026-01-03 \u00b7 none: 1 messages</title>", text)
        self.assertNotIn("<title>2026-01-02 \u00b7 none: 1 messages</title>", text)

    def test_usage_errors(self):
        for args in (["--begin", "2026-02-30", "--end", "2026-03-01"], ["--time-zone", "Mars/Olympus"],
                     ["--days", "0"], []):
            output = [] if not args else ["--output", os.path.join(self.root, "x.html")]
            proc = subprocess.run([self.tool, "overview", "--database", self.dsn, "--no-reverse-dns"] + output + args,
                                  capture_output=True, text=True, timeout=60)
            self.assertEqual(proc.returncode, 64, (args, proc.stderr))
        self.assertFalse(os.path.exists(os.path.join(self.root, "x.html")))

    def test_chromium_renders_the_page(self):
        browser = chromium_page.Browser(self.root)
        try:
            url = "file://" + self.page
            browser.load(url)
            charts = browser.evaluate(
                "Object.fromEntries([...document.querySelectorAll('svg[data-chart]')].map(s => [s.dataset.chart,"
                " [s.querySelectorAll('g.series').length, s.querySelectorAll('.point').length]]))")
            self.assertEqual({k: tuple(v) for k, v in charts.items()}, EXPECTED_CHARTS)
            self.assertEqual(browser.evaluate("document.querySelectorAll('script').length"), 0)
            text = browser.evaluate("document.body.innerText")
            self.assertIn(HOSTILE_ORG, text)
            self.assertIn(HOSTILE_DOMAIN, text)
            shots = {}
            for name, width, mobile in (("desktop", 1280, False), ("phone", 390, True)):
                path = os.path.join(self.root, "overview-%s.png" % name)
                height = browser.screenshot(path, width, mobile)
                with open(path, "rb") as shot:
                    self.assertEqual(shot.read(8), b"\x89PNG\r\n\x1a\n")
                shots[name] = (path, height)
                # Nothing wider than the screen: wide tables scroll in their box.
                self.assertLessEqual(browser.evaluate("document.documentElement.scrollWidth"), width, name)
            print("\n  overview screenshots: %s" % ", ".join("%s (%d px high)" % s for s in shots.values()))
            self.assertEqual(browser.problems(), [])
            self.assertEqual(browser.requests(), [url])
        finally:
            browser.close()


if __name__ == "__main__":
    unittest.main()
