#!/usr/bin/python3
"""The Debian packages, built, checked, installed, used and purged.

Builds dmarc-milter and dmarc-reports with dpkg-buildpackage -b from a copy
of the source tree (the files git knows, committed or not; the package's
own unit tests are left to make check), then, on this machine:

  - lintian finds no error and no warning;
  - dpkg installs both; the users, the spool and the configuration files
    are there, and systemd-analyze verify accepts the installed units;
  - the installed dmarc-reports creates the schema from the installed
    migrations in the harness's PostgreSQL;
  - the installed milter runs as its unit runs it (its user and group, the
    unit's ExecStartPre and ExecStart, the Postfix drop-in enabled as
    dmarc-milter(8) says, the socket set in the installed configuration
    file) behind the harness's Postfix, whose smtpd (user postfix, no
    supplementary group) reaches it through the drop-in's directory: a
    message that passes DMARC is delivered with its Authentication-Results,
    one that fails p=reject is refused, both verdicts are stored;
  - the report service's command line, with /etc/default/dmarc-reports
    filled in, runs as its user;
  - dpkg --remove keeps the configuration files, dpkg --purge leaves
    nothing of the packages (the system users stay, as Debian keeps them,
    and the database is not theirs: its verdicts are still there).

Needs root (CI runs as root) and the packages of contrib/debian-packages.
Run by tests/run-all after make check; by hand, from a build directory:
    TOP_SRCDIR=.. PYTHONPATH=../tests python3 ../tests/package/run.py [--debs DIR] [--keep]
--debs DIR takes the .deb files from DIR instead of building them (the build
takes about 3 minutes on 2 cores). Ends with "N passed, N failed".
"""

import argparse
import glob
import grp
import os
import pwd
import re
import shlex
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import services as hs  # noqa: E402
from integration.milter_support import auth_results, message  # noqa: E402
from integration.test_milter_postfix import GOOD_IP, RCPT, allow_relay_to_rcpt_domain, xclient  # noqa: E402

PACKAGES = ["dmarc-milter", "dmarc-reports"]
UNITDIR = "/lib/systemd/system"
UNITS = ["dmarc-milter.service", "dmarc-reports.service", "dmarc-reports.timer",
         "dmarc-reports-ingest.service", "dmarc-reports-ingest.timer",
         "dmarc-reports-failures.service", "dmarc-reports-failures.timer"]
DROPIN_DIR = "/etc/systemd/system/dmarc-milter.service.d"
CHROOT_DIR = "/var/spool/postfix/dmarc-milter"
SOCKET = CHROOT_DIR + "/dmarc-milter.sock"
DB = "dmarc_package"
DOMAIN = "pkg.mt.example"
BAD_IP = "198.51.100.7"
SNAPSHOT_ROOTS = ["/etc", "/usr", "/var", "/run", "/opt"]


class StepFailed(AssertionError):
    pass


def sh(cmd, check=True, **kwargs):
    """Run cmd; on failure raise StepFailed with its output."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if check and proc.returncode != 0:
        raise StepFailed("%s exited with %d:\n%s" % (" ".join(cmd), proc.returncode, proc.stdout[-6000:]))
    return proc


def as_user(user, group, cmd):
    """cmd run as user:group with no supplementary group and no new
    privileges, as systemd runs a unit's User=/Group= (NoNewPrivileges=)."""
    return ["setpriv", "--reuid=" + user, "--regid=" + group, "--clear-groups", "--no-new-privs", "--"] + cmd


def snapshot():
    """Every path under SNAPSHOT_ROOTS whose name mentions dmarc."""
    found = set()
    for root in SNAPSHOT_ROOTS:
        for dirpath, dirnames, filenames in os.walk(root):
            if dirpath.startswith("/var/lib/dpkg") or dirpath.startswith("/var/cache"):
                continue
            for name in dirnames + filenames:
                path = os.path.join(dirpath, name)
                if "dmarc" in path:
                    found.add(path)
    return found


def read_unit(*paths):
    """A unit file and its drop-ins as {key: [values]} in systemd's order: a
    value is appended, an empty assignment resets the key."""
    unit = {}
    for path in paths:
        with open(path) as handle:
            text = handle.read().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.strip()
            if not line or line[0] in "#;[" or "=" not in line:
                continue
            key, value = (part.strip() for part in line.split("=", 1))
            if value == "":
                unit[key] = []
            else:
                unit.setdefault(key, []).append(value)
    return unit


def read_environment_file(path):
    """An EnvironmentFile= as systemd reads it: KEY=value, quotes removed."""
    env = {}
    with open(path) as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#") or "=" not in line:
                continue
            key, value = line.split("=", 1)
            words = shlex.split(value)
            env[key.strip()] = words[0] if len(words) == 1 else " ".join(words)
    return env


def expand_command(line, env):
    """An Exec*= line as argv, with systemd's rules: ${VAR} is one word, a
    word that is only $VAR becomes the words of its value."""
    argv = []
    for word in shlex.split(line):
        whole = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", word)
        if whole:
            argv.extend(env.get(whole.group(1), "").split())
            continue
        argv.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
    return argv


class PackageTest:
    def __init__(self, args):
        self.args = args
        self.top = os.environ.get("TOP_SRCDIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
        self.top = os.path.abspath(self.top)
        self.work = tempfile.mkdtemp(prefix="dmarc-package-")
        os.chmod(self.work, 0o755)
        self.debs = []
        self.services = None
        self.milter = None
        self.installed = False
        self.before = set()
        self.passed = 0
        self.failed = 0

    # -- steps ---------------------------------------------------------------

    def build(self):
        if self.args.debs:
            self.debs = sorted(deb for deb in glob.glob(os.path.join(self.args.debs, "*.deb")) if "-dbgsym_" not in deb)
            if len(self.debs) != len(PACKAGES):
                raise StepFailed("want %d .deb files in %s, found %r" % (len(PACKAGES), self.args.debs, self.debs))
            return "taken from %s" % self.args.debs
        src = os.path.join(self.work, "src", "dmarc-milter")
        os.makedirs(src)
        listed = sh(["git", "-C", self.top, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
        files = [name for name in listed.split("\0") if name and os.path.lexists(os.path.join(self.top, name))]
        for name in files:
            os.makedirs(os.path.dirname(os.path.join(src, name)), exist_ok=True)
            shutil.copy2(os.path.join(self.top, name), os.path.join(src, name), follow_symlinks=False)
        # make check runs the tests; nobody here needs the debug symbols.
        env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=%d" % (os.cpu_count() or 2))
        log = os.path.join(self.work, "build.log")
        with open(log, "w") as handle:
            proc = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env, stdout=handle,
                                  stderr=subprocess.STDOUT)
        if proc.returncode != 0:
            with open(log) as handle:
                raise StepFailed("dpkg-buildpackage failed:\n" + handle.read()[-8000:])
        out = os.path.dirname(src)
        self.debs = sorted(glob.glob(os.path.join(out, "*.deb")))
        names = sorted(os.path.basename(deb).split("_")[0] for deb in self.debs)
        if names != sorted(PACKAGES):
            raise StepFailed("built %r, want %r" % (names, PACKAGES))
        self.changes = glob.glob(os.path.join(out, "*.changes"))[0]
        return ", ".join(os.path.basename(deb) for deb in self.debs)

    def lintian(self):
        target = getattr(self, "changes", None) or None
        cmd = ["lintian", "--fail-on", "error,warning", "--tag-display-limit", "0"]
        proc = subprocess.run(cmd + ([target] if target else self.debs), stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
        if proc.returncode != 0:
            raise StepFailed("lintian:\n" + proc.stdout)
        return proc.stdout.strip() or "no tag"

    def install(self):
        installed = sh(["dpkg-query", "-W", "-f", "${Package} ${Status}\\n"] + PACKAGES, check=False).stdout
        if "install ok installed" in installed:
            raise StepFailed("already installed on this machine (purge them first):\n" + installed)
        self.before = snapshot()
        self.installed = True
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        sh(["dpkg", "-i"] + self.debs, env=env)
        for user in PACKAGES:
            pwd.getpwnam(user)
            grp.getgrnam(user)
        spool = os.stat("/var/spool/dmarc-milter")
        if (pwd.getpwuid(spool.st_uid).pw_name, stat.S_IMODE(spool.st_mode)) != ("dmarc-milter", 0o750):
            raise StepFailed("/var/spool/dmarc-milter: owner %d, mode %o" % (spool.st_uid, spool.st_mode))
        with open("/etc/dmarc-milter.conf") as handle:
            conf = handle.read()
        set_lines = [line for line in conf.splitlines() if line.strip() and not line.startswith("#")]
        if set_lines or conf.count("\n#Socket ") != 1:
            raise StepFailed("/etc/dmarc-milter.conf is not the commented sample: %r" % set_lines[:3])
        sh(["/usr/sbin/dmarc-milter", "--dump-config"])
        conffiles = sh(["dpkg-query", "-W", "-f", "${Conffiles}\\n"] + PACKAGES).stdout
        for path in ("/etc/dmarc-milter.conf", "/etc/default/dmarc-reports"):
            if path not in conffiles:
                raise StepFailed("%s is not a conffile: %s" % (path, conffiles))
        return "users, spool and conffiles in place"

    def verify_units(self):
        paths = [os.path.join(UNITDIR, unit) for unit in UNITS]
        proc = sh(["systemd-analyze", "verify"] + paths, check=False)
        if proc.returncode != 0 or proc.stdout.strip():
            raise StepFailed("systemd-analyze verify:\n" + proc.stdout)
        return "%d units" % len(paths)

    def start_services(self):
        self.services = hs.Services(keep=self.args.keep)
        s = self.services
        # The harness's Postfix talks to the socket where the drop-in puts it.
        s.postfix.milter_socket = SOCKET
        s.all = [s.postgres, s.dns, s.sink, s.postfix]
        hs.set_current(s)
        s.start()
        allow_relay_to_rcpt_domain(s.postfix)
        s.dns.add_records([
            (DOMAIN, "TXT", "v=spf1 ip4:%s -all" % GOOD_IP),
            (DOMAIN, "A", GOOD_IP),
            ("_dmarc." + DOMAIN, "TXT", "v=DMARC1; p=reject"),
        ])
        return "postgres, unbound, Postfix, sink"

    def schema(self):
        owner = self.services.postgres.create_database(DB)
        # The installed tool, with its default migration directory.
        sh(["/usr/sbin/dmarc-reports", "db", "upgrade", "--database", owner])
        pg = self.services.postgres
        for role, member_of in (("pkg_milter", "dmarc_milter"), ("pkg_reports", "dmarc_reports")):
            pg.psql("DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '%s') THEN "
                    "CREATE ROLE %s LOGIN IN ROLE %s; END IF; END$$" % (role, role, member_of))
        return sh(["/usr/sbin/dmarc-reports", "db", "version", "--database", owner]).stdout.strip()

    def start_milter(self):
        s = self.services
        # What dmarc-milter(8) tells an administrator to do.
        os.makedirs(DROPIN_DIR, exist_ok=True)
        os.symlink("/usr/share/dmarc-milter/postfix-chroot.conf", os.path.join(DROPIN_DIR, "postfix-chroot.conf"))
        with open("/etc/dmarc-milter.conf", "a") as handle:
            handle.write("\nSocket local:%s\nAuthservID mx.harness.test\nNameservers %s\nDatabase %s\n"
                         "DNSTimeout 2\n" % (SOCKET, s.dns.nameserver, s.postgres.dsn(DB, "pkg_milter")))
        # As on a first start: the directory is the drop-in's to make (the
        # harness's Postfix made it when it started).
        shutil.rmtree(CHROOT_DIR)
        unit = read_unit(os.path.join(UNITDIR, "dmarc-milter.service"),
                         os.path.join(DROPIN_DIR, "postfix-chroot.conf"))
        user, group = unit["User"][0], unit["Group"][0]
        # RuntimeDirectory=, as systemd makes it before the first command.
        for name in unit.get("RuntimeDirectory", []):
            path = os.path.join("/run", name)
            os.makedirs(path, exist_ok=True)
            shutil.chown(path, user, group)
            os.chmod(path, int(unit.get("RuntimeDirectoryMode", ["0755"])[-1], 8))
        for line in unit.get("ExecStartPre", []):
            privileged = line.startswith("+")
            argv = shlex.split(line.lstrip("+-"))
            sh(argv if privileged else as_user(user, group, argv))
        argv = shlex.split(unit["ExecStart"][-1]) + ["--log-stderr"]
        read_fd, write_fd = os.pipe()
        try:
            self.milter = hs.Process(as_user(user, group, argv + ["--ready-fd", str(write_fd)]),
                                     os.path.join(self.work, "milter.log"), pass_fds=(write_fd,))
            os.close(write_fd)
            write_fd = -1
            if hs.wait_for_ready_fd(read_fd, self.milter) != "READY":
                raise StepFailed("no READY line")
        finally:
            os.close(read_fd)
            if write_fd >= 0:
                os.close(write_fd)
        st = os.stat(SOCKET)
        directory = os.stat(CHROOT_DIR)
        found = "socket %s:%s %o in %s:%s %o" % (
            pwd.getpwuid(st.st_uid).pw_name, grp.getgrgid(st.st_gid).gr_name, stat.S_IMODE(st.st_mode),
            pwd.getpwuid(directory.st_uid).pw_name, grp.getgrgid(directory.st_gid).gr_name,
            stat.S_IMODE(directory.st_mode))
        want = "socket dmarc-milter:postfix 770 in dmarc-milter:postfix 2750"
        if found != want:
            raise StepFailed("%s, want %s" % (found, want))
        return found

    def mail(self):
        postfix = self.services.postfix
        text, marker = message("alice@" + DOMAIN, subject="package pass")
        code, reply = postfix.send(text, "m@" + DOMAIN, RCPT, xclient=xclient(GOOD_IP, helo="mail." + DOMAIN))
        if code != 250:
            raise StepFailed("aligned message: %d %s (milter log:\n%s)" % (code, reply, self.milter.log()))
        delivered = self.services.sink.wait_for(marker)
        results = auth_results(delivered)
        if not any(r.startswith("mx.harness.test;") and "dmarc=pass" in r for r in results):
            raise StepFailed("Authentication-Results of the delivered message: %r" % results)
        text, _ = message("alice@" + DOMAIN, subject="package fail")
        code, reply = postfix.send(text, "m@" + DOMAIN, RCPT, xclient=xclient(BAD_IP))
        if code // 100 != 5:
            raise StepFailed("message failing p=reject: %d %s" % (code, reply))
        pg = self.services.postgres
        query = "SELECT count(*) FROM verdict WHERE from_domain = '%s'" % DOMAIN
        hs.wait_until(lambda: pg.psql(query, dbname=DB) == "2", 30, "two verdicts in the database")
        return "delivered with %s; refused: %d" % (results[0], code)

    def report_service(self):
        with open("/etc/default/dmarc-reports") as handle:
            settings = handle.read()
        settings = settings.replace('DMARC_REPORTS_EMAIL=""', 'DMARC_REPORTS_EMAIL="dmarc@harness.test"')
        settings = settings.replace('DMARC_REPORTS_ORG_NAME=""', 'DMARC_REPORTS_ORG_NAME="Harness Mail"')
        settings = settings.replace('DMARC_REPORTS_SEND_OPTIONS=""',
                                    'DMARC_REPORTS_SEND_OPTIONS="--dry-run --nameserver %s"'
                                    % self.services.dns.nameserver)
        settings += 'DMARC_DATABASE="%s"\n' % self.services.postgres.dsn(DB, "pkg_reports")
        with open("/etc/default/dmarc-reports", "w") as handle:
            handle.write(settings)
        unit = read_unit(os.path.join(UNITDIR, "dmarc-reports.service"))
        env = read_environment_file(unit["EnvironmentFile"][0])
        argv = expand_command(unit["ExecStart"][0], env)
        run_env = dict(os.environ, **env)
        proc = sh(as_user(unit["User"][0], unit["Group"][0], argv), env=run_env, cwd="/")
        return proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else "no output"

    def remove(self):
        status = self.milter.stop()
        self.milter = None
        if status != 0:
            raise StepFailed("the milter exited with %r" % status)
        shutil.rmtree("/run/dmarc-milter", ignore_errors=True)  # systemd removes RuntimeDirectory= at stop
        shutil.rmtree(DROPIN_DIR)  # the administrator's file
        sh(["dpkg", "--remove"] + PACKAGES)
        kept = [path for path in ("/etc/dmarc-milter.conf", "/etc/default/dmarc-reports") if os.path.exists(path)]
        if len(kept) != 2 or os.path.exists("/usr/sbin/dmarc-milter"):
            raise StepFailed("after dpkg --remove: conffiles kept %r, daemon still there: %s"
                             % (kept, os.path.exists("/usr/sbin/dmarc-milter")))
        return "conffiles kept"

    def purge(self):
        sh(["dpkg", "--purge"] + PACKAGES)
        self.installed = False
        left = sorted(snapshot() - self.before)
        if left:
            raise StepFailed("left behind after the purge:\n  " + "\n  ".join(left))
        verdicts = self.services.postgres.psql("SELECT count(*) FROM verdict", dbname=DB)
        if verdicts != "2":
            raise StepFailed("the database lost its verdicts: %s" % verdicts)
        return "nothing left; the database keeps its %s verdicts; users dmarc-milter, dmarc-reports kept" % verdicts

    # -- the run -------------------------------------------------------------

    def cleanup(self):
        if self.milter is not None:
            self.milter.stop()
        shutil.rmtree(DROPIN_DIR, ignore_errors=True)
        if self.installed:
            subprocess.run(["dpkg", "--purge"] + PACKAGES, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(CHROOT_DIR, ignore_errors=True)
        shutil.rmtree("/run/dmarc-milter", ignore_errors=True)
        if self.services is not None:
            hs.stop_leftover_processes()
            self.services.stop()
        if self.args.keep:
            print("kept %s" % self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def run(self):
        steps = [("build", self.build), ("lintian", self.lintian), ("install", self.install),
                 ("systemd-analyze verify", self.verify_units), ("services", self.start_services),
                 ("schema", self.schema), ("milter as its unit runs it", self.start_milter),
                 ("mail through Postfix", self.mail), ("report service", self.report_service),
                 ("remove", self.remove), ("purge", self.purge)]
        start = time.monotonic()
        try:
            for index, (name, step) in enumerate(steps):
                began = time.monotonic()
                try:
                    what = step()
                except Exception as err:  # a failed step fails the run; the rest cannot run
                    self.failed += len(steps) - index
                    detail = str(err) if isinstance(err, StepFailed) else traceback.format_exc()
                    print("FAIL: %s: %s" % (name, detail), flush=True)
                    if self.milter is not None:
                        print("milter log:\n" + self.milter.log(), flush=True)
                    if self.services is not None:
                        print(self.services.logs(), flush=True)
                    break
                self.passed += 1
                print("PASS: %s (%.0f s): %s" % (name, time.monotonic() - began, what), flush=True)
        finally:
            self.cleanup()
        print("package test took %.0f s" % (time.monotonic() - start))
        print("%d passed, %d failed" % (self.passed, self.failed))
        return 0 if self.failed == 0 else 1


def main():
    hs.isolate(__file__)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--debs", help="install the .deb files of DIR instead of building them")
    parser.add_argument("--keep", action="store_true", help="keep the work and harness directories")
    args = parser.parse_args()
    if not hs.is_root():
        print("FAIL: the package test installs packages: run it as root\n0 passed, 1 failed")
        return 1
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))
    return PackageTest(args).run()


if __name__ == "__main__":
    sys.exit(main())
