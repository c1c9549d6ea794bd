"""Helpers of the aggregate report tests: stored verdicts, runs of
`dmarc-reports send`, reading what arrived at the harness's SMTP sink."""

import contextlib
import email
import email.policy
import gzip
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

from harness import services as hs

SHARED = os.environ.get("SHARED_DATA") or os.path.join(hs.top_srcdir(), "..", "shared", "data")
XSD_9990 = os.path.join(SHARED, "dmarc-schemas", "rfc9990-dmarc-2.0.xsd")
XSD_7489 = os.path.join(SHARED, "dmarc-schemas", "derived", "rfc7489-rua-nonamespace.xsd")
NS = "{urn:ietf:params:xml:ns:dmarc-2.0}"
DAY = "2026-11-27"
DAY_BEGIN = 1795737600  # 2026-11-27T00:00:00Z
REPORTER = "dmarc-reports@receiver.test"


def lit(value):
    """An SQL literal (test-side only: the values are the tests' own)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "ARRAY[%s]::text[]" % ", ".join(lit(v) for v in value) if value else "ARRAY[]::text[]"
    return "'" + str(value).replace("'", "''") + "'"


def verdict_sql(domain, **over):
    """INSERT of one verdict row as the milter stores it (sql/0001)."""
    row = {
        "received_at": "%sT12:00:00Z" % DAY,
        "client_ip": "192.0.2.10",
        "helo": "mx.sender.test",
        "mail_from_domain": domain,
        "from_domain": domain,
        "dmarc_result": "pass",
        "dkim_aligned": True,
        "spf_aligned": True,
        "policy_domain": domain,
        "policy_record": "v=DMARC1; p=reject; rua=mailto:dmarc@%s" % domain,
        "policy_p": "reject",
        "policy_rua": ["mailto:dmarc@%s" % domain],
        "policy_ruf": [],
        "policy_fo": "0",
        "org_domain": domain,
        "disposition_applied": "pass",
        "override_reasons": [],
        "override_comments": [],
        "spf_domain": domain,
        "spf_result": "pass",
        "dkim_domains": [domain],
        "dkim_selectors": ["s1"],
        "dkim_results": ["pass"],
        "count": 1,
    }
    row.update(over)
    n = row.pop("count")
    client_ip = row.pop("client_ip_sql", None) or "%s::inet" % lit(row["client_ip"])
    sigs = len(row["dkim_domains"])
    return (
        "INSERT INTO reporting_host (name) VALUES ('mx1.receiver.test') ON CONFLICT DO NOTHING;"
        "INSERT INTO verdict (message_key, received_at, reporting_host, queue_id, client_ip, helo,"
        " mail_from_domain, rcpt_domains, from_domain, from_domains, dmarc_result, reason,"
        " dkim_aligned, spf_aligned, policy_domain, policy_record, policy_p, policy_sp, policy_np,"
        " policy_adkim, policy_aspf, policy_fo, policy_pct, policy_testing, policy_psd, policy_rua,"
        " policy_ruf, org_domain, discovery_method, policy_tag, author_domain_exists,"
        " effective_policy, disposition_requested, disposition_applied, override_reasons,"
        " override_comments, spf_domain, spf_scope, spf_result, spf_explanation, dkim_domains,"
        " dkim_selectors, dkim_results, dkim_algorithms, dkim_human_results, dkim_key_bits)"
        " SELECT gen_random_uuid(), %s::timestamptz, 'mx1.receiver.test', 'Q' || g, %s, %s,"
        " %s, ARRAY['receiver.test'], %s, ARRAY[%s], %s::dmarc_result, '', %s, %s, %s, %s,"
        " %s::dmarc_policy, NULL, NULL, 'r', 'r', %s, 100, false, 'u', %s, %s, %s,"
        " 'treewalk', 'p', true, 'reject', 'reject', %s::dmarc_disposition,"
        " %s::dmarc_override_reason[], %s, %s, 'mfrom', %s::spf_result, '', %s, %s,"
        " %s::dkim_result[], %s, %s, %s FROM generate_series(1, %d) AS g;" % (
            lit(row["received_at"]), client_ip, lit(row["helo"]),
            lit(row["mail_from_domain"]), lit(row["from_domain"]), lit(row["from_domain"]),
            lit(row["dmarc_result"]), lit(row["dkim_aligned"]), lit(row["spf_aligned"]),
            lit(row["policy_domain"]), lit(row["policy_record"]), lit(row["policy_p"]),
            lit(row["policy_fo"]), lit(row["policy_rua"]), lit(row["policy_ruf"]), lit(row["org_domain"]), lit(row["disposition_applied"]),
            lit(row["override_reasons"]), lit(row["override_comments"]), lit(row["spf_domain"]),
            lit(row["spf_result"]), lit(row["dkim_domains"]), lit(row["dkim_selectors"]),
            lit(row["dkim_results"]), lit(["rsa-sha256"] * sigs), lit([""] * sigs),
            "ARRAY[%s]::integer[]" % ", ".join(["2048"] * sigs), n))


class ReportsDatabase:
    """One fresh database with the schema, shared by a test class."""

    def __init__(self, name):
        self.pg = hs.current().postgres
        self.name = name
        self.dsn = self.pg.create_database(name)
        self.tool = hs.binary("dmarc-reports")
        proc = subprocess.run([self.tool, "db", "upgrade", "--database", self.dsn, "--sql-dir",
                               os.path.join(hs.top_srcdir(), "sql")], capture_output=True, text=True,
                              timeout=120)
        if proc.returncode != 0:
            raise AssertionError("db upgrade failed: %s%s" % (proc.stdout, proc.stderr))

    def sql(self, query):
        return self.pg.psql(query, dbname=self.name)

    def send(self, *args, timeout=300, day=DAY):
        """Runs `dmarc-reports send`; returns the CompletedProcess (text)."""
        cmd = [self.tool, "send", "--database", self.dsn, "--email", REPORTER, "--day", day,
               "--nameserver", hs.current().dns.nameserver] + list(args)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def start_send(self, *args):
        cmd = [self.tool, "send", "--database", self.dsn, "--email", REPORTER, "--day", DAY,
               "--nameserver", hs.current().dns.nameserver] + list(args)
        return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def summary(proc):
    """The key=value pairs of the summary line."""
    for line in proc.stdout.splitlines():
        if line.startswith("summary"):
            return {k: int(v) for k, v in (f.split("=") for f in line.split(": ", 1)[1].split())}
    raise AssertionError("no summary line in:\n%s\n%s" % (proc.stdout, proc.stderr))


def xmllint(xml_bytes, xsd):
    """(status, messages) of xmllint --schema on a document."""
    with tempfile.NamedTemporaryFile(suffix=".xml") as handle:
        handle.write(xml_bytes)
        handle.flush()
        proc = subprocess.run(["xmllint", "--noout", "--schema", xsd, handle.name], capture_output=True,
                              text=True)
    return proc.returncode, proc.stderr


def arrived_for(domain):
    """Messages at the sink whose Subject names the policy domain."""
    marker = ("Report Domain: %s " % domain).encode()
    return [m for m in hs.current().sink.messages() if marker in m]


def parse_mail(raw):
    """The message as email.message.EmailMessage (smtp-sink's X- lines are headers)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def report_attachment(message):
    """(filename, content type, gunzipped XML) of the report attachment."""
    for part in message.walk():
        if part.get_content_disposition() == "attachment":
            return part.get_filename(), part.get_content_type(), gzip.decompress(part.get_content())
    raise AssertionError("no attachment in the report mail")


def records(xml_bytes):
    """The report's records as dicts, namespace removed."""
    root = ET.fromstring(xml_bytes)
    for element in root.iter():
        element.tag = element.tag.split("}", 1)[-1]
    out = []
    for record in root.findall("record"):
        row = record.find("row")
        out.append({
            "source_ip": row.findtext("source_ip"),
            "count": int(row.findtext("count")),
            "disposition": row.findtext("policy_evaluated/disposition"),
            "dkim": row.findtext("policy_evaluated/dkim"),
            "spf": row.findtext("policy_evaluated/spf"),
            "reasons": [(r.findtext("type"), r.findtext("comment")) for r in
                        row.findall("policy_evaluated/reason")],
            "header_from": record.findtext("identifiers/header_from"),
            "envelope_from": record.findtext("identifiers/envelope_from"),
            "dkim_auth": [(d.findtext("domain"), d.findtext("selector"), d.findtext("result")) for d in
                          record.findall("auth_results/dkim")],
            "spf_auth": [(s.findtext("domain"), s.findtext("scope"), s.findtext("result")) for s in
                         record.findall("auth_results/spf")],
        })
    return root, out


class AuthSmtpServer:
    """A minimal SMTP server on loopback for the relay tests that Postfix's
    harness instance does not cover: STARTTLS (self-signed certificate) and
    AUTH PLAIN with a known password. It records the commands it saw and the
    messages it accepted; `starttls=False` offers no STARTTLS; `cert_pair`
    replaces the self-signed certificate."""

    def __init__(self, workdir, user="reporter", password="s3cret", starttls=True, cert_pair=None):
        import socket
        import ssl
        import threading
        self.user, self.password, self.starttls = user, password, starttls
        self.commands, self.messages = [], []
        if cert_pair:  # (certificate, key) files, e.g. from a test CA
            cert, key = cert_pair
        else:
            cert, key = os.path.join(workdir, "relay.crt"), os.path.join(workdir, "relay.key")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                            cert, "-days", "2", "-subj", "/CN=relay.example"], check=True, capture_output=True)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(5)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def close(self):
        # Stop the accepting thread before the descriptor is closed: its
        # number is reused by the next socket the tests open, and a thread
        # still accepting on it once answered a later test's HTTPS collector
        # with this server's "220" banner (a TLS "wrong version number").
        # shutdown() wakes a blocked accept().
        import socket
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.thread.join(60)
        if self.thread.is_alive():
            raise AssertionError("the test SMTP server's thread did not stop")
        self.listener.close()

    def _serve(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            try:
                self._session(conn)
            except Exception:  # a broken client ends its session only
                pass
            finally:
                conn.close()

    def _session(self, conn):
        import base64
        stream = conn.makefile("rwb")

        def reply(text):
            stream.write(text.encode() + b"\r\n")
            stream.flush()

        reply("220 relay.example ESMTP test relay")
        tls = False
        authed = False
        while True:
            line = stream.readline().decode().rstrip("\r\n")
            if not line:
                return
            self.commands.append(line if not line.upper().startswith("AUTH") else "AUTH PLAIN ...")
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                caps = ["250-relay.example"]
                if self.starttls and not tls:
                    caps.append("250-STARTTLS")
                caps.append("250 AUTH PLAIN")
                reply("\r\n".join(caps))
            elif verb == "STARTTLS" and self.starttls and not tls:
                reply("220 go ahead")
                conn = self.context.wrap_socket(conn, server_side=True)
                stream = conn.makefile("rwb")
                tls = True
            elif verb == "AUTH":
                _, mech, blob = line.split(" ", 2)
                fields = base64.b64decode(blob).split(b"\0")
                authed = mech.upper() == "PLAIN" and fields[1:] == [self.user.encode(), self.password.encode()]
                reply("235 2.7.0 ok" if authed else "535 5.7.8 bad credentials")
            elif verb == "MAIL":
                reply("250 ok" if authed else "530 5.7.0 authentication required")
            elif verb == "RCPT":
                reply("250 ok")
            elif verb == "DATA":
                reply("354 go")
                data = []
                while True:
                    chunk = stream.readline()
                    if chunk in (b".\r\n", b""):
                        break
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                self.messages.append((tls, b"".join(data)))
                reply("250 2.0.0 queued")
            elif verb == "QUIT":
                reply("221 bye")
                return
            else:
                reply("502 unknown")
