"""Every exit status the manual pages document, produced (issue 17), and
the database errors of both programs: one line, libpq's reason, no password.

The EXIT STATUS sections of dmarc-milter(8) and dmarc-reports(8) are read
from man/*.in; each documented status must have a producer below: a case of
this module that runs the program into that status (for dmarc-reports, every
subcommand that can), or an existing test that asserts it (named, and
checked to exist and to assert that number). A status documented without a
producer, or produced here without being documented, fails. The
milter's 70 and 71 (an internal error, a failed fork or chown at start-up)
cannot be caused from outside without fault injection; they are listed with
that reason.
"""

import importlib
import inspect
import os
import re
import subprocess
import tempfile
import unittest

from harness import services as hs

REPORTS_ELSEWHERE = {
    1: "test_check.CheckTest.test_suggest_prints_records_and_policy",
    2: "test_check.CheckTest.test_policy_untrusted_without_test_ca",
    74: "test_ingest.IngestTest.test_04_maildir_rejected_and_dry_run",
}
MILTER_ELSEWHERE = {
    0: "test_milter_lifecycle.TestCommandLine.test_check_mode_exit_codes",
    64: "test_milter_lifecycle.TestCommandLine.test_usage_errors",
    75: "test_milter_restart.TestSecondInstance.test_second_start_exits_75_and_leaves_the_running_one_alone",
}
MILTER_NOT_PRODUCIBLE = {
    70: "an internal error at start-up (smfi_register failing, a broken invariant)",
    71: "a failed pipe, fork or chown at start-up",
}


def documented(page):
    """The exit statuses of a page's EXIT STATUS section (mdoc .It N or man .TP N)."""
    with open(os.path.join(hs.top_srcdir(), "man", page)) as handle:
        text = handle.read()
    section = re.search(r"^\.S[hH] EXIT STATUS\n(.*?)^\.S[hH] ", text, re.M | re.S).group(1)
    return set(int(n) for n in re.findall(r"^(?:\.It |)(\d+)(?: Pq .*)?$", section, re.M))


class ExitStatusCase(unittest.TestCase):

    def expect(self, program, status, args, what, input=None, user=None, env=None):
        cmd = [hs.binary(program)] + list(args)
        if user:
            cmd = ["runuser", "-u", user, "--"] + cmd
        proc = subprocess.run(cmd, capture_output=True, text=input is None or isinstance(input, str),
                              input=input, timeout=300, env=env)
        out = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode(errors="replace")
        self.assertEqual(proc.returncode, status, "%s: %s got %d, want %d:\n%s" % (
            what, " ".join(args[:3]), proc.returncode, status, out))
        return out


class TestReportsExitStatus(ExitStatusCase):
    @classmethod
    def setUpClass(cls):
        cls.pg = hs.current().postgres
        cls.dsn = cls.pg.create_database("exit_status")
        cls.sql = os.path.join(hs.top_srcdir(), "sql")
        proc = subprocess.run([hs.binary("dmarc-reports"), "db", "upgrade", "--database", cls.dsn, "--sql-dir",
                               cls.sql], capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        # Nothing listens on this socket directory: the database cannot be reached.
        cls.down = "host=%s dbname=dmarc user=reports" % tempfile.mkdtemp(prefix="no-postgres-")

    def database_subcommands(self, database):
        return [
            ("send", ["send", "--database", database, "--email", "r@receiver.test", "--output-dir",
                      tempfile.mkdtemp(prefix="exit-")]),
            ("summary", ["summary", "--database", database]),
            ("expire", ["expire", "--database", database]),
            ("db upgrade", ["db", "upgrade", "--database", database, "--sql-dir", self.sql]),
            ("db version", ["db", "version", "--database", database, "--sql-dir", self.sql]),
            ("ingest", ["ingest", "--database", database, os.devnull]),
            ("overview", ["overview", "--no-reverse-dns", "--database", database, "--output",
                          os.path.join(tempfile.mkdtemp(prefix="overview-"), "index.html")]),
        ]

    def test_0_success(self):
        for name, args in self.database_subcommands(self.dsn):
            if name != "ingest":  # ingest: test_ingest.py stores reports
                self.expect("dmarc-reports", 0, args, name)

    def test_64_usage(self):
        for name in ("send", "summary", "expire", "db", "ingest", "check", "overview"):
            self.expect("dmarc-reports", 64, [name, "--no-such-option"], name)
        self.expect("dmarc-reports", 64, ["no-such-subcommand"], "unknown subcommand")

    def test_65_data(self):
        # A database migrated further than the migrations this program knows.
        older = tempfile.mkdtemp(prefix="sql-")
        os.symlink(os.path.join(self.sql, "0001_verdicts.sql"), os.path.join(older, "0001_verdicts.sql"))
        self.expect("dmarc-reports", 65, ["db", "version", "--database", self.dsn, "--sql-dir", older],
                    "db version")
        garbage = os.path.join(tempfile.mkdtemp(prefix="ingest-"), "not-a-report.eml")
        with open(garbage, "w") as handle:
            handle.write("Subject: hello\n\nnot a report\n")
        self.expect("dmarc-reports", 65, ["ingest", "--database", self.dsn, garbage], "ingest")

    def test_66_no_input(self):
        self.expect("dmarc-reports", 66, ["ingest", "--dry-run", "/nonexistent/report.xml"], "ingest")

    def test_69_database_unreachable_with_libpq_reason(self):
        for name, args in self.database_subcommands(self.down):
            if name == "ingest":
                continue  # 75: the MTA keeps the mail and retries
            err = self.expect("dmarc-reports", 69, args, name)
            # One line, libpq's reason, the target named.
            self.assertEqual(err.count("\n"), 1, err)
            self.assertIn("cannot connect to the database (", err)
            self.assertIn("host='%s'" % self.down.split()[0][5:], err)
            self.assertIn("No such file or directory", err)
            self.assertNotIn("??", err)

    def test_69_reasons_told_apart(self):
        socket_dir = self.pg.sockdir
        cases = [
            ("host=%s dbname=no_such_db user=postgres" % socket_dir, 'database "no_such_db" does not exist'),
            ("host=%s dbname=exit_status user=no_such_role" % socket_dir, 'role "no_such_role" does not exist'),
        ]
        for dsn, reason in cases:
            err = self.expect("dmarc-reports", 69, ["summary", "--database", dsn], reason)
            self.assertIn(reason, err)
            self.assertEqual(err.count("\n"), 1, err)
        # An empty connection string: libpq's defaults, said so.
        env = dict(os.environ, PGHOST=tempfile.mkdtemp(prefix="no-postgres-"))
        env.pop("DMARC_DATABASE", None)
        err = self.expect("dmarc-reports", 69, ["send", "--email", "r@receiver.test", "--database", ""],
                          "empty connection string", env=env)
        self.assertNotIn("()", err)
        self.assertIn("libpq's defaults", err)

    def test_password_never_shown(self):
        dsn = "host=%s dbname=dmarc user=reports password=Secret-Word-42" % tempfile.mkdtemp(prefix="no-pg-")
        for name, args in self.database_subcommands(dsn):
            proc = subprocess.run([hs.binary("dmarc-reports")] + args, capture_output=True, text=True,
                                  timeout=120)
            self.assertNotEqual(proc.returncode, 0, name)
            self.assertNotIn("Secret-Word-42", proc.stdout + proc.stderr, name)
        proc = subprocess.run([hs.binary("dmarc-reports"), "summary", "--database", "host=x password=Secret Word"],
                              capture_output=True, text=True, timeout=120)
        self.assertEqual(proc.returncode, 78, proc.stderr)
        self.assertNotIn("Word", proc.stderr)

    def test_70_internal_error(self):
        broken = tempfile.mkdtemp(prefix="sql-")
        with open(os.path.join(broken, "0001_broken.sql"), "w") as handle:
            handle.write("CREATE TABLE broken (;\n")
        dsn = self.pg.create_database("exit_status_broken")
        err = self.expect("dmarc-reports", 70, ["db", "upgrade", "--database", dsn, "--sql-dir", broken],
                          "db upgrade")
        self.assertIn("migration failed [42601]: ERROR: syntax error", err)
        self.assertEqual(err.count("\n"), 1, err)

    def test_73_cannot_create(self):
        self.expect("dmarc-reports", 73, ["overview", "--no-reverse-dns", "--database", self.dsn, "--output",
                                          "/nonexistent-17/index.html"], "overview")

    def test_75_temporary(self):
        self.expect("dmarc-reports", 75, ["ingest", "--database", self.down, os.devnull], "ingest")
        # send: a delivery that will be retried
        # (test_reports.ReportSendTest.test_relay_down_then_resend_reuses_id_and_filename).

    def test_78_configuration(self):
        for name, args in self.database_subcommands("host='unterminated"):
            self.expect("dmarc-reports", 78, args, name)


class TestMilterExitStatus(ExitStatusCase):
    def conf(self, text):
        directory = tempfile.mkdtemp(prefix="milter-exit-")
        os.chmod(directory, 0o777)
        path = os.path.join(directory, "dmarc-milter.conf")
        with open(path, "w") as handle:
            handle.write("Socket local:%s/milter.sock\nBackground false\nSyslog false\n%s" % (directory, text))
        os.chmod(path, 0o644)
        return path, directory

    def test_65_message_too_large(self):
        conf, _ = self.conf("")
        self.expect("dmarc-milter", 65, ["-c", conf, "-t", "-"], "-t", input=b"x" * (256 * 1024 * 1024 + 1))

    def test_66_no_message(self):
        conf, _ = self.conf("")
        self.expect("dmarc-milter", 66, ["-c", conf, "-t", "/nonexistent.eml"], "-t")

    def test_78_configuration(self):
        for text in ("UserID no-such-user-17\n", "UserID nobody:no-such-group-17\n", "NoSuchKey 1\n"):
            conf, _ = self.conf(text)
            self.expect("dmarc-milter", 78, ["-f", "-c", conf], text.strip())
            self.expect("dmarc-milter", 78, ["-n", "-c", conf], text.strip())

    def test_69_socket_directory_missing(self):
        conf, _ = self.conf("")
        with open(conf) as handle:
            text = handle.read().replace("Socket local:", "Socket local:/nonexistent-17")
        with open(conf, "w") as handle:
            handle.write(text)
        err = self.expect("dmarc-milter", 69, ["-f", "-c", conf], "Socket")
        self.assertIn("does not exist", err)

    def test_73_pid_file(self):
        conf, _ = self.conf("PidFile /nonexistent-17/milter.pid\n")
        self.expect("dmarc-milter", 73, ["-f", "-c", conf], "PidFile")

    def test_77_cannot_switch_user(self):
        conf, _ = self.conf("UserID root\nSpoolDirectory %s\n" % tempfile.mkdtemp(prefix="spool-"))
        self.expect("dmarc-milter", 77, ["-f", "-c", conf], "UserID without root", user="nobody")


class TestMilterDatabaseErrorText(unittest.TestCase):
    """The milter's log line for a database it cannot reach: one line,
    libpq's reason, the target, never the password."""

    def test_unreachable_database_logged_on_one_line(self):
        from integration.milter_support import MilterProcess, RawMilterClient
        s = hs.current()
        nowhere = tempfile.mkdtemp(prefix="no-postgres-")
        sock = s.path("milter-dberror", "dberror.sock")
        milter = MilterProcess(s, "dberror", "Database host=%s dbname=dmarc user=mx password=Secret-Word-17"
                               % nowhere, socket=sock).start()
        try:
            client = RawMilterClient(sock)
            try:
                client.begin()
                client.end([(b"From", b" alice@example.com")])
            finally:
                client.close()
            milter.wait_for_log("history database unavailable")
        finally:
            milter.stop()
        lines = [line for line in milter.log().splitlines() if "history database unavailable" in line]
        self.assertIn("cannot connect to the database (", lines[0])
        self.assertIn("host='%s'" % nowhere, lines[0])
        self.assertIn("No such file or directory; Is the server running locally", lines[0])
        self.assertNotIn("??", lines[0])
        self.assertNotIn("Secret-Word-17", milter.log())


class TestEveryDocumentedStatusIsProduced(unittest.TestCase):
    """Each documented status has a case here (test_<status>_...) or a named
    test elsewhere that asserts it; each case here is documented."""

    def check_page(self, page, case_class, elsewhere, exempt):
        want = documented(page)
        here = set(int(m.group(1)) for m in (re.match(r"test_(\d+)_", name) for name in dir(case_class)) if m)
        for status, test_id in elsewhere.items():
            module, cls, method = test_id.split(".")
            source = inspect.getsource(getattr(getattr(importlib.import_module("integration." + module), cls),
                                               method))
            self.assertRegex(source, r"\b%d\b" % status, "%s does not assert %d" % (test_id, status))
        covered = here | set(elsewhere) | set(exempt)
        self.assertEqual(sorted(want - covered), [], "%s: documented but produced by no test" % page)
        self.assertEqual(sorted(here - want), [], "%s: produced but not documented" % page)

    def test_reports_page(self):
        self.check_page("dmarc-reports.8.in", TestReportsExitStatus, REPORTS_ELSEWHERE, {})

    def test_milter_page(self):
        self.check_page("dmarc-milter.8.in", TestMilterExitStatus, MILTER_ELSEWHERE, MILTER_NOT_PRODUCIBLE)


if __name__ == "__main__":
    unittest.main()
