#!/usr/bin/python3
"""Print each test runner's own summary line and one closing total.

Reads the automake test logs named in BUILDDIR/test-suite.log's directory
tree (every *.trs with its *.log) and counts test cases, not scripts:
Boost.Test runners report "N test cases out of M passed/failed", the
integration runner and the vector drivers end with "N passed, N failed",
and a plain check script counts as one case. Ends with the line
"total: N passed, N failed" and exits 1 if anything failed.
"""

import os
import re
import sys

BOOST_PASSED = re.compile(r"(\d+) test cases? out of (\d+) passed")
BOOST_FAILED = re.compile(r"(\d+) test cases? out of (\d+) failed")
BOOST_MODULE = re.compile(r'Test module "[^"]*" has (passed|failed) with:')
PLAIN = re.compile(r"^(?:\w+: )?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")
# Vector drivers: "rfc7208: 203/203 results correct", fuzz corpora: "PASS: name: 29 inputs".
RATIO = re.compile(r"^[\w.-]+: (\d+)/(\d+) results correct")
CORPUS = re.compile(r"^PASS: [\w.-]+: (\d+) inputs")


def summarize(log_text, status):
    """(passed, failed, summary line) for one test log."""
    if BOOST_MODULE.search(log_text):
        passed = sum(int(m.group(1)) for m in BOOST_PASSED.finditer(log_text))
        failed = sum(int(m.group(1)) for m in BOOST_FAILED.finditer(log_text))
        if status != "PASS" and failed == 0:
            failed = 1
        lines = [line.strip() for line in log_text.splitlines() if "test case" in line and "out of" in line]
        return passed, failed, "; ".join(lines)
    plain = [PLAIN.match(line.strip()) for line in log_text.splitlines()]
    plain = [m for m in plain if m]
    if plain:
        last = plain[-1]
        passed, failed = int(last.group(1)), int(last.group(2))
        if status != "PASS" and failed == 0:
            failed = 1
        return passed, failed, last.group(0).strip()
    ratios = [m for m in (RATIO.match(line.strip()) for line in log_text.splitlines()) if m]
    if ratios:
        passed = sum(int(m.group(1)) for m in ratios)
        failed = sum(int(m.group(2)) - int(m.group(1)) for m in ratios)
        if status != "PASS" and failed == 0:
            failed = 1
        return passed, failed, "; ".join(m.group(0) for m in ratios)
    corpora = [m for m in (CORPUS.match(line.strip()) for line in log_text.splitlines()) if m]
    if corpora and status == "PASS":
        return sum(int(m.group(1)) for m in corpora), 0, "; ".join(m.group(0) for m in corpora)
    if status == "PASS":
        return 1, 0, "passed"
    return 0, 1, status.lower()


def main():
    builddir = sys.argv[1] if len(sys.argv) > 1 else "."
    total_passed = total_failed = 0
    rows = []
    for dirpath, _, files in os.walk(builddir):
        if "/_build" in dirpath[len(builddir):] or "/dmarc-milter-" in dirpath:
            continue
        for name in sorted(files):
            if not name.endswith(".trs"):
                continue
            trs = os.path.join(dirpath, name)
            log = trs[:-4] + ".log"
            with open(trs, errors="replace") as handle:
                match = re.search(r":test-result: (\w+)", handle.read())
            status = match.group(1) if match else "ERROR"
            try:
                with open(log, errors="replace") as handle:
                    text = handle.read()
            except OSError:
                text = ""
            passed, failed, line = summarize(text, status)
            total_passed += passed
            total_failed += failed
            rows.append((os.path.relpath(log, builddir)[:-4], status, line))
    for test, status, line in sorted(rows):
        print("%-5s %-42s %s" % (status, test, line))
    print("total: %d passed, %d failed" % (total_passed, total_failed))
    return 1 if total_failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
