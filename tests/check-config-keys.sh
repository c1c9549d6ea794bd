#!/bin/sh
# check-config-keys.sh: the key list of dmarc-milter.conf(5) is the one the
# key table (milter/config_keys.def) generates, every command line option
# of dmarc-milter --help is documented in dmarc-milter(8) (STYLE.md 8, 19),
# and the sample configuration (--sample-config, installed as
# dmarc-milter.conf) names every key once, each line of it parsing back to
# the default.
# Regenerate the man page list with "make update-man-keys".
set -u
src="${TOP_SRCDIR:-.}"
build="${TOP_BUILDDIR:-.}"
milter="$build/milter/dmarc-milter"
page5="$src/man/dmarc-milter.conf.5.in"
page8="$src/man/dmarc-milter.8.in"
status=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

if [ ! -x "$milter" ]; then
  echo "FAIL: $milter not built"
  exit 1
fi
"$milter" --man-keys > "$tmp/want" || { echo "FAIL: $milter --man-keys"; exit 1; }
sed -n '/^\.\\" BEGIN KEYS$/,/^\.\\" END KEYS$/p' "$page5" | sed '1d;$d' > "$tmp/got"
if [ ! -s "$tmp/got" ]; then
  echo "FAIL: no BEGIN KEYS/END KEYS block in $page5"
  status=1
elif ! diff -u "$tmp/got" "$tmp/want" > "$tmp/diff"; then
  echo "FAIL: the key list of $page5 differs from the key table (make update-man-keys):"
  cat "$tmp/diff"
  status=1
fi
keys=$(grep -c '^\.It Cm ' "$tmp/want")

# Every long option --help shows has a ".Fl -name" in the daemon's page,
# and every short one a ".Fl x".
options=0
for option in $("$milter" --help | sed -n 's/^  *\(-[a-zA-Z]\), --\([a-z-]*\).*/\1 --\2/p; s/^      --\([a-z-]*\).*/--\1/p'); do
  options=$((options + 1))
  name=${option#-}
  if ! grep -q "Fl $name\\( \\|\$\\)" "$page8"; then
    echo "FAIL: option $option is not documented in $page8"
    status=1
  fi
done
if [ "$options" -lt 10 ]; then
  echo "FAIL: only $options options found in --help"
  status=1
fi
"$milter" --sample-config > "$tmp/sample" || { echo "FAIL: $milter --sample-config"; exit 1; }
sample_keys=$(grep -c '^#[A-Z][A-Za-z0-9]* ' "$tmp/sample")
if [ "$sample_keys" -ne "$keys" ]; then
  echo "FAIL: the sample configuration names $sample_keys keys, the table has $keys"
  status=1
fi
if grep -v '^#' "$tmp/sample" | grep -q '[^[:space:]]'; then
  echo "FAIL: the sample configuration sets a key (every line must be commented out)"
  status=1
fi
sed 's/^#\([A-Z][A-Za-z0-9]* \)/\1/' "$tmp/sample" > "$tmp/uncommented"
: > "$tmp/empty"  # a regular file: the daemon refuses to read a device
"$milter" --dump-config -c "$tmp/empty" | sed 1d > "$tmp/defaults"
if ! "$milter" --dump-config -c "$tmp/uncommented" > "$tmp/dump" 2>&1; then
  echo "FAIL: the sample configuration, uncommented, does not parse:"
  cat "$tmp/dump"
  status=1
elif ! sed 1d "$tmp/dump" | diff -u "$tmp/defaults" - > "$tmp/diff"; then
  echo "FAIL: the sample configuration, uncommented, is not the defaults:"
  cat "$tmp/diff"
  status=1
fi
[ $status -eq 0 ] && echo "PASS: $keys keys and $options options documented, sample configuration complete"
exit $status
