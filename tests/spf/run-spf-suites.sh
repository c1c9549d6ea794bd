#!/bin/sh
# run-spf-suites.sh: the OpenSPF RFC 7208 and RFC 4408 test suites through
# SpfChecker (tests/spf/spf-suite), zone data from the resolver fake.
# Prints each failing case with its reason and the pass counts. Fails when
# fewer than 195 of the 203 RFC 7208 results (issue 4's bar; Debian's
# libspf2 alone gets 110) or fewer than 183 of the 191 RFC 4408 results
# are right, or when the suites or Python's yaml module are missing.
set -u
: "${SHARED_DATA:?SHARED_DATA must point at the shared test data}"
: "${TOP_SRCDIR:=.}"
: "${TOP_BUILDDIR:=.}"
: "${PYTHON3:=/usr/bin/python3}"
suites="$SHARED_DATA/spf-test-suite"
work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
status=0
for spec in rfc7208:195 rfc4408:183; do
  name=${spec%%:*}
  minimum=${spec#*:}
  if ! "$PYTHON3" "$TOP_SRCDIR/tests/spf/spf_suite_convert.py" "$suites/$name-tests.yml" \
      > "$work/$name.txt"; then
    echo "FAIL: cannot convert $suites/$name-tests.yml"
    status=1
    continue
  fi
  "$TOP_BUILDDIR/tests/spf/spf-suite" "$work/$name.txt" "$name" "$minimum" || status=1
done
exit $status
