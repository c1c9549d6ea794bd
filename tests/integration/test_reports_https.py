"""`dmarc-reports send --https-delivery`: reports POSTed to https rua URIs
(issue 7, "https rua URIs are recorded and skipped unless enabled").

A report collector runs on 127.0.0.1 for this class: Python's http.server
wrapped in ssl, with certificates from a test CA made for this run, chosen
by SNI; the harness's unbound gives each collector host that address
(names under .example: resolvers answer .test NXDOMAIN locally, RFC 6761).
The collector records every request it gets and answers each host with the
status the test sets, so the tests check what arrived (method, target,
headers, a gzip body holding a schema-valid report) and what the database
recorded: a delivery, a 500 retried on the next run, a certificate for the
wrong name refused before anything is sent, a redirect not followed, and
https left alone when the option is off.
"""

import gzip
import http.server
import os
import ssl
import threading
import unittest

from harness import services as hs
from integration.reports_util import (DAY_BEGIN, XSD_9990, ReportsDatabase, records, summary,
                                      verdict_sql, xmllint)
from integration.test_check import QuietHttpServer, TestCa


class CollectorHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):  # noqa: N802 (http.server's naming)
        host = (self.headers.get("Host") or "").split(":")[0]
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        self.server.requests.append({"host": host, "method": "POST", "path": self.path,
                                     "headers": dict(self.headers.items()), "body": body})
        status, headers = self.server.responses.get(host, (404, {}))
        reply = b"stored\n" if status < 300 else b"collector says %d\n" % status
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def do_GET(self):  # noqa: N802
        self.server.requests.append({"host": self.headers.get("Host"), "method": "GET", "path": self.path})
        self.send_response(405)
        self.end_headers()

    def log_message(self, *args):
        pass


class ReportHttpsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = hs.current()
        cls.dns = s.dns
        cls.db = ReportsDatabase("reports_https")
        cls.ca = TestCa(os.path.join(s.root, "https-rua-ca"))
        cls.server = QuietHttpServer(("127.0.0.1", 0), CollectorHandler)  # a free port, no race
        cls.port = cls.server.server_address[1]
        cls.server.requests = []
        cls.server.responses = {}
        cls.contexts = {}
        default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        default.load_cert_chain(*cls.ca.leaf("collector-default", "default.invalid"))

        def choose(sock, server_name, _context):
            if server_name in cls.contexts:
                sock.context = cls.contexts[server_name]
        default.sni_callback = choose
        cls.server.socket = default.wrap_socket(cls.server.socket, server_side=True)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.hosts = []

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        if cls.hosts:
            cls.dns.remove(*cls.hosts)

    def collector(self, host, status=200, headers=None, cert_name=None):
        """`host` resolves to the collector, which answers it with `status`."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*self.ca.leaf(host, cert_name or host))
        self.contexts[host] = context
        self.server.responses[host] = (status, headers or {})
        self.dns.add(host, "A", "127.0.0.1")
        self.hosts.append(host)

    def requests_for(self, host):
        return [r for r in self.server.requests if r["host"] == host]

    def publish(self, domain, uri, count=1):
        rua = [uri]
        self.db.sql(verdict_sql(domain, count=count, policy_rua=rua,
                                policy_record="v=DMARC1; p=reject; rua=" + ",".join(rua)))

    def why(self, proc):
        """A failing assertion's message: the run's output and the server's side."""
        return "%s%s\nhandshakes the collector saw fail: %s" % (proc.stdout, proc.stderr,
                                                                  self.server.failed_handshakes)

    def send(self, domain, *extra):
        return self.db.send("--domain", domain, "--https-delivery", "--https-ca-file", self.ca.ca,
                            "--https-timeout", "30", *extra)

    def attempts(self, domain):
        return self.db.sql(
            "SELECT string_agg(a.transport || ':' || a.outcome::text, ',' ORDER BY a.id) FROM "
            "report_delivery_attempt a JOIN report_destination d ON d.id = a.destination "
            "JOIN aggregate_report r ON r.id = d.report WHERE r.policy_domain = '%s'" % domain)

    def destination(self, domain):
        return self.db.sql("SELECT d.status || '|' || d.attempts || '|' || d.reason FROM report_destination d "
                           "JOIN aggregate_report r ON r.id = d.report WHERE r.policy_domain = '%s'" % domain)

    def test_post_carries_the_gzip_of_a_valid_report(self):
        d, host = "httpsok.example", "reports.httpsok.example"
        self.collector(host)
        self.publish(d, "https://%s:%d/dmarc/v1?k=1" % (host, self.port), count=3)
        proc = self.send(d)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual(summary(proc)["sent"], 1, proc.stdout + proc.stderr)
        (req,) = self.requests_for(host)
        self.assertEqual((req["method"], req["path"]), ("POST", "/dmarc/v1?k=1"))
        report_id, filename = self.db.sql("SELECT report_id || '|' || filename FROM aggregate_report "
                                          "WHERE policy_domain = '%s'" % d).split("|")
        headers = req["headers"]
        self.assertEqual(headers["Content-Type"], "application/gzip")
        self.assertEqual(headers["Content-Disposition"], 'attachment; filename="%s"' % filename)
        self.assertEqual(filename, "receiver.test!%s!%d!%d!%s.xml.gz" % (d, DAY_BEGIN, DAY_BEGIN + 86399, report_id))
        self.assertEqual(headers["Subject"],
                         "Report Domain: %s Submitter: receiver.test Report-ID: <%s>" % (d, report_id))
        self.assertEqual(headers["Host"], "%s:%d" % (host, self.port))
        self.assertEqual(int(headers["Content-Length"]), len(req["body"]))
        xml = gzip.decompress(req["body"])
        status, messages = xmllint(xml, XSD_9990)
        self.assertEqual(status, 0, messages)
        root, recs = records(xml)
        self.assertEqual(root.findtext("report_metadata/report_id"), report_id)
        self.assertEqual(sum(r["count"] for r in recs), 3)
        self.assertEqual(self.attempts(d), "https:delivered")
        self.assertEqual(self.destination(d), "delivered|1|")
        # a rerun posts nothing again
        again = self.send(d)
        self.assertEqual(summary(again)["sent"], 0, again.stdout + again.stderr)
        self.assertEqual(len(self.requests_for(host)), 1)

    def test_server_error_is_a_failed_attempt_retried_next_run(self):
        d, host = "https500.example", "reports.https500.example"
        self.collector(host, status=500)
        self.publish(d, "https://%s:%d/rua" % (host, self.port))
        proc = self.send(d)
        self.assertEqual(proc.returncode, 75, proc.stdout + proc.stderr)  # EX_TEMPFAIL
        self.assertEqual(summary(proc)["failed"], 1)
        self.assertIn("HTTP 500", proc.stderr, self.why(proc))
        self.assertEqual(self.attempts(d), "https:tempfail")
        status, attempts, reason = self.destination(d).split("|")
        self.assertEqual((status, attempts), ("pending", "1"))
        self.assertIn("HTTP 500", reason)
        # not due yet: the back-off holds
        early = self.send(d)
        self.assertEqual(summary(early)["postponed"], 1, early.stdout)
        self.assertEqual(len(self.requests_for(host)), 1)
        # the back-off is over and the collector is fixed: the same report
        self.server.responses[host] = (200, {})
        self.db.sql("UPDATE report_destination SET next_attempt_at = now() - interval '1 second'")
        later = self.send(d)
        self.assertEqual(summary(later)["sent"], 1, later.stdout + later.stderr)
        first, second = self.requests_for(host)
        self.assertEqual(first["headers"]["Content-Disposition"], second["headers"]["Content-Disposition"])
        self.assertEqual(gzip.decompress(first["body"]), gzip.decompress(second["body"]))
        self.assertEqual(self.attempts(d), "https:tempfail,https:delivered")

    def test_certificate_for_another_name_is_refused(self):
        d, host = "httpsbadcert.example", "reports.httpsbadcert.example"
        self.collector(host, cert_name="other.invalid")
        self.publish(d, "https://%s:%d/rua" % (host, self.port))
        proc = self.send(d)
        self.assertEqual(proc.returncode, 75, proc.stdout + proc.stderr)
        self.assertEqual(summary(proc)["failed"], 1)
        self.assertIn("not valid", proc.stderr)
        self.assertEqual(self.requests_for(host), [])  # nothing sent to an unverified server
        self.assertEqual(self.attempts(d), "https:tempfail")
        status, _, reason = self.destination(d).split("|")
        self.assertEqual(status, "pending")
        self.assertIn("certificate of %s not valid" % host, reason)

    def test_redirect_is_not_followed(self):
        d, host = "httpsmoved.example", "reports.httpsmoved.example"
        self.collector(host, status=302, headers={"Location": "https://%s:%d/elsewhere" % (host, self.port)})
        self.publish(d, "https://%s:%d/rua" % (host, self.port))
        proc = self.send(d)
        self.assertEqual(summary(proc)["failed"], 1, proc.stdout + proc.stderr)
        self.assertEqual([r["path"] for r in self.requests_for(host)], ["/rua"], self.why(proc))
        self.assertEqual(self.attempts(d), "https:permfail")
        self.assertIn("not followed", self.destination(d))

    def test_dry_run_posts_nothing(self):
        d, host = "httpsdry.example", "reports.httpsdry.example"
        self.collector(host)
        self.publish(d, "https://%s:%d/rua" % (host, self.port))
        proc = self.send(d, "--dry-run")
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("would-post domain=%s" % d, proc.stdout)
        self.assertEqual(summary(proc)["sent"], 1)
        self.assertEqual(self.requests_for(host), [])
        self.assertEqual(self.db.sql("SELECT count(*) FROM aggregate_report WHERE policy_domain = '%s'" % d), "0")

    def test_https_stays_skipped_without_the_option(self):
        d, host = "httpsoff.example", "reports.httpsoff.example"
        self.collector(host)
        self.publish(d, "https://%s:%d/rua" % (host, self.port))
        proc = self.db.send("--domain", d, "--https-ca-file", self.ca.ca)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertEqual((summary(proc)["sent"], summary(proc)["skipped"]), (0, 1), proc.stdout)
        self.assertIn("https rua recorded, not enabled", proc.stdout)
        self.assertEqual(self.requests_for(host), [])
        self.assertEqual(self.destination(d), "skipped|0|https rua recorded, not enabled")
        self.assertEqual(self.attempts(d), "")


if __name__ == "__main__":
    unittest.main()
