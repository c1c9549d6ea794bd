"""contrib/quickstart on this machine (issue 17), with the programs of this
build, its state and socket in the harness's directory.

It must log to the terminal when no syslog daemon listens (the run hides
/dev/log when the machine has one), print the cron line and the reports
command for its own database (and the command must work, as the role it
created for dmarc-reports), and keep an edited configuration on a second
run.
"""

import os
import re
import shlex
import signal
import subprocess
import threading
import unittest

from harness import services as hs


class QuickstartRun:
    """One run of quickstart, read line by line until the milter serves."""

    def __init__(self, state, socket_dir):
        cmd = [os.path.join(hs.top_srcdir(), "contrib", "quickstart"), "--state-dir", state,
               "--build-dir", hs.top_builddir(), "--socket-dir", socket_dir]
        if os.path.exists("/dev/log"):
            # A private mount namespace where nothing listens on /dev/log.
            cmd = ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                   'mount --bind /dev/null /dev/log && exec "$0" "$@"'] + cmd
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     stdin=subprocess.DEVNULL)
        self.lines = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()
        with self.changed:
            self.lines.append(None)
            self.changed.notify_all()

    def output(self):
        return "".join(line for line in self.lines if line is not None)

    def wait_for(self, pattern, timeout=600):
        with self.changed:
            ok = self.changed.wait_for(lambda: re.search(pattern, self.output()) or None in self.lines,
                                       timeout)
        if not ok or not re.search(pattern, self.output()):
            raise AssertionError("want %r in quickstart's output:\n%s" % (pattern, self.output()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        status = self.proc.wait(60)
        self.reader.join()
        return status


class TestQuickstart(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = hs.current()
        cls.state = os.path.dirname(cls.s.path("quickstart", "state", "x"))
        cls.socket_dir = os.path.dirname(cls.s.path("quickstart", "run", "x"))
        os.chmod(os.path.dirname(cls.state), 0o755)

    @classmethod
    def tearDownClass(cls):
        data = os.path.join(cls.state, "pg", "data")
        if os.path.exists(os.path.join(data, "postmaster.pid")):
            subprocess.run(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", data,
                            "-m", "fast", "-w", "stop"], capture_output=True, timeout=120)

    def run_until_serving(self):
        run = QuickstartRun(self.state, self.socket_dir)
        try:
            run.wait_for(r"dmarc-milter \S+ listening on local:%s/dmarc-milter.sock" % re.escape(self.socket_dir))
        except AssertionError:
            run.stop()
            raise
        return run

    def test_terminal_log_reports_role_cron_line_and_kept_edits(self):
        run = self.run_until_serving()
        try:
            out = run.output()
            self.assertIn("No syslog daemon listens on /dev/log: the milter logs to this terminal.", out)
            dsn = "host=%s/pg/sock dbname=dmarc user=dmarc-reports" % self.state
            reports = os.path.join(hs.top_builddir(), "reporting", "dmarc-reports")
            cron = [line.strip() for line in out.splitlines() if line.strip().startswith("15 0 * * *")]
            self.assertEqual(len(cron), 1, out)
            self.assertTrue(cron[0].startswith('15 0 * * * dmarc-reports %s send --database "%s" --email '
                                               % (reports, dsn)), cron[0])
            commands = [line.strip() for line in out.splitlines()
                        if line.strip().startswith("runuser -u dmarc-reports -- ")]
            self.assertEqual(len(commands), 2, out)
            for command in commands:
                if " --output-dir " in command:
                    outdir = self.s.path("quickstart", "reports")
                    os.makedirs(outdir, exist_ok=True)
                    os.chmod(outdir, 0o777)
                    command = command.replace("--output-dir /tmp", "--output-dir %s" % outdir)
                proc = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=120)
                self.assertEqual(proc.returncode, 0, "%s\n%s%s" % (command, proc.stdout, proc.stderr))
            # The cron line's command, as its user, reaches the database too.
            send = shlex.split(cron[0].split(" ", 6)[6]) + ["--dry-run"]
            proc = subprocess.run(["runuser", "-u", "dmarc-reports", "--"] + send, capture_output=True, text=True,
                                  timeout=120)
            self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        finally:
            self.assertEqual(run.stop(), 0, run.output())

        conf = os.path.join(self.state, "dmarc-milter.conf")
        with open(conf) as handle:
            edited = handle.read() + "# the admin's own line\nRejectFailures false\n"
        with open(conf, "w") as handle:
            handle.write(edited)
        run = self.run_until_serving()
        try:
            self.assertIn("dmarc-milter.conf was edited; keeping it", run.output())
        finally:
            self.assertEqual(run.stop(), 0, run.output())
        with open(conf) as handle:
            self.assertEqual(handle.read(), edited)
        self.assertTrue(os.path.exists(conf + ".new"))


if __name__ == "__main__":
    unittest.main()
