#!/bin/sh
# check-man.sh: every installed man page passes mandoc's lint at warning level.
# The man pages are generated into the build tree (man/*.5, man/*.8).
set -u
builddir="${TOP_BUILDDIR:-.}"
status=0
checked=0
for page in "$builddir"/man/*.[0-9]; do
  [ -e "$page" ] || continue
  checked=$((checked + 1))
  # mandoc reports "STYLE" notes too; warnings and worse fail the check.
  out=$(mandoc -Tlint -W warning "$page" 2>&1)
  if [ -n "$out" ]; then
    echo "FAIL: $page"
    echo "$out"
    status=1
  fi
done
echo "man pages linted: $checked"
exit $status
