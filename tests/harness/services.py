"""Real services for the integration and end-to-end tests.

Every service runs from one private temporary directory, on loopback only:

  Postgres  a private PostgreSQL 15 cluster (initdb as the postgres user when
            the tests run as root), reachable on a Unix socket in the temp dir.
  Unbound   unbound on 127.0.0.1 (and ::1) at a free port, serving only what
            the tests put into it (local-data, changed at run time through
            unbound-control on a Unix socket); every other name is NXDOMAIN,
            so nothing ever leaves the machine.
  Postfix   a private Postfix instance (own config and queue directories)
            with two SMTP listeners on 127.0.0.1/::1: `plain_port` without a
            milter and `milter_port` whose smtpd_milters points at
            `milter_socket`. XCLIENT is allowed from loopback, so a test can
            present any client address, HELO and SMTP AUTH login. Mail is
            relayed to an smtp-sink that dumps every message to a file.

Services are started once per run by `Services.start()` (tests/integration/
run.py does it) and stopped by `Services.stop()`, also on failure or
interruption. Readiness is always checked by talking to the service (a
query, a banner, pg_ctl -w), never by sleeping for a fixed time.
"""

import contextlib
import os
import pwd
import shutil
import signal
import smtplib
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time


class HarnessError(RuntimeError):
    """A service could not be started or did not answer."""


def isolate(script):
    """Re-run script (a test runner, with this process's arguments) in private
    network, mount and UTS namespaces.

    Inside, only loopback exists (so no test can ever send a packet beyond
    127.0.0.0/8, even by accident through the system resolver), the host name
    is mx.harness.test and /etc/hosts is a private file naming it (Sendmail
    insists on a qualified host name that resolves)."""
    if os.environ.get("HARNESS_ISOLATED") == "1" or os.geteuid() != 0 or os.environ.get("HARNESS_NO_NETNS"):
        return
    os.environ["HARNESS_ISOLATED"] = "1"
    setup = ("ip link set lo up && "
              "hosts=$(mktemp) && "
              "printf '127.0.0.1 localhost mx.harness.test mx\\n::1 localhost ip6-localhost ip6-loopback\\n' > $hosts && "
              "mount --bind $hosts /etc/hosts && hostname mx.harness.test && "
              "exec \"$0\" \"$@\"")
    os.execvp("unshare", ["unshare", "--net", "--mount", "--uts", "--propagation", "private", "--",
                          "/bin/sh", "-c", setup, sys.executable, os.path.abspath(script)] + sys.argv[1:])


def is_root():
    return os.geteuid() == 0


def top_srcdir():
    return os.environ.get("TOP_SRCDIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def top_builddir():
    return os.environ.get("TOP_BUILDDIR", top_srcdir())


def binary(name):
    """Path of one of our programs: $DMARC_MILTER / $DMARC_REPORTS or the build tree."""
    env = name.upper().replace("-", "_")
    if os.environ.get(env):
        return os.environ[env]
    sub = {"dmarc-milter": "milter", "dmarc-reports": "reporting"}.get(name, "tests/tools")
    return os.path.join(top_builddir(), sub, name)


_ports_given = set()
_ports_lock = threading.Lock()


def free_port(host="127.0.0.1"):
    """A TCP and UDP port that is free right now on host and was not given
    out before in this process. The services pick their ports before any of
    them binds, so a port free now may already be promised to another: once
    unbound (TCP and UDP, SO_REUSEPORT) and Postfix got the same one, and
    TCP connections meant for Postfix reached unbound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with _ports_lock:
        for _ in range(200):
            with socket.socket(family, socket.SOCK_STREAM) as tcp:
                tcp.bind((host, 0))
                port = tcp.getsockname()[1]
                if port in _ports_given:
                    continue
                with socket.socket(family, socket.SOCK_DGRAM) as udp:
                    try:
                        udp.bind((host, port))
                    except OSError:
                        continue
            _ports_given.add(port)
            return port
    raise HarnessError("no free port found on %s" % host)


def wait_until(predicate, timeout, what):
    """Poll predicate() until it is true; a readiness check with a deadline."""
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            raise HarnessError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def run(cmd, check=True, user=None, **kwargs):
    """Run a command, as `user` when we are root; raise HarnessError with its output."""
    if user and is_root():
        cmd = ["runuser", "-u", user, "--"] + list(cmd)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise HarnessError("command failed (%d): %s\n%s" % (proc.returncode, " ".join(cmd), proc.stdout))
    return proc


def have_ipv6_loopback():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def smtp_dialogue(client, message, mail_from, rcpts):
    """MAIL, RCPT, DATA on a greeted client; (code, reply) of the final answer
    or of the first refused command. Quits the client."""
    if isinstance(message, str):
        message = message.encode()
    try:
        code, reply = client.mail(mail_from)
        if code >= 400:
            return code, reply.decode(errors="replace")
        for rcpt in rcpts:
            code, reply = client.rcpt(rcpt)
            if code >= 400:
                return code, reply.decode(errors="replace")
        code, reply = client.data(message)
        return code, reply.decode(errors="replace")
    except smtplib.SMTPDataError as err:
        return err.smtp_code, err.smtp_error.decode(errors="replace")
    finally:
        with contextlib.suppress(Exception):
            client.quit()


def smtp_send(host, port, message, mail_from, rcpts, helo="client.harness.test", timeout=120):
    client = smtplib.SMTP(host, port, local_hostname=helo, timeout=timeout)
    client.ehlo()
    return smtp_dialogue(client, message, mail_from, rcpts)


class Service:
    name = "service"

    def __init__(self, root):
        self.dir = os.path.join(root, self.name)
        os.makedirs(self.dir, exist_ok=True)
        os.chmod(self.dir, 0o755)
        self.started = False
        self.proc = None  # the server process, for services run in the foreground

    def stop(self):
        """Stops a foreground server process: SIGTERM, then SIGKILL after 10 s."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.started = False

    def log_files(self):
        return []

    def logs(self, limit=200):
        out = []
        for path in self.log_files():
            try:
                with open(path, errors="replace") as handle:
                    lines = handle.readlines()[-limit:]
            except OSError:
                continue
            out.append("----- %s (last %d lines) -----\n%s" % (path, len(lines), "".join(lines)))
        return "\n".join(out)


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


def postgres_bindir():
    for candidate in ("/usr/lib/postgresql/15/bin",):
        if os.path.exists(os.path.join(candidate, "initdb")):
            return candidate
    found = shutil.which("pg_config")
    if found:
        return subprocess.run([found, "--bindir"], stdout=subprocess.PIPE, text=True).stdout.strip()
    raise HarnessError("PostgreSQL 15 server binaries not found: apt-get install postgresql")


class Postgres(Service):
    """A private PostgreSQL cluster on a Unix socket in the temp dir."""

    name = "postgres"
    superuser = "postgres"

    def __init__(self, root, name=None, tcp_port=None, durable=False):
        # A second cluster (a standby) needs its own name; tcp_port: listen on
        # 127.0.0.1 at that port too (replication, multi-host strings);
        # durable: fsync on, as in production (the benchmarks), else off.
        self.name = name or self.name
        self.tcp_port = tcp_port
        self.durable = durable
        super().__init__(root)
        self.bindir = postgres_bindir()
        self.data = os.path.join(self.dir, "data")
        self.sockdir = os.path.join(self.dir, "sock")
        self.logfile = os.path.join(self.dir, "postgres.log")
        # Without tcp_port, only names the socket file inside our private sockdir.
        self.port = tcp_port or 5432
        self.user = "postgres" if is_root() else None

    def log_files(self):
        return [self.logfile]

    def _own(self, *paths):
        if self.user:
            pw = pwd.getpwnam(self.user)
            for path in paths:
                os.chown(path, pw.pw_uid, pw.pw_gid)

    def start(self):
        os.makedirs(self.sockdir, exist_ok=True)
        open(self.logfile, "a").close()
        self._own(self.dir, self.sockdir, self.logfile)
        if not os.path.exists(self.data):
            run([os.path.join(self.bindir, "initdb"), "-D", self.data, "-A", "trust", "-U",
                 self.superuser, "-E", "UTF8", "--no-sync", "--locale=C"], user=self.user)
        listen = "127.0.0.1" if self.tcp_port else ""
        options = "-k %s -c listen_addresses='%s' -p %d" % (self.sockdir, listen, self.port)
        if not self.durable:
            options += " -c fsync=off -c full_page_writes=off"
        # pg_ctl -w waits until the server accepts connections.
        run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-l", self.logfile, "-w", "-t",
             "180", "-o", options, "start"], user=self.user)
        self.started = True
        self.psql("SELECT 1")

    def stop(self, mode="fast"):
        if not self.started:
            return
        run([os.path.join(self.bindir, "pg_ctl"), "-D", self.data, "-w", "-m", mode, "stop"],
            user=self.user, check=False)
        self.started = False

    def restart(self):
        self.stop()
        self.start()

    def dsn(self, dbname="postgres", user=None):
        """A libpq connection string for one database of this cluster."""
        return "host=%s port=%d dbname=%s user=%s" % (self.sockdir, self.port, dbname,
                                                       user or self.superuser)

    def psql(self, sql, dbname="postgres", user=None):
        """Run SQL with psql; returns the unaligned, tuples-only output."""
        proc = run([os.path.join(self.bindir, "psql"), "-X", "-A", "-t", "-q", "-v", "ON_ERROR_STOP=1",
                    "-d", self.dsn(dbname, user), "-c", sql])
        return proc.stdout.strip()

    def create_database(self, name):
        """A fresh, empty database (dropped first if it exists)."""
        self.psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        self.psql('CREATE DATABASE "%s"' % name)
        return self.dsn(name)


class PgBouncer(Service):
    """PgBouncer on 127.0.0.1 in front of one database of a harness
    PostgreSQL, as two pools: `transaction` (pool_mode = transaction) of
    `pool_size` server connections and `session` of four. Users in `users`
    log in without a password (auth_type = trust still wants them listed)."""

    name = "pgbouncer"

    def __init__(self, root, postgres, dbname, users, pool_size=1):
        super().__init__(root)
        self.postgres, self.dbname, self.users, self.pool_size = postgres, dbname, users, pool_size
        self.port = free_port()
        self.ini = os.path.join(self.dir, "pgbouncer.ini")
        self.logfile = os.path.join(self.dir, "pgbouncer.log")
        self.user = "postgres" if is_root() else None  # PgBouncer refuses to run as root

    def log_files(self):
        return [self.logfile]

    def start(self):
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not os.path.exists(binary):
            raise HarnessError("pgbouncer not found: apt-get install pgbouncer")
        server = "host=%s port=%d dbname=%s" % (self.postgres.sockdir, self.postgres.port, self.dbname)
        with open(os.path.join(self.dir, "userlist.txt"), "w") as handle:
            handle.writelines('"%s" ""\n' % user for user in self.users)
        with open(self.ini, "w") as handle:
            handle.write("[databases]\ntransaction = %s pool_mode=transaction\nsession = %s pool_mode=session pool_size=4\n"
                         "[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = %d\nunix_socket_dir =\n"
                         "auth_type = trust\nauth_file = %s\ndefault_pool_size = %d\nmax_client_conn = 100\n"
                         "logfile = %s\nadmin_users = postgres\n" % (
                             server, server, self.port, os.path.join(self.dir, "userlist.txt"), self.pool_size,
                             self.logfile))
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.proc = subprocess.Popen([binary, "-q", self.ini], user=self.user, group=self.user,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.started = True

        def listening():
            if self.proc.poll() is not None:
                raise HarnessError("pgbouncer exited with %d; see %s" % (self.proc.returncode, self.logfile))
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                return True
            return False

        wait_until(listening, 30, "pgbouncer to listen")

    def dsn(self, pool, user):
        """A connection string through one pool ("transaction" or "session")."""
        return "host=127.0.0.1 port=%d dbname=%s user=%s" % (self.port, pool, user)


# --------------------------------------------------------------------------
# DNS: unbound serving local data on loopback
# --------------------------------------------------------------------------


def dns_query(server, port, name, qtype=16, timeout=2.0):
    """A minimal UDP DNS query; returns (rcode, answer_count). Used for readiness."""
    qid = os.getpid() & 0xFFFF
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    qname = b"".join(bytes([len(label)]) + label.encode() for label in name.strip(".").split(".")) + b"\0"
    packet = header + qname + struct.pack(">HH", qtype, 1)
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(packet, (server, port))
        data, _ = sock.recvfrom(4096)
    flags, _, ancount = struct.unpack(">HHH", data[2:8])
    return flags & 0x000F, ancount


def txt_rdata(text):
    """TXT record data in zone-file syntax, split into 255-byte strings."""
    raw = text.encode()
    chunks = [raw[i:i + 255] for i in range(0, len(raw), 255)] or [b""]
    quoted = []
    for chunk in chunks:
        s = chunk.decode("utf-8", "surrogateescape").replace("\\", "\\\\").replace('"', '\\"')
        quoted.append('"%s"' % s)
    return " ".join(quoted)


class Unbound(Service):
    """unbound on loopback, authoritative for whatever the tests add."""

    name = "unbound"

    def __init__(self, root):
        super().__init__(root)
        self.address = "127.0.0.1"
        self.port = free_port(self.address)
        self.conf = os.path.join(self.dir, "unbound.conf")
        self.control = os.path.join(self.dir, "control.sock")
        self.logfile = os.path.join(self.dir, "unbound.log")
        self.proc = None

    @property
    def nameserver(self):
        """The Nameservers value that points a resolver at this server."""
        return "%s@%d" % (self.address, self.port)

    def log_files(self):
        return [self.logfile]

    def _write_conf(self):
        interfaces = ["127.0.0.1"] + (["::1"] if have_ipv6_loopback() else [])
        lines = ["server:"]
        lines += ["  interface: %s@%d" % (addr, self.port) for addr in interfaces]
        lines += [
            "  port: %d" % self.port,
            "  do-daemonize: no",
            "  chroot: \"\"",
            "  username: \"\"",
            "  directory: \"%s\"" % self.dir,
            "  pidfile: \"%s\"" % os.path.join(self.dir, "unbound.pid"),
            "  logfile: \"%s\"" % self.logfile,
            "  use-syslog: no",
            "  verbosity: 1",
            "  log-queries: yes",
            "  num-threads: 1",
            "  access-control: 127.0.0.0/8 allow",
            "  access-control: ::1/128 allow",
            "  module-config: \"iterator\"",
            "  do-not-query-localhost: no",
            "  harden-glue: no",
            "  val-permissive-mode: yes",
            "  trust-anchor-signaling: no",
            "  root-key-sentinel: no",
            # Everything not added by a test is NXDOMAIN: never recurse out.
            "  local-zone: \".\" static",
            "  local-zone: \"localhost.\" static",
            "  local-data: \"localhost. 0 IN A 127.0.0.1\"",
            "remote-control:",
            "  control-enable: yes",
            "  control-interface: \"%s\"" % self.control,
            "  control-use-cert: no",
        ]
        with open(self.conf, "w") as handle:
            handle.write("\n".join(lines) + "\n")

    def start(self):
        self._write_conf()
        run(["unbound-checkconf", self.conf])
        log = open(self.logfile, "a")
        self.proc = subprocess.Popen(["unbound", "-d", "-c", self.conf], stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL)
        log.close()

        def ready():
            if self.proc.poll() is not None:
                raise HarnessError("unbound exited with %d" % self.proc.returncode)
            try:
                return dns_query(self.address, self.port, "localhost", qtype=1, timeout=0.5) == (0, 1)
            except OSError:
                return False

        wait_until(ready, 120, "unbound to answer on %s" % self.nameserver)
        self.started = True

    def _control(self, args, stdin=None):
        proc = subprocess.run(["unbound-control", "-c", self.conf] + args, input=stdin,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if proc.returncode != 0 or proc.stdout.startswith("error"):
            raise HarnessError("unbound-control %s failed: %s" % (" ".join(args), proc.stdout))
        return proc.stdout

    def add(self, name, rtype, rdata, ttl=0):
        """Add one record; rdata in zone-file syntax, except TXT which takes the plain text."""
        self.add_records([(name, rtype, rdata)], ttl)

    def add_records(self, records, ttl=0):
        """Add many (name, type, rdata) records at once. TTL 0: resolvers do not cache them."""
        lines = []
        for name, rtype, rdata in records:
            rtype = rtype.upper()
            data = txt_rdata(rdata) if rtype == "TXT" else rdata
            lines.append("%s. %d IN %s %s" % (name.rstrip("."), ttl, rtype, data))
        if lines:
            self._control(["local_datas"], stdin="\n".join(lines) + "\n")

    def remove(self, *names):
        """Remove every record of these names."""
        if names:
            self._control(["local_datas_remove"], stdin="\n".join(n.rstrip(".") + "." for n in names) + "\n")

    def refuse_zone(self, name):
        """Every query at or below name is REFUSED: a DNS failure for the resolver.

        Beware (unbound 1.17): a sibling of the refused name whose first
        label is longer, e.g. _dmarc.example beside a refused down.example,
        answers SERVFAIL too; spf-down.example leaves _dmarc.example alone."""
        self._control(["local_zone", name.rstrip(".") + ".", "always_refuse"])

    def unrefuse_zone(self, name):
        self._control(["local_zone_remove", name.rstrip(".") + "."])


# --------------------------------------------------------------------------
# Postfix, with an smtp-sink behind it
# --------------------------------------------------------------------------

MASTER_CF = """\
# Private test instance: no chroot, own ports on loopback.
{plain_port} inet n - n - - smtpd
  -o smtpd_milters=
{milter_port} inet n - n - - smtpd
  -o smtpd_milters=unix:{milter_socket}
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
"""


class SmtpSink(Service):
    """Postfix's smtp-sink, dumping each message it receives into a file."""

    name = "sink"

    def __init__(self, root):
        super().__init__(root)
        self.port = free_port()
        self.dumpdir = os.path.join(self.dir, "mail")
        self.logfile = os.path.join(self.dir, "sink.log")
        self.proc = None

    def log_files(self):
        return [self.logfile]

    def start(self):
        os.makedirs(self.dumpdir, exist_ok=True)
        cmd = ["smtp-sink", "-c", "-d", os.path.join(self.dumpdir, "%Y%m%d%H%M%S."),
               "127.0.0.1:%d" % self.port, "256"]
        if is_root():
            pw = pwd.getpwnam("postfix")
            os.chown(self.dumpdir, pw.pw_uid, pw.pw_gid)
            cmd[1:1] = ["-u", "postfix"]
        log = open(self.logfile, "a")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        wait_until(lambda: self._banner(), 120, "smtp-sink on port %d" % self.port)
        self.started = True

    def _banner(self):
        if self.proc.poll() is not None:
            raise HarnessError("smtp-sink exited with %d" % self.proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                return s.recv(100).startswith(b"220")
        except OSError:
            return False

    def messages(self):
        """Every message received so far, as bytes (headers as smtp-sink dumped them)."""
        out = []
        for entry in sorted(os.listdir(self.dumpdir)):
            with open(os.path.join(self.dumpdir, entry), "rb") as handle:
                out.append(handle.read())
        return out

    def wait_for(self, marker, timeout=60):
        """The one received message that contains marker (bytes or str)."""
        if isinstance(marker, str):
            marker = marker.encode()
        found = []

        def arrived():
            found[:] = [m for m in self.messages() if marker in m]
            return bool(found)

        wait_until(arrived, timeout, "delivery of the message marked %r" % marker)
        return found[0]


class Postfix(Service):
    """A private Postfix instance relaying everything to an SmtpSink."""

    name = "postfix"

    def __init__(self, root, sink):
        super().__init__(root)
        self.sink = sink
        self.etc = os.path.join(self.dir, "etc")
        self.queue = os.path.join(self.dir, "queue")
        self.data = os.path.join(self.dir, "data")
        self.maillog = os.path.join(self.dir, "maillog")
        self.plain_port = free_port()
        self.milter_port = free_port()
        self.milter_socket = os.path.join(root, "milter", "milter.sock")
        self.ipv6 = have_ipv6_loopback()

    def log_files(self):
        return [self.maillog]

    def _write_config(self):
        os.makedirs(self.etc, exist_ok=True)
        os.makedirs(self.queue, exist_ok=True)
        os.makedirs(self.data, exist_ok=True)
        pw = pwd.getpwnam("postfix")
        os.chown(self.data, pw.pw_uid, pw.pw_gid)
        os.makedirs(os.path.dirname(self.milter_socket), exist_ok=True)
        os.chmod(os.path.dirname(self.milter_socket), 0o755)
        cert, key = self._make_certificate()
        networks = "127.0.0.0/8" + (" [::1]/128" if self.ipv6 else "")
        main = {
            "compatibility_level": "3.6",
            "queue_directory": self.queue,
            "data_directory": self.data,
            "meta_directory": "/etc/postfix",
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "myhostname": "mx.harness.test",
            "mydomain": "harness.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "inet_interfaces": "127.0.0.1" + (", [::1]" if self.ipv6 else ""),
            "inet_protocols": "all" if self.ipv6 else "ipv4",
            "mynetworks": networks,
            "relayhost": "[127.0.0.1]:%d" % self.sink.port,
            "smtpd_relay_restrictions": "permit_mynetworks, reject",
            "smtpd_authorized_xclient_hosts": networks,
            "smtpd_milters": "",
            "non_smtpd_milters": "",
            "milter_default_action": "tempfail",
            "milter_protocol": "6",
            "smtpd_tls_cert_file": cert,
            "smtpd_tls_key_file": key,
            "smtpd_tls_security_level": "may",
            "smtp_tls_security_level": "none",
            "message_size_limit": "52428800",
            "maillog_file": self.maillog,
            "maillog_file_prefixes": self.dir,
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "smtputf8_enable": "no",
            "delay_warning_time": "0",
            "disable_dns_lookups": "yes",
            "smtp_host_lookup": "native",
            "queue_run_delay": "10s",
            "minimal_backoff_time": "10s",
        }
        with open(os.path.join(self.etc, "main.cf"), "w") as handle:
            for key_name, value in main.items():
                handle.write("%s = %s\n" % (key_name, value))
        with open(os.path.join(self.etc, "master.cf"), "w") as handle:
            handle.write(MASTER_CF.format(plain_port=self.plain_port, milter_port=self.milter_port,
                                          milter_socket=self.milter_socket))

    def _make_certificate(self):
        cert = os.path.join(self.etc, "smtpd.crt")
        key = os.path.join(self.etc, "smtpd.key")
        run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
             "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=mx.harness.test",
             "-addext", "subjectAltName=DNS:mx.harness.test"])
        os.chmod(key, 0o600)
        return cert, key

    def postfix(self, *args, check=True):
        return run(["postfix", "-c", self.etc] + list(args), check=check)

    def start(self):
        if not is_root():
            raise HarnessError("the Postfix test instance needs root (run the tests with sudo)")
        self._write_config()
        self.postfix("check")
        self.postfix("start")
        for port in (self.plain_port, self.milter_port):
            wait_until(lambda p=port: self._banner(p), 180, "Postfix smtpd on port %d" % port)
        self.started = True

    def _banner(self, port):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
                return s.recv(200).startswith(b"220")
        except OSError:
            return False

    def stop(self):
        if self.started:
            self.postfix("stop", check=False)
        self.started = False

    def connect(self, milter=True, ipv6=False, xclient=None, timeout=120):
        """An SMTP client connected and greeted (EHLO), optionally after XCLIENT.

        xclient: dict such as {"ADDR": "192.0.2.1", "HELO": "mail.example.org",
        "LOGIN": "alice"}: Postfix then presents that client to the milter.
        """
        host = "::1" if ipv6 else "127.0.0.1"
        port = self.milter_port if milter else self.plain_port
        client = smtplib.SMTP(host, port, local_hostname="client.harness.test", timeout=timeout)
        client.ehlo()
        if xclient:
            attrs = {"NAME": "[UNAVAILABLE]"}
            attrs.update(xclient)
            code, reply = client.docmd("XCLIENT", " ".join("%s=%s" % kv for kv in attrs.items()))
            if code != 220:
                raise HarnessError("XCLIENT refused: %d %s" % (code, reply))
            client.ehlo_resp = None
            client.ehlo(attrs.get("HELO", "client.harness.test"))
        return client

    def send(self, message, mail_from, rcpts, milter=True, ipv6=False, xclient=None):
        """Submit one message; returns (code, reply) of the final answer to DATA
        (or of the first refused command)."""
        return smtp_dialogue(self.connect(milter=milter, ipv6=ipv6, xclient=xclient), message, mail_from, rcpts)

    def queue_ids(self, queue="hold"):
        """Queue ids in one of the queue directories (hold, incoming, active, deferred)."""
        base = os.path.join(self.queue, queue)
        ids = []
        for dirpath, _, files in os.walk(base):
            ids.extend(files)
        return sorted(ids)

    def queued_message(self, queue_id):
        """The queued message as postcat prints it (envelope and content)."""
        return run(["postcat", "-c", self.etc, "-q", queue_id]).stdout

    def flush(self):
        self.postfix("flush", check=False)


# --------------------------------------------------------------------------
# Sendmail, unpacked from Debian's packages (sendmail-bin conflicts with
# postfix as an installed package; contrib/install-deps --test unpacks it)
# --------------------------------------------------------------------------

SENDMAIL_ROOT = os.environ.get("SENDMAIL_ROOT", "/opt/dmarc-milter-tests/sendmail")

SENDMAIL_MC = """divert(-1)
divert(0)dnl
include(`{root}/usr/share/sendmail/cf/m4/cf.m4')dnl
VERSIONID(`dmarc-milter test harness')dnl
OSTYPE(`linux')dnl
define(`confDOMAIN_NAME', `mx.harness.test')dnl
define(`confDONT_PROBE_INTERFACES', `True')dnl
define(`QUEUE_DIR', `{dir}/mqueue')dnl
define(`confPID_FILE', `{dir}/sendmail.pid')dnl
define(`STATUS_FILE', `{dir}/statistics')dnl
define(`confHELP_FILE', `{root}/etc/mail/helpfile')dnl
define(`ALIAS_FILE', `')dnl
define(`confLOG_LEVEL', `9')dnl
define(`confDEF_USER_ID', `nobody:nogroup')dnl
define(`confDONT_BLAME_SENDMAIL', `GroupWritableDirPathSafe,GroupReadableKeyFile,TrustStickyBit')dnl
define(`SMART_HOST', `[127.0.0.1]')dnl
define(`RELAY_MAILER_ARGS', `TCP $h {sink_port}')dnl
define(`ESMTP_MAILER_ARGS', `TCP $h {sink_port}')dnl
define(`confMILTER_LOG_LEVEL', `9')dnl
dnl Sendmail refuses connections above a load average of 12 by default: the
dnl tests' own load on a small machine must not close the listener.
define(`confREFUSE_LA', `1000')dnl
define(`confQUEUE_LA', `1000')dnl
define(`confDELAY_LA', `0')dnl
FEATURE(`accept_unresolvable_domains')dnl
FEATURE(`accept_unqualified_senders')dnl
DAEMON_OPTIONS(`Port={port}, Addr=127.0.0.1, Name=MTA')dnl
dnl The lines a site adds to its own sendmail.mc (README, "Sendmail"):
INPUT_MAIL_FILTER(`dmarc-milter', `S=local:{socket}, F=T, T=S:30s;R:60s;E:10m')dnl
define(`confMILTER_MACROS_CONNECT', `j, _, {{daemon_name}}, {{if_name}}, {{if_addr}}, {{client_addr}}')dnl
define(`confMILTER_MACROS_HELO', `{{tls_version}}, {{cipher}}, {{cipher_bits}}, {{cert_subject}}, {{cert_issuer}}, {{verify}}')dnl
define(`confMILTER_MACROS_ENVFROM', `i, {{auth_type}}, {{auth_authen}}, {{auth_ssf}}, {{auth_author}}, {{mail_mailer}}, {{mail_host}}, {{mail_addr}}')dnl
MAILER(`smtp')dnl
"""


class Sendmail(Service):
    """Debian's Sendmail with INPUT_MAIL_FILTER pointing at the milter socket."""

    name = "sendmail"

    def __init__(self, root, sink, milter_socket):
        super().__init__(root)
        self.sink = sink
        self.milter_socket = milter_socket
        self.port = free_port()
        self.binary = os.path.join(SENDMAIL_ROOT, "usr/libexec/sendmail/sendmail")
        self.cf = os.path.join(self.dir, "sendmail.cf")
        self.trace = os.path.join(self.dir, "smtp-trace.log")
        self.logfile = os.path.join(self.dir, "sendmail.log")
        self.proc = None

    def log_files(self):
        return [self.logfile, self.trace]

    def start(self):
        if not os.path.exists(self.binary):
            raise HarnessError("Sendmail not unpacked in %s: run contrib/install-deps --test" % SENDMAIL_ROOT)
        os.makedirs(os.path.join(self.dir, "mqueue"), exist_ok=True)
        os.chmod(os.path.join(self.dir, "mqueue"), 0o700)
        mc = SENDMAIL_MC.format(root=SENDMAIL_ROOT, dir=self.dir, sink_port=self.sink.port, port=self.port,
                                socket=self.milter_socket)
        with open(os.path.join(self.dir, "sendmail.mc"), "w") as handle:
            handle.write(mc)
        with open(self.cf, "w") as handle:
            handle.write(run(["m4"], input=mc).stdout)
        log = open(self.logfile, "a")
        self.proc = subprocess.Popen([self.binary, "-bD", "-C", self.cf, "-X", self.trace], stdout=log,
                                     stderr=log, stdin=subprocess.DEVNULL)
        log.close()
        wait_until(self._banner, 180, "Sendmail on port %d" % self.port)
        self.started = True

    def _banner(self):
        if self.proc.poll() is not None:
            raise HarnessError("sendmail exited with %d:\n%s" % (self.proc.returncode, self.logs()))
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                return s.recv(200).startswith(b"220")
        except OSError:
            return False

    def send(self, message, mail_from, rcpts):
        """Submit one message; returns (code, reply) of the final answer."""
        return smtp_send("127.0.0.1", self.port, message, mail_from, rcpts)

    def queue_files(self):
        """Files in the queue (a quarantined message stays there, with its reason)."""
        return sorted(os.listdir(os.path.join(self.dir, "mqueue")))


# --------------------------------------------------------------------------
# Processes we start ourselves (the milter, tools)
# --------------------------------------------------------------------------


class Process:
    """A program started by a test, with its output kept in a log file.
    Every one is remembered, so that the run can stop those a failing test
    left behind (stop_leftover_processes)."""

    started = []

    def __init__(self, cmd, logfile, env=None, pass_fds=()):
        self.cmd = list(cmd)
        self.logfile = logfile
        log = open(logfile, "ab")
        self.proc = subprocess.Popen(self.cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     env=env, pass_fds=pass_fds)
        log.close()
        Process.started.append(self)

    @property
    def pid(self):
        return self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def signal(self, signum):
        self.proc.send_signal(signum)

    def stop(self, timeout=30):
        """SIGTERM, then wait; SIGKILL if it does not stop in time. Returns the exit status."""
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            try:
                return self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()

    def kill(self):
        if self.running():
            self.proc.kill()
        return self.proc.wait()

    def log(self):
        with open(self.logfile, errors="replace") as handle:
            return handle.read()


def stop_leftover_processes(timeout=10):
    """Stops every Process still running (a test that failed before its own
    clean-up); returns their command lines."""
    left = [p for p in Process.started if p.running()]
    for process in left:
        with contextlib.suppress(Exception):
            process.stop(timeout)
    Process.started = []
    return [" ".join(p.cmd) for p in left]


def wait_for_ready_fd(read_fd, proc, timeout=60):
    """Block until a child writes its readiness line to the pipe read_fd."""
    import select

    deadline = time.monotonic() + timeout
    data = b""
    while b"\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise HarnessError("timed out waiting for readiness of %s" % " ".join(proc.cmd))
        ready, _, _ = select.select([read_fd], [], [], min(left, 1.0))
        if ready:
            chunk = os.read(read_fd, 256)
            if not chunk:
                raise HarnessError("%s exited before it was ready:\n%s" % (" ".join(proc.cmd), proc.log()))
            data += chunk
        elif not proc.running():
            raise HarnessError("%s exited before it was ready:\n%s" % (" ".join(proc.cmd), proc.log()))
    return data.decode(errors="replace").strip()


# --------------------------------------------------------------------------
# The set of services of one run
# --------------------------------------------------------------------------


class Services:
    """All services of one test run, in one temporary directory."""

    def __init__(self, keep=False):
        base = os.environ.get("HARNESS_TMPDIR") or None
        self.root = tempfile.mkdtemp(prefix="dmarc-harness-", dir=base)
        os.chmod(self.root, 0o755)
        self.keep = keep
        self.postgres = Postgres(self.root)
        self.dns = Unbound(self.root)
        self.sink = SmtpSink(self.root)
        self.postfix = Postfix(self.root, self.sink)
        self.sendmail = Sendmail(self.root, self.sink, self.postfix.milter_socket)
        self.all = [self.postgres, self.dns, self.sink, self.postfix, self.sendmail]

    def start(self):
        for service in self.all:
            service.start()

    def stop(self):
        for service in reversed(self.all):
            with contextlib.suppress(Exception):
                service.stop()
        if not self.keep:
            shutil.rmtree(self.root, ignore_errors=True)

    def logs(self):
        return "\n".join(service.logs() for service in self.all)

    def path(self, *parts):
        path = os.path.join(self.root, *parts)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        return path


_current = None


def current():
    """The Services of this run (started by tests/integration/run.py)."""
    if _current is None:
        raise HarnessError("no services: run the integration tests through tests/integration/run.py")
    return _current


def set_current(services):
    global _current
    _current = services
