#!/bin/sh
# run-scenarios.sh: golden-file tests of the DMARC engine (STYLE.md convention
# 14). Each tests/scenarios/*.in runs through tests/tools/dmarc-eval and its
# output must equal the matching .ref byte for byte; a behaviour change shows
# up as a reviewable diff. UPDATE_REFS=1 rewrites the .ref files instead
# (review the diff before committing).
set -u
srcdir="${TOP_SRCDIR:-.}/tests/scenarios"
tool="${TOP_BUILDDIR:-.}/tests/tools/dmarc-eval"
status=0
count=0
for input in "$srcdir"/*.in; do
  [ -f "$input" ] || continue
  count=$((count + 1))
  ref="${input%.in}.ref"
  name=$(basename "$input" .in)
  output=$("$tool" "$input"; echo "exit=$?")
  if [ "${UPDATE_REFS:-0}" = 1 ]; then
    printf '%s\n' "$output" > "$ref"
    echo "UPDATED: $name"
    continue
  fi
  if [ ! -f "$ref" ]; then
    echo "FAIL: $name: no $ref"
    status=1
  elif printf '%s\n' "$output" | diff -u "$ref" - > /dev/null; then
    echo "PASS: $name"
  else
    echo "FAIL: $name (diff: want -, got +)"
    printf '%s\n' "$output" | diff -u "$ref" -
    status=1
  fi
done
if [ "$count" -eq 0 ]; then
  echo "FAIL: no scenario found in $srcdir"
  exit 1
fi
exit $status
