"""`dmarc-reports ingest` in bounded memory (issue 22): a large aggregate
report, as a gzipped mail attachment on standard input and as a bare XML
file, is stored with every record intact while the process stays under
64 MB of peak resident memory; a mail over the input bound is refused
after reading no more than the bound.
"""

import base64
import gzip
import hashlib
import os
import subprocess
import sys
import unittest

from harness import services as hs

RECORDS = 60000  # about 21 MiB of XML: well over 64 MB in a tree, a few MB streamed
PEAK_LIMIT_KB = 64 * 1024


def record(i):
    """One record with the fields that vary in real reports."""
    ip = "198.51.%d.%d" % (i // 250 % 250, i % 250 + 1) if i % 3 else "2001:db8:%x::%x" % (i // 4096 + 1, i % 4096 + 1)
    reasons = ("<reason><type>forwarded</type><comment>relay %d</comment></reason>" % i) if i % 7 == 0 else ""
    dkim = "".join("<dkim><domain>d%d.example</domain><selector>s%d</selector><result>%s</result></dkim>"
                   % (i % 97, k, "pass" if (i + k) % 2 else "fail") for k in range(i % 3))
    row = ("<record><row><source_ip>%s</source_ip><count>%d</count><policy_evaluated>"
           "<disposition>%s</disposition><dkim>%s</dkim><spf>pass</spf>%s</policy_evaluated></row>"
           "<identifiers><envelope_to>ours.example</envelope_to><header_from>h%d.example</header_from>"
           "</identifiers><auth_results>%s<spf><domain>m%d.example</domain><scope>mfrom</scope>"
           "<result>pass</result></spf></auth_results></record>"
           % (ip, i % 1000 + 1, ("none", "quarantine", "reject")[i % 3], "pass" if i % 2 else "fail",
              reasons, i % 5000, dkim, i % 4000))
    expected = "|".join([
        ip, str(i % 1000 + 1), ("none", "quarantine", "reject")[i % 3], "pass" if i % 2 else "fail", "pass",
        "forwarded" if i % 7 == 0 else "", "relay %d" % i if i % 7 == 0 else "", "ours.example",
        "h%d.example" % (i % 5000),
        ",".join("d%d.example" % (i % 97) for k in range(i % 3)),
        ",".join("pass" if (i + k) % 2 else "fail" for k in range(i % 3)),
        "m%d.example" % (i % 4000)])
    return row, expected


def large_report(report_id):
    rows, expected = zip(*(record(i) for i in range(RECORDS)))
    xml = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feedback><version>1.0</version><report_metadata>"
           "<org_name>big.example</org_name><email>r@big.example</email><report_id>%s</report_id>"
           "<date_range><begin>1700000000</begin><end>1700086399</end></date_range></report_metadata>"
           "<policy_published><domain>ours.example</domain><p>none</p></policy_published>\n%s\n</feedback>\n"
           % (report_id, "\n".join(rows)))
    return xml.encode(), "\n".join(expected)


# The same canonical text of every stored record, in document order.
ROWS_SQL = (
    "SELECT md5(string_agg(concat_ws('|', host(c.source_ip), c.message_count, c.disposition, c.dkim_aligned,"
    " c.spf_aligned, array_to_string(c.reason_types, ','), array_to_string(c.reason_comments, ','),"
    " c.envelope_to, c.header_from, array_to_string(c.dkim_domains, ','), array_to_string(c.dkim_results, ','),"
    " array_to_string(c.spf_domains, ',')), E'\\n' ORDER BY c.id)), count(*), sum(c.message_count)"
    " FROM ingested_dmarc_record c JOIN ingested_dmarc_report r ON c.report = r.id WHERE r.report_id = '%s'")


class IngestMemoryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hs.current().postgres
        cls.dsn = cls.pg.create_database("ingest_memory")
        cls.tool = hs.binary("dmarc-reports")
        proc = subprocess.run([cls.tool, "db", "upgrade", "--database", cls.dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))
        cls.dir = os.path.dirname(hs.current().path("ingest-memory", "x"))

    def ingest(self, args, stdin=None):
        """Runs ingest; returns (exit status, stdout, stderr, peak RSS in KiB) of that process alone.

        Linux keeps the peak RSS of a process across fork and exec, so a
        child forked from this test (which holds the generated report) would
        report the test's own peak: a small Python forks it instead and
        reports its child's peak (RUSAGE_CHILDREN), as time(1) would."""
        out_path = os.path.join(self.dir, "out")
        err_path = os.path.join(self.dir, "err")
        rss_path = os.path.join(self.dir, "rss")
        measure = ("import resource, subprocess, sys\n"
                   "status = subprocess.call(sys.argv[2:])\n"
                   "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
                   "sys.exit(status)\n")
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.run([sys.executable, "-S", "-c", measure, rss_path, self.tool, "ingest", "--database",
                                   self.dsn] + list(args), input=stdin,
                                  stdin=None if stdin is not None else subprocess.DEVNULL, stdout=out, stderr=err,
                                  timeout=600)
        with open(out_path, "rb") as out, open(err_path, "rb") as err, open(rss_path) as rss:
            return proc.returncode, out.read().decode(), err.read().decode(), int(rss.read())

    def assert_stored(self, report_id, expected):
        got = self.pg.psql(ROWS_SQL % report_id, dbname="ingest_memory")
        messages = sum(i % 1000 + 1 for i in range(RECORDS))
        want = "%s|%d|%d" % (hashlib.md5(expected.encode()).hexdigest(), RECORDS, messages)
        self.assertEqual(got, want)
        header = self.pg.psql("SELECT record_count, message_count FROM ingested_dmarc_report WHERE report_id = '%s'"
                              % report_id, dbname="ingest_memory")
        self.assertEqual(header, "%d|%d" % (RECORDS, messages))

    def test_gzipped_report_mail_on_stdin(self):
        xml, expected = large_report("big-mail")
        attachment = gzip.compress(xml)
        mail = ("From: noreply@big.example\r\nTo: rua@ours.example\r\nSubject: Report Domain: ours.example\r\n"
                "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"B\"\r\n\r\n--B\r\n"
                "Content-Type: application/gzip; name=\"r.xml.gz\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                "%s\r\n--B--\r\n" % base64.encodebytes(attachment).decode()).encode()
        status, out, err, peak = self.ingest([], stdin=mail)
        self.assertEqual(status, 0, err)
        self.assertIn("stored dmarc org=big.example report_id=big-mail domain=ours.example records=%d" % RECORDS, out)
        print("\n  %d-record report (%d bytes of XML, %d gzipped) by mail: peak RSS %d KiB"
              % (RECORDS, len(xml), len(attachment), peak), flush=True)
        self.assertLess(peak, PEAK_LIMIT_KB)
        self.assert_stored("big-mail", expected)

    def test_plain_xml_file(self):
        xml, expected = large_report("big-file")
        path = os.path.join(self.dir, "big.xml")
        with open(path, "wb") as handle:
            handle.write(xml)
        status, out, err, peak = self.ingest([path])
        self.assertEqual(status, 0, err)
        self.assertIn("records=%d" % RECORDS, out)
        print("\n  %d-record report (%d bytes of XML) as a file: peak RSS %d KiB" % (RECORDS, len(xml), peak),
              flush=True)
        self.assertLess(peak, PEAK_LIMIT_KB)
        self.assert_stored("big-file", expected)

    def test_mail_over_the_bound_is_refused_early(self):
        bound = 20 * 1024 * 1024
        mail = b"From: a@b.example\r\nSubject: x\r\n\r\n" + b"x" * (bound + 8 * 1024 * 1024)
        status, _, err, peak = self.ingest([], stdin=mail)
        self.assertEqual(status, 65, err)  # EX_DATAERR
        self.assertIn("input larger than %d bytes" % bound, err)
        self.assertLess(peak, PEAK_LIMIT_KB)
