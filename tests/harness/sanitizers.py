"""Sanitizer reports of the programs the integration tests start.

Under ./configure --enable-sanitizers every program of ours reports an
AddressSanitizer, LeakSanitizer or UndefinedBehaviorSanitizer finding on its
standard error and exits with status 1. In the integration suite both can be
lost: a daemon's standard error goes to a log file that is read only when a
test fails (a leak report comes when the daemon stops, in tearDownClass, and
some tests ignore the daemon's exit status), a test that captures a tool's
output may never print it, and a test that expects a refusal (exit 64, 65,
75, any non-zero status) cannot tell a sanitizer's exit from it.

So the run sends every report to files of its own: log_path in ASAN_OPTIONS
and UBSAN_OPTIONS (LeakSanitizer writes through AddressSanitizer's), which
every child inherits; the sanitizer appends the process id to the name. The
runner (tests/integration/run.py) collects new files before and after each
test and once more at the end: a report written during a test fails that
test; one written between tests (a class's set-up or tear-down, where the
daemons stop and report their leaks) fails the run. Programs built without sanitizers ignore these
variables. LSAN_OPTIONS, with the suppressions of tests/lsan.supp, comes
from make check (tests/local.mk): to run the suite alone with it, use
make check TESTS=tests/integration/run.py.
"""

import os


class ReportDirectory:
    """The directory the sanitizers of this run's processes write to."""

    def __init__(self, root):
        self.dir = os.path.join(root, "sanitizer-reports")
        os.makedirs(self.dir, exist_ok=True)
        # Writable by every user, so a daemon that drops its privileges
        # can still write its report.
        os.chmod(self.dir, 0o1777)
        self.seen = {}  # file name: characters already collected
        prefix = os.path.join(self.dir, "report")
        for variable in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
            previous = os.environ.get(variable, "")
            os.environ[variable] = (previous + ":" if previous else "") + "log_path=" + prefix

    def collect(self):
        """The text of every report written since the last call, or ""."""
        texts = []
        for name in sorted(os.listdir(self.dir)):
            with open(os.path.join(self.dir, name), errors="replace") as handle:
                text = handle.read()
            # A process still writing its report is collected in parts.
            done = self.seen.get(name, 0)
            if len(text) > done:
                self.seen[name] = len(text)
                texts.append("----- %s -----\n%s" % (name, text[done:]))
        return "\n".join(texts)
