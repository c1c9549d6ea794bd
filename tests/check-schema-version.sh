#!/bin/sh
# check-schema-version.sh: the schema version the milter requires
# (lib/core/schema_requirement.hh) is the highest migration in sql/, so that
# it cannot drift when a migration is added.
set -u
top="${TOP_SRCDIR:-.}"
highest=$(ls "$top"/sql | sed -n 's/^\([0-9][0-9][0-9][0-9]\)_.*\.sql$/\1/p' | sort -n | tail -n 1)
required=$(sed -n 's/^inline constexpr int s_requiredSchemaVersion = \([0-9]*\);$/\1/p' \
  "$top"/lib/core/schema_requirement.hh)
if [ -z "$highest" ] || [ -z "$required" ]; then
  echo "FAIL: cannot find the highest migration ($highest) or s_requiredSchemaVersion ($required)"
  exit 1
fi
if [ "$(expr "$highest" + 0)" -ne "$required" ]; then
  echo "FAIL: s_requiredSchemaVersion is $required, the highest migration in sql/ is $highest"
  exit 1
fi
echo "PASS: the milter requires schema version $required, the highest migration"
