#!/bin/sh
# check-purity.sh: the engine in lib/core does no I/O (STYLE.md conventions 1-2).
# It may not include adapter headers nor the headers of the C libraries that
# do I/O, nor call syslog. Fails listing each offending line.
set -u
core="${TOP_SRCDIR:-.}/lib/core"
pattern='#include *[<"](lib/adapters/|milter/|reporting/|libmilter/|spf2/|opendkim/|unbound\.h|pqxx|libpq|syslog\.h|libpsl\.h|sys/socket\.h|netdb\.h|fstream|curl/|libxml/)'
found=$(grep -nE "$pattern" "$core"/*.cc "$core"/*.hh 2>/dev/null)
if [ -n "$found" ]; then
  echo "FAIL: lib/core must stay free of I/O; these includes belong in lib/adapters:"
  echo "$found"
  exit 1
fi
count=$(ls "$core"/*.cc "$core"/*.hh | wc -l)
echo "PASS: $count files in lib/core include no I/O headers"
