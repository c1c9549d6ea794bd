"""`dmarc-reports check` against loopback DNS, HTTPS and SMTP (issue 8, part 3).

The harness's unbound serves each test domain's records; a local HTTPS server
(Python's ssl module, OpenSSL underneath) serves MTA-STS policies with
certificates from a test CA generated for this run, choosing the certificate
by SNI. MX hosts, all on the port of the harness's Postfix: a small STARTTLS
SMTP server on 127.0.0.3 with a test-CA certificate for mx.good-mx.example
(names under .test cannot be used: resolvers answer them NXDOMAIN locally,
RFC 6761), a plain SMTP server on 127.0.0.2 without STARTTLS, and the
harness's Postfix on 127.0.0.1, whose self-signed certificate names only
mx.good-mx.example, as an MX whose certificate does not match its name. One good domain passes with exit 0; each kind of mistake
is reported in plain words with a non-zero exit.
"""

import http.server
import os
import re
import socket
import socketserver
import ssl
import subprocess
import threading
import unittest

from harness import services as hs

GOOD_POLICY = "version: STSv1\r\nmode: enforce\r\nmx: mx.good-mx.example\r\nmax_age: 604800\r\n"


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


class TestCa:
    """A CA and leaf certificates, made fresh for this run."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=dmarc-reports test CA",
                cwd=directory)
        self.ca = os.path.join(directory, "ca.crt")

    def leaf(self, name, san, days="2"):
        d = self.dir
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                name + ".key", "-out", name + ".csr", "-subj", "/CN=" + san, cwd=d)
        with open(os.path.join(d, name + ".ext"), "w") as ext:
            ext.write("subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\n" % san)
        args = ["x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                "-out", name + ".crt", "-extfile", name + ".ext"]
        # days "-1": notAfter before now, an expired certificate.
        openssl(*(args + ["-days", days]), cwd=d)
        return os.path.join(d, name + ".crt"), os.path.join(d, name + ".key")


class PolicyHandler(http.server.BaseHTTPRequestHandler):
    """Answers per Host header from the server's `responses` table."""

    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        host = (self.headers.get("Host") or "").split(":")[0]
        status, headers, body = self.server.responses.get(host, (404, {}, b"not here\n"))
        if self.path != "/.well-known/mta-sts.txt":
            status, headers, body = 404, {}, b"wrong path\n"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietHttpServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """A threaded HTTP(S) server that keeps quiet about failed handshakes
    (test_check's MTA-STS policy host, test_reports_https's collector), but
    keeps them in failed_handshakes for a failing test's message."""
    daemon_threads = True

    def server_activate(self):
        self.failed_handshakes = []
        super().server_activate()

    def get_request(self):
        try:
            return super().get_request()  # with TLS, accept() does the handshake
        except OSError as error:
            self.failed_handshakes.append(repr(error))
            raise

    def handle_error(self, request, client_address):
        pass  # a client refusing our certificate is what some tests expect


class SmtpServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    """An MX: offers STARTTLS when `tls_context` is set, otherwise not."""

    daemon_threads = True
    allow_reuse_address = True
    tls_context = None

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            try:
                self.converse()
            except (ssl.SSLError, OSError):
                pass  # the checker hangs up after QUIT without a TLS close_notify

        def converse(self):
            conn = self.request
            conn.settimeout(30)
            reader = conn.makefile("rb")
            conn.sendall(b"220 mx ESMTP\r\n")
            tls = False
            for line in reader:
                verb = line.strip().upper()
                if verb.startswith(b"EHLO"):
                    offer = b"250-STARTTLS\r\n" if self.server.tls_context and not tls else b""
                    conn.sendall(b"250-mx\r\n" + offer + b"250 PIPELINING\r\n")
                elif verb == b"STARTTLS" and self.server.tls_context and not tls:
                    conn.sendall(b"220 go ahead\r\n")
                    conn = self.server.tls_context.wrap_socket(conn, server_side=True)
                    reader = conn.makefile("rb")
                    tls = True
                    break
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                else:
                    conn.sendall(b"502 no\r\n")
            if tls:
                for line in reader:
                    if line.strip().upper() == b"QUIT":
                        conn.sendall(b"221 bye\r\n")
                        return
                    conn.sendall(b"250 ok\r\n")


class CheckTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = hs.current()
        cls.dns = s.dns
        cls.postfix = s.postfix
        cls.tool = hs.binary("dmarc-reports")
        cls.ca = TestCa(os.path.join(s.root, "check-ca"))
        # Trust anchors: the test CA, and the Postfix certificate (self-signed).
        cls.bundle = os.path.join(s.root, "check-ca", "bundle.pem")
        with open(cls.bundle, "w") as out:
            out.write(open(cls.ca.ca).read())
            out.write(open(os.path.join(cls.postfix.etc, "smtpd.crt")).read())
        cls.contexts = {}
        # Port 0: the kernel picks a free port at bind time (free_port()
        # then bind leaves a window for another process to take it).
        cls.server = QuietHttpServer(("127.0.0.1", 0), PolicyHandler)
        cls.https_port = cls.server.server_address[1]
        cls.server.responses = {}
        default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert, key = cls.ca.leaf("default", "default.invalid")
        default.load_cert_chain(cert, key)

        def choose(sock, server_name, _context):
            if server_name in cls.contexts:
                sock.context = cls.contexts[server_name]
        default.sni_callback = choose
        cls.server.socket = default.wrap_socket(cls.server.socket, server_side=True)
        cls.thread = threading.Thread(target=cls.server.serve_forever, daemon=True)
        cls.thread.start()
        cls.smtp_port = cls.postfix.plain_port
        cls.plain_smtp = SmtpServer(("127.0.0.2", cls.smtp_port), SmtpServer.Handler)
        cls.tls_smtp = SmtpServer(("127.0.0.3", cls.smtp_port), SmtpServer.Handler)
        cls.tls_smtp.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cls.tls_smtp.tls_context.load_cert_chain(*cls.ca.leaf("mx", "mx.good-mx.example"))
        for server in (cls.plain_smtp, cls.tls_smtp):
            threading.Thread(target=server.serve_forever, daemon=True).start()
        cls.dns.add("mx.good-mx.example", "A", "127.0.0.3")
        cls.dns.add("plain.good-mx.example", "A", "127.0.0.2")
        cls.dns.add("postfix.good-mx.example", "A", "127.0.0.1")

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()
        for server in (cls.plain_smtp, cls.tls_smtp):
            server.shutdown()
            server.server_close()

    def serve(self, domain, policy=GOOD_POLICY, status=200, headers=None, cert="good", content_type="text/plain"):
        """mta-sts.<domain> answers `policy` with a certificate of kind `cert`."""
        host = "mta-sts." + domain
        if cert == "good":
            pair = self.ca.leaf(host, host)
        elif cert == "wrong-name":
            pair = self.ca.leaf(host, "other.invalid")
        elif cert == "expired":
            pair = self.ca.leaf(host + "-expired", host, days="-1")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*pair)
        self.contexts[host] = context
        all_headers = {"Content-Type": content_type}
        all_headers.update(headers or {})
        self.server.responses[host] = (status, all_headers, policy.encode())

    def publish(self, domain, mx="mx.good-mx.example", sts=True, tlsrpt=True, dmarc=None, spf="v=spf1 mx -all"):
        self.dns.remove(domain, "_dmarc." + domain, "_mta-sts." + domain, "mta-sts." + domain,
                        "_smtp._tls." + domain)
        records = [("_dmarc." + domain, "TXT", dmarc or "v=DMARC1; p=reject; rua=mailto:dmarc@" + domain)]
        if spf:
            records.append((domain, "TXT", spf))
        if mx:
            records.append((domain, "MX", "10 %s." % mx))
        if sts:
            records.append(("_mta-sts." + domain, "TXT", "v=STSv1; id=20261128T1"))
            records.append(("mta-sts." + domain, "A", "127.0.0.1"))
        if tlsrpt:
            records.append(("_smtp._tls." + domain, "TXT", "v=TLSRPTv1; rua=mailto:tlsrpt@" + domain))
        self.dns.add_records(records)

    def check(self, domain, *extra):
        proc = subprocess.run([self.tool, "check", "--dns-server", "%s@%d" % (self.dns.address, self.dns.port),
                               "--ca-file", self.bundle, "--https-port", str(self.https_port), "--smtp-port",
                               str(self.smtp_port), "--timeout", "20", "--helo", "check.harness.test"]
                              + list(extra) + [domain], capture_output=True, text=True, timeout=120)
        return proc.returncode, proc.stdout + proc.stderr

    def assert_problem(self, domain, level, text):
        code, out = self.check(domain)
        self.assertEqual(code, 2 if level == "error" else 1, "got exit %d, output:\n%s" % (code, out))
        lines = [line for line in out.splitlines() if line.strip().startswith(level) and text in line]
        self.assertTrue(lines, "no %s line with %r in:\n%s" % (level, text, out))

    def test_good_domain_passes(self):
        self.publish("good.example")
        self.serve("good.example")
        code, out = self.check("good.example")
        self.assertEqual(code, 0, out)
        self.assertIn("STARTTLS MX mx.good-mx.example: TLSv1.", out)
        self.assertIn("policy valid, mode enforce", out)

    def test_suggest_prints_records_and_policy(self):
        self.publish("good2.example", sts=False, tlsrpt=False)
        code, out = self.check("good2.example", "--suggest")
        self.assertEqual(code, 1, out)  # warnings: no MTA-STS, no TLS-RPT
        self.assertIn('_mta-sts.good2.example. IN TXT "v=STSv1; id=', out)
        self.assertIn('_smtp._tls.good2.example. IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good2.example"', out)
        self.assertIn("mx: mx.good-mx.example\n", out)
        self.assertIn("mode: testing\n", out)

    def test_missing_dmarc_record(self):
        self.publish("nodmarc.example", dmarc="not a dmarc record")
        self.serve("nodmarc.example")
        self.assert_problem("nodmarc.example", "error", "no DMARC record")

    def test_subdomain_without_record_explains_which_applies(self):
        # RFC 9989 section 4.10: no record at _dmarc.sub.inherit.example, so
        # the Organizational Domain's applies through sp; an RFC 7489
        # receiver (Public Suffix List) reaches the same record.
        self.publish("sub.inherit.example")
        self.dns.remove("_dmarc.sub.inherit.example")
        self.dns.remove("_dmarc.inherit.example")
        self.dns.add("_dmarc.inherit.example", "TXT",
                     "v=DMARC1; p=reject; sp=quarantine; rua=mailto:dmarc@inherit.example")
        self.serve("sub.inherit.example")
        code, out = self.check("sub.inherit.example")
        self.assertEqual(code, 0, out)
        self.assertIn("ok      DMARC    no DMARC record at _dmarc.sub.inherit.example; receivers following RFC 9989 "
                      "use the record at _dmarc.inherit.example, the Organizational Domain found by the DNS tree "
                      "walk (section 4.10.2): sp=quarantine applies to this domain; receivers following RFC 7489 "
                      "(Public Suffix List) use the same record\n", out)
        # psd=n one level down: the tree walk stops there, the PSL does not.
        self.dns.add("_dmarc.deep.inherit.example", "TXT", "v=DMARC1; p=none; psd=n")
        self.dns.add("x.deep.inherit.example", "A", "127.0.0.1")
        code, out = self.check("x.deep.inherit.example", "--no-starttls")
        lines = [line for line in out.splitlines() if line.split()[1:2] == ["DMARC"]]
        self.assertEqual(len(lines), 1, out)
        self.assertTrue(lines[0].strip().startswith("warning"), out)
        self.assertIn("RFC 9989 use the record at _dmarc.deep.inherit.example", lines[0])
        self.assertIn("p=none (the record has no sp) applies to this domain, which is monitoring only", lines[0])
        self.assertIn("RFC 7489 use the record at _dmarc.inherit.example instead", lines[0])
        self.assertIn("sp=quarantine applies for them", lines[0])
        # Section signs in our references are spelled out, not mangled.
        self.assertIn("(RFC 5321 section 5.1)", out)
        self.assertNotIn("??", out)
        # Nothing up the tree either: an error that says so.
        self.dns.add("x.nothing-above.example", "A", "127.0.0.1")
        code, out = self.check("x.nothing-above.example", "--no-starttls")
        self.assertEqual(code, 2, out)
        self.assertIn("no DMARC record at _dmarc.x.nothing-above.example, nor at a parent domain", out)

    def test_policy_applied_after_testing_mode_and_duplicates(self):
        # RFC 9989 section 4.7: t=y asks receivers for one level lower, so
        # p=quarantine with t=y is monitoring only, and an inherited p=reject
        # with t=y quarantines.
        self.publish("trial.inherit.example", dmarc="v=DMARC1; p=quarantine; t=y; rua=mailto:d@trial.inherit.example")
        code, out = self.check("trial.inherit.example", "--no-starttls")
        self.assertIn("warning DMARC    policy p=quarantine with t=y, so none: monitoring only", out)
        self.dns.remove("_dmarc.ttest.example")
        self.dns.add("_dmarc.ttest.example", "TXT", "v=DMARC1; p=reject; t=y")
        self.dns.add("sub.ttest.example", "A", "127.0.0.1")
        code, out = self.check("sub.ttest.example", "--no-starttls")
        self.assertIn("RFC 9989 use the record at _dmarc.ttest.example, the Organizational Domain found by the DNS "
                      "tree walk (section 4.10.2): p=reject (the record has no sp) with t=y, so quarantine applies "
                      "to this domain", out)
        # Two records at _dmarc.<domain>: none applies there; the tree walk
        # goes on to the Organizational Domain, an RFC 7489 receiver stops.
        self.dns.remove("_dmarc.twice.ttest.example")
        self.dns.add_records([("_dmarc.twice.ttest.example", "TXT", "v=DMARC1; p=none"),
                              ("_dmarc.twice.ttest.example", "TXT", "v=DMARC1; p=reject"),
                              ("twice.ttest.example", "A", "127.0.0.1")])
        code, out = self.check("twice.ttest.example", "--no-starttls")
        self.assertEqual(code, 2, out)
        self.assertIn("error   DMARC    2 DMARC records at _dmarc.twice.ttest.example: receivers ignore them all "
                      "(RFC 9989 section 4.10); keep exactly one; until then receivers following RFC 9989 use the "
                      "record at _dmarc.ttest.example instead (p=reject (the record has no sp) with t=y, so "
                      "quarantine) and receivers following RFC 7489 apply none\n", out)

    def test_unauthorised_external_rua(self):
        self.publish("extrua.example", dmarc="v=DMARC1; p=reject; rua=mailto:reports@elsewhere.example")
        self.serve("extrua.example")
        self.assert_problem("extrua.example", "error", "not authorised")
        self.dns.add("extrua.example._report._dmarc.elsewhere.example", "TXT", "v=DMARC1")
        code, out = self.check("extrua.example")
        self.assertEqual(code, 0, out)

    def test_spf_too_many_lookups(self):
        includes = " ".join("include:s%d.spf.example" % i for i in range(11))
        self.dns.add_records([("s%d.spf.example" % i, "TXT", "v=spf1 -all") for i in range(11)])
        self.publish("spf11.example", spf="v=spf1 " + includes + " -all")
        self.serve("spf11.example")
        self.assert_problem("spf11.example", "error", "11 DNS lookups")

    def test_no_mx(self):
        self.publish("nomx.example", mx=None)
        self.serve("nomx.example")
        self.assert_problem("nomx.example", "error", "no MX record")

    def test_bad_sts_txt_record(self):
        self.publish("badtxt.example")
        self.dns.remove("_mta-sts.badtxt.example")
        self.dns.add("_mta-sts.badtxt.example", "TXT", "v=STSv1; id=not-alnum!")
        self.assert_problem("badtxt.example", "error", "characters other than letters and digits")

    def test_policy_redirect_not_followed(self):
        self.publish("redirect.example")
        self.serve("redirect.example", policy="", status=301,
                   headers={"Location": "https://mta-sts.good.example/.well-known/mta-sts.txt"})
        self.assert_problem("redirect.example", "error", "redirects are not followed")

    def test_policy_not_found(self):
        self.publish("nopolicy.example")
        self.serve("nopolicy.example", policy="gone", status=404)
        self.assert_problem("nopolicy.example", "error", "HTTP status 404")

    def test_policy_certificate_wrong_name(self):
        self.publish("wrongname.example")
        self.serve("wrongname.example", cert="wrong-name")
        self.assert_problem("wrongname.example", "error", "certificate of mta-sts.wrongname.example not valid")

    def test_policy_certificate_expired(self):
        self.publish("expired.example")
        self.serve("expired.example", cert="expired")
        self.assert_problem("expired.example", "error", "expired")

    def test_policy_untrusted_without_test_ca(self):
        self.publish("untrusted.example")
        self.serve("untrusted.example")
        empty = os.path.join(self.ca.dir, "other-ca.pem")
        TestCa(os.path.join(self.ca.dir, "other"))
        with open(empty, "w") as out:
            out.write(open(os.path.join(self.ca.dir, "other", "ca.crt")).read())
        proc = subprocess.run([self.tool, "check", "--dns-server", "%s@%d" % (self.dns.address, self.dns.port),
                               "--ca-file", empty, "--https-port", str(self.https_port), "--no-starttls",
                               "untrusted.example"], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 2, proc.stdout)
        self.assertIn("unable to get local issuer certificate", proc.stdout)

    def test_policy_syntax_errors(self):
        self.publish("syntax.example")
        self.serve("syntax.example", policy="version: STSv1\nmode: strict\nmax_age: 99999999999\n")
        code, out = self.check("syntax.example")
        self.assertEqual(code, 2, out)
        self.assertIn("mode is 'strict'", out)
        self.assertIn("max_age '99999999999' is not 1 to 10 digits", out)

    def test_policy_too_large(self):
        self.publish("large.example")
        self.serve("large.example", policy=GOOD_POLICY + "x" * (70 * 1024))
        self.assert_problem("large.example", "error", "larger than 65536 bytes")

    def test_mx_not_matched_by_policy(self):
        self.publish("nomatch.example")
        self.serve("nomatch.example", policy=GOOD_POLICY.replace("mx.good-mx.example", "*.other.example"))
        self.assert_problem("nomatch.example", "error", "MX mx.good-mx.example is not matched")

    def test_wildcard_matches_one_label_only(self):
        # *.good-mx.example matches mx.good-mx.example; *.example does not (two labels).
        self.publish("wild.example")
        self.serve("wild.example", policy=GOOD_POLICY.replace("mx: mx.good-mx.example", "mx: *.example"))
        self.assert_problem("wild.example", "error", "MX mx.good-mx.example is not matched")
        self.serve("wild.example", policy=GOOD_POLICY.replace("mx: mx.good-mx.example", "mx: *.good-mx.example"))
        code, out = self.check("wild.example")
        self.assertEqual(code, 0, out)

    def test_testing_mode_is_a_warning(self):
        self.publish("testing.example")
        self.serve("testing.example", policy=GOOD_POLICY.replace("enforce", "testing"))
        self.assert_problem("testing.example", "warning", "policy mode testing")

    def test_mx_certificate_name_mismatch(self):
        # postfix.good-mx.example reaches the harness Postfix, which offers
        # STARTTLS with a certificate naming mx.harness.test only.
        self.publish("mismatch.example", mx="postfix.good-mx.example")
        self.serve("mismatch.example", policy=GOOD_POLICY.replace("mx.good-mx.example", "postfix.good-mx.example"))
        self.assert_problem("mismatch.example", "error", "certificate not valid for postfix.good-mx.example")
        # The same server is fine for a client that asks for the right name:
        # the certificate chains (it is in the trust bundle) and is current.
        code, out = self.check("mismatch.example")
        self.assertIn("TLSv1.", out)

    def test_mx_without_starttls(self):
        self.publish("plain.example", mx="plain.good-mx.example")
        self.serve("plain.example", policy=GOOD_POLICY.replace("mx.good-mx.example", "plain.good-mx.example"))
        self.assert_problem("plain.example", "error", "STARTTLS not offered")

    def test_missing_tlsrpt_and_bad_tlsrpt(self):
        self.publish("notlsrpt.example", tlsrpt=False)
        self.serve("notlsrpt.example")
        self.assert_problem("notlsrpt.example", "warning", "no TXT record")
        self.dns.add("_smtp._tls.notlsrpt.example", "TXT", "v=TLSRPTv1; rua=ftp://x.example")
        self.assert_problem("notlsrpt.example", "error", "neither mailto: nor https:")

    def test_dns_failure_is_not_no_record(self):
        self.dns.refuse_zone("broken.example")
        try:
            self.assert_problem("broken.example", "error", "DNS lookup of _dmarc.broken.example failed")
        finally:
            self.dns.unrefuse_zone("broken.example")

    def test_results_stored_and_shown_on_the_overview(self):
        # Without a database check only prints; with one it stores each
        # check's result, and the overview's Posture section shows each
        # domain's latest run with what to fix, as text.
        pg = hs.current().postgres
        dsn = pg.create_database("posture")
        proc = subprocess.run([self.tool, "db", "upgrade", "--database", dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.publish("stored.example", tlsrpt=False)
        self.serve("stored.example")
        code, printed = self.check("stored.example")
        self.assertEqual(code, 1, printed)
        code, out = self.check("stored.example", "--database", dsn)
        self.assertEqual((code, out), (1, printed))
        rows = pg.psql("SELECT check_name || ' ' || status || ' ' || (fix <> '') FROM posture_check"
                       " WHERE domain = 'stored.example' ORDER BY 1", dbname="posture")
        self.assertEqual(rows.splitlines(), ["DMARC ok false", "MTA-STS ok false", "MX ok false", "SPF ok false",
                                             "STARTTLS ok false", "TLS-RPT warning true"])
        # A later run replaces it on the page; its record quotes markup.
        self.publish("stored.example", tlsrpt=False, dmarc="v=DMARC1; p=<script>alert(1)</script>")
        code, out = self.check("stored.example", "--database", dsn, "--no-starttls")
        self.assertEqual(code, 2, out)
        code, out = self.check("stored.example", "--database", dsn, "--no-store")
        self.assertEqual(pg.psql("SELECT count(DISTINCT checked_at) FROM posture_check", dbname="posture"), "2")
        # A database that cannot be reached: the findings, then exit 69.
        code, out = self.check("stored.example", "--database", "host=/nonexistent dbname=x")
        self.assertEqual(code, 69, out)
        self.assertIn("results not stored: cannot connect to the database", out)
        self.assertIn("stored.example\n  error   DMARC", out)
        page = self.overview(dsn)
        self.assertNotIn("<script", page)
        posture = page[page.index('id="posture"'):]
        cells = re.findall(r'<tr><th scope="row">stored\.example</th><td>([A-Z-]+)</td><td>(\w+)</td>', posture)
        self.assertEqual(cells, [("DMARC", "error"), ("TLS-RPT", "warning"), ("MTA-STS", "ok"), ("MX", "ok"),
                                 ("SPF", "ok")])
        self.assertIn("p=&lt;script&gt;alert(1)&lt;/script&gt;", posture)
        self.assertIn("Publish exactly one valid record at _dmarc.stored.example", posture)
        self.assertIn("Publish _smtp._tls.stored.example TXT", posture)
        self.assertIn(socket.gethostname(), posture)
        self.assertIn("No check has been run", self.overview(dsn, "--domain", "unchecked.example"))

    def overview(self, dsn, *extra):
        proc = subprocess.run([self.tool, "overview", "--database", dsn, "--output", "-", "--days", "1",
                               "--time-zone", "UTC", "--no-reverse-dns"] + list(extra),
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return proc.stdout


if __name__ == "__main__":
    unittest.main()


class IngestSummaryCheckManTest(unittest.TestCase):
    """Every option in the --help of ingest, summary and check is in the man page (STYLE.md 19)."""

    def test_every_option_is_documented(self):
        import re
        with open(os.path.join(hs.top_srcdir(), "man", "dmarc-reports.8.in")) as handle:
            page = handle.read().replace("\\-", "-")
        for subcommand in ("ingest", "summary", "check"):
            with self.subTest(subcommand):
                proc = subprocess.run([hs.binary("dmarc-reports"), subcommand, "--help"], capture_output=True,
                                      text=True, timeout=60)
                self.assertEqual(proc.returncode, 0, proc.stderr)
                options = set(re.findall(r"--[a-z0-9-]+", proc.stdout)) - {"--help"}
                self.assertGreater(len(options), 2)
                missing = sorted(o for o in options if o not in page)
                self.assertEqual(missing, [], "options of %s missing from the man page" % subcommand)
