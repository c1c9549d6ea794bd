#!/usr/bin/python3
"""Integration and end-to-end tests with real services.

Starts PostgreSQL, unbound and Postfix (tests/harness/services.py) once, in a
fresh temporary directory, runs every tests/integration/test_*.py (unittest),
stops the services even on failure or interruption, prints the services' logs
when anything failed, and ends with the line "N passed, N failed".

A service that cannot start fails the run: nothing passes silently. Neither
does a sanitizer report of any program the tests start (a build with
--enable-sanitizers): it fails the test during which it appeared, or the run
(tests/harness/sanitizers.py).
Usage: run.py [-k PATTERN] [--keep] [test_module ...]
"""

import argparse
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import sanitizers  # noqa: E402
from harness import services as hs  # noqa: E402


class SanitizerCheckingResult(unittest.TextTestResult):
    """Fails a test during which one of our programs wrote a sanitizer report,
    and keeps the reports written between tests (setUpClass, tearDownClass:
    a daemon's leaks are reported when it stops) for the end of the run."""

    reports = None
    between = []

    def startTest(self, test):
        found = self.reports.collect()
        if found:
            self.between.append(found)
        super().startTest(test)

    def stopTest(self, test):
        found = self.reports.collect()
        if found:
            try:
                raise AssertionError("sanitizer report(s) during this test:\n" + found)
            except AssertionError:
                self.addFailure(test, sys.exc_info())
        super().stopTest(test)


def main():
    hs.isolate(__file__)
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-k", dest="pattern", action="append", help="only tests matching this substring")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("modules", nargs="*", help="test modules (default: all test_*.py)")
    args = parser.parse_args()

    here = os.path.dirname(os.path.abspath(__file__))
    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % p for p in args.pattern]
    if args.modules:
        suite = unittest.TestSuite(loader.loadTestsFromName("integration." + os.path.basename(m).removesuffix(".py"))
                                   for m in args.modules)
    else:
        suite = loader.discover(here, pattern="test_*.py", top_level_dir=os.path.dirname(here))

    services = hs.Services(keep=args.keep)
    hs.set_current(services)
    reports = sanitizers.ReportDirectory(services.root)
    SanitizerCheckingResult.reports = reports

    def interrupted(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, interrupted)
    ok = False
    counts = (0, 0, 0)
    try:
        try:
            services.start()
        except Exception as err:  # a service that cannot start fails the run
            print("FAIL: the test services could not start: %s" % err, flush=True)
            print(services.logs(), flush=True)
            print("0 passed, 1 failed")
            return 1
        print("services up in %s: postgres %s, dns %s, postfix %d/%d, sink %d" % (
            services.root, services.postgres.sockdir, services.dns.nameserver, services.postfix.plain_port,
            services.postfix.milter_port, services.sink.port), flush=True)
        result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout,
                                         resultclass=SanitizerCheckingResult).run(suite)
        # A test can fail twice (its own assertion, then a sanitizer report).
        failed = len({id(test) for test, _ in result.failures + result.errors}
                     | {id(test) for test in result.unexpectedSuccesses})
        skipped = len(result.skipped)
        counts = (result.testsRun - failed - skipped, failed, skipped)
        ok = result.wasSuccessful() and result.testsRun > 0
        late = SanitizerCheckingResult.between + [reports.collect()]
        late = "\n".join(text for text in late if text)
        if late:
            print("FAIL: sanitizer report(s) between tests (class set-up or tear-down):\n%s" % late,
                  flush=True)
            counts = (counts[0], counts[1] + 1, counts[2])
            ok = False
        if not ok:
            print("\n===== service logs =====", flush=True)
            print(services.logs(), flush=True)
    finally:
        left = hs.stop_leftover_processes()
        if left:
            print("stopped %d program(s) a test left running: %s" % (len(left), "; ".join(left)),
                  flush=True)
        services.stop()
    print("%d passed, %d failed, %d skipped" % counts)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
