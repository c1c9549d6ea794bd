// command_line.hh: option parsing shared by the subcommands of
// dmarc-reports that take "--name value" / "--flag" options, and the
// database options every one of them has (--database, --password-file,
// with DMARC_DATABASE as the fallback for --database).
// Trusts nothing in argv beyond its being NUL-terminated strings.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace dmarc
{
struct ParsedCommandLine
{
  std::map<std::string, std::string> values; // "--name" -> value (last wins)
  std::set<std::string> flags;               // "--flag" given
  std::vector<std::string> positional;
  std::string error; // non-empty: usage error, say it and exit EX_USAGE
};

// Options listed in `withValue` take the next argument; `flags` take none.
// Anything else starting with '-' is an error.
ParsedCommandLine parseCommandLine(int argc, char** argv, const std::set<std::string>& withValue,
                                   const std::set<std::string>& flags);

// --database, else $DMARC_DATABASE, else empty (libpq then uses its own
// PG* environment variables and defaults).
std::string databaseOption(const ParsedCommandLine& parsed);

// A non-negative integer option, or std::nullopt when absent; sets
// parsed.error when the value is not a number within [min, max].
std::optional<long long> integerOption(ParsedCommandLine& parsed, const std::string& name,
                                       long long min, long long max);
} // namespace dmarc
