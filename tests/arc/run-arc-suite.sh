#!/bin/sh
# run-arc-suite.sh: the ARC test cases through ArcVerifier and ArcSealer
# (tests/arc/arc-suite): the open ARC test suite in
# $SHARED_DATA/arc-test-suite (175 validation and 17 signing cases; the
# known differences and their reasons are in arc-suite-exceptions.txt), and
# messages sealed by python3-dkim (make_arc_messages.py). Fails when a case
# fails, when the suite, Python's yaml module or python3-dkim is missing.
set -u
: "${SHARED_DATA:?SHARED_DATA must point at the shared test data}"
: "${TOP_SRCDIR:=.}"
: "${TOP_BUILDDIR:=.}"
: "${PYTHON3:=/usr/bin/python3}"
suite="$SHARED_DATA/arc-test-suite"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
if ! "$PYTHON3" "$TOP_SRCDIR/tests/arc/arc_suite_convert.py" \
    "$suite/arc-draft-validation-tests.yml" "$suite/arc-draft-sign-tests.yml" > "$work/suite.txt"; then
  echo "FAIL: cannot convert the ARC test suite in $suite"
  exit 1
fi
if ! "$PYTHON3" "$TOP_SRCDIR/tests/arc/make_arc_messages.py" > "$work/dkimpy.txt"; then
  echo "FAIL: cannot seal the test messages with python3-dkim (apt-get install python3-dkim python3-authres)"
  exit 1
fi
cat "$work/suite.txt" "$work/dkimpy.txt" > "$work/all.txt"
exec "$TOP_BUILDDIR/tests/arc/arc-suite" "$work/all.txt" "$TOP_SRCDIR/tests/arc/arc-suite-exceptions.txt"
