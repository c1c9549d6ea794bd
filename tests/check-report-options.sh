#!/bin/sh
# check-report-options.sh: the option lists of dmarc-reports(8) are the ones
# the option table (reporting/report_options.def) generates, and every
# subcommand's --help names each of its options the page lists (STYLE.md 8).
# Regenerate the man page lists with "make update-man-options".
set -u
src="${TOP_SRCDIR:-.}"
build="${TOP_BUILDDIR:-.}"
tool="$build/reporting/dmarc-reports"
page="$src/man/dmarc-reports.8.in"
status=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$tool" ]; then
  echo "FAIL: $tool not built"
  exit 1
fi
"$tool" --man-options > "$tmp/want" || { echo "FAIL: $tool --man-options"; exit 1; }
sed -n '/^\.\\" BEGIN OPTIONS$/,/^\.\\" END OPTIONS$/p' "$page" | sed '1d;$d' > "$tmp/got"
if [ ! -s "$tmp/got" ]; then
  echo "FAIL: no BEGIN OPTIONS/END OPTIONS block in $page"
  status=1
elif ! diff -u "$tmp/got" "$tmp/want" > "$tmp/diff"; then
  echo "FAIL: the option lists of $page differ from the option table (make update-man-options):"
  cat "$tmp/diff"
  status=1
fi

# Each subcommand's --help lists the options its part of the page names.
options=0
for command in $("$tool" --help | sed -n 's/^  \([a-z][a-z-]*\)  .*/\1/p'); do
  "$tool" "$command" --help > "$tmp/help" || { echo "FAIL: $command --help"; status=1; continue; }
  for option in $(sed -n 's/^  \(-[a-z], \)\{0,1\}--\([a-z-]*\).*/\2/p' "$tmp/help"); do
    options=$((options + 1))
    name=$(printf '%s' "$option" | sed 's/-/\\\\-/g')
    if ! grep -q "\\\\-\\\\-$name\\( \\|\$\\)" "$tmp/want"; then
      echo "FAIL: $command --$option is not in the man page's option lists"
      status=1
    fi
  done
done
if [ "$options" -lt 50 ]; then
  echo "FAIL: only $options options found in the subcommands' --help"
  status=1
fi
if grep -n 'test_reports_cli\|check-[a-z-]*\.sh' "$page"; then
  echo "FAIL: $page names a test or check script"
  status=1
fi
[ $status -eq 0 ] && echo "PASS: $options options of $(grep -c '^The options of$' "$tmp/want") subcommands documented as the table says"
exit $status
