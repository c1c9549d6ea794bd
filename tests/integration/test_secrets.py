"""Secrets and trust (issue 22): a database password on dmarc-reports'
command line is warned about and blanked from /proc/PID/cmdline; password
files that others may read are refused; dmarc-milter refuses a
configuration file that another user could change, at start and on reload.
"""

import os
import pwd
import subprocess
import unittest

from harness import services as hs
from integration.milter_support import MilterProcess
from integration.reports_util import ReportsDatabase

SECRET = "s3cret-in-argv"


class TestReportsPasswords(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = ReportsDatabase("secrets")
        cls.tool = cls.db.tool
        cls.dir = os.path.dirname(hs.current().path("secrets", "x"))

    def run_tool(self, *args, env=None):
        if args[:2] == ("db", "version"):
            args = args + ("--sql-dir", os.path.join(hs.top_srcdir(), "sql"))
        return subprocess.run([self.tool] + list(args), capture_output=True, text=True, timeout=120,
                              env=env)

    def password_file(self, name, mode):
        path = os.path.join(self.dir, name)
        with open(path, "w") as handle:
            handle.write("unused\n")
        os.chmod(path, mode)
        return path

    def test_password_in_argv_is_warned_about_and_hidden_from_ps(self):
        dsn = "%s password=%s" % (self.db.dsn, SECRET)
        # ingest waits on standard input: the process is alive while its
        # command line is read, and the warning says the blanking is done.
        proc = subprocess.Popen([self.tool, "ingest", "--dry-run", "--database", dsn],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        try:
            warning = proc.stderr.readline()
            self.assertIn("the --database string holds a password", warning)
            self.assertIn("--password-file", warning)
            with open("/proc/%d/cmdline" % proc.pid, "rb") as handle:
                cmdline = handle.read()
            self.assertNotIn(SECRET.encode(), cmdline)
            self.assertIn(b"--database", cmdline)
            self.assertIn(b"<HIDDEN>", cmdline)
            ps = subprocess.run(["ps", "-ww", "-o", "args=", "-p", str(proc.pid)],
                                capture_output=True, text=True, timeout=30)
            self.assertNotIn(SECRET, ps.stdout)
        finally:
            proc.stdin.close()
            proc.wait(timeout=60)
            proc.stdout.close()
            proc.stderr.close()

    def test_the_subcommand_still_gets_the_password(self):
        # The copy the subcommand reads keeps the string whole: the
        # connection works (the harness trusts local connections, so the
        # password is only carried) and the redacted form is not used.
        proc = self.run_tool("db", "version", "--database", "%s password=%s" % (self.db.dsn, SECRET))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("holds a password", proc.stderr)

    def test_no_warning_without_a_password_in_argv(self):
        env = dict(os.environ, PGPASSWORD=SECRET)
        proc = self.run_tool("db", "version", "--database", self.db.dsn, env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("password", proc.stderr)
        env = dict(os.environ, DMARC_DATABASE="%s password=%s" % (self.db.dsn, SECRET))
        proc = self.run_tool("db", "version", env=env)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertNotIn("password", proc.stderr)

    def test_readable_password_file_is_refused(self):
        for mode, fix in ((0o644, "chmod 600"), (0o604, "chmod 600"), (0o620, "chmod go-w")):
            path = self.password_file("pw-%o" % mode, mode)
            proc = self.run_tool("db", "version", "--database", self.db.dsn, "--password-file", path)
            self.assertEqual(proc.returncode, 78, proc.stderr)  # EX_CONFIG
            self.assertIn("refusing the database password file %s: its mode 0%o" % (path, mode),
                          proc.stderr)
            self.assertIn("%s %s" % (fix, path), proc.stderr)
        for mode in (0o600, 0o400, 0o640):  # 0640 is allowed: root owns it
            path = self.password_file("pw-ok-%o" % mode, mode)
            proc = self.run_tool("db", "version", "--database", self.db.dsn, "--password-file", path)
            self.assertEqual(proc.returncode, 0, proc.stderr)

    def test_password_file_of_another_user_is_refused(self):
        path = self.password_file("pw-nobody", 0o600)
        nobody = pwd.getpwnam("nobody")
        os.chown(path, nobody.pw_uid, nobody.pw_gid)
        proc = self.run_tool("db", "version", "--database", self.db.dsn, "--password-file", path)
        self.assertEqual(proc.returncode, 78, proc.stderr)
        self.assertIn("refusing the database password file %s: it is owned by nobody" % path,
                      proc.stderr)

    def test_readable_smtp_password_file_is_refused(self):
        path = self.password_file("smtp-pw", 0o644)
        proc = self.db.send("--transport", "smtp", "--smtp-relay", "127.0.0.1:1", "--smtp-user", "u",
                            "--smtp-password-file", path)
        self.assertNotEqual(proc.returncode, 0, proc.stderr)
        self.assertIn("refusing the SMTP password file %s: its mode 0644" % path, proc.stderr)


@unittest.skipUnless(os.geteuid() == 0, "needs root to start the milter as root")
class TestMilterConfigurationTrust(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.binary = hs.binary("dmarc-milter")

    def start_refused(self, milter):
        proc = subprocess.run([self.binary, "-f", "-c", milter.conf], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(proc.returncode, 78, proc.stderr)  # EX_CONFIG, before binding anything
        self.assertFalse(os.path.exists(milter.socket))
        return proc.stderr

    def test_world_writable_file_is_refused_at_start(self):
        milter = MilterProcess(self.s, "trust-mode", socket=self.s.path("trust", "mode.sock"))
        os.chmod(milter.conf, 0o666)
        error = self.start_refused(milter)
        self.assertIn("refusing the configuration file %s: its mode 0666 lets every user change it "
                      "(chmod go-w %s)" % (milter.conf, milter.conf), error)
        os.chmod(milter.conf, 0o664)
        self.assertIn("lets its group change it", self.start_refused(milter))
        # The -n check says the same.
        proc = subprocess.run([self.binary, "-n", "-c", milter.conf], capture_output=True, text=True,
                              timeout=120)
        self.assertEqual(proc.returncode, 78)
        self.assertIn("lets its group change it", proc.stderr)

    def test_file_of_another_user_is_refused_at_start(self):
        milter = MilterProcess(self.s, "trust-owner", socket=self.s.path("trust", "owner.sock"))
        nobody = pwd.getpwnam("nobody")
        os.chown(milter.conf, nobody.pw_uid, nobody.pw_gid)
        error = self.start_refused(milter)
        self.assertIn("refusing the configuration file %s: it is owned by nobody (uid %d)"
                      % (milter.conf, nobody.pw_uid), error)
        self.assertIn("chown root %s" % milter.conf, error)

    def test_file_made_writable_is_refused_on_reload(self):
        milter = MilterProcess(self.s, "trust-reload", socket=self.s.path("trust", "reload.sock")).start()
        try:
            milter.write_config("AuthservID changed.harness.test")
            os.chmod(milter.conf, 0o646)
            milter.reload(expect_ok=False)
            self.assertIn("its mode 0646 lets every user change it", milter.log())
            self.assertTrue(milter.proc.running())
            os.chmod(milter.conf, 0o644)
            milter.reload(expect_ok=True)
        finally:
            status = milter.stop()
        self.assertEqual(status, 0, milter.log()[-3000:])
