// schema_requirement.cc: the schema version decision and its log line.
#include "lib/core/schema_requirement.hh"

namespace dmarc
{
std::optional<std::string> schemaTooOld(int have, int need)
{
  if (have >= need) {
    return std::nullopt;
  }
  const std::string version =
      have == s_schemaVersionUnreadable
          ? "older than version " + std::to_string(need) +
                " (permission denied reading its version: if it is upgraded, is the role in "
                "dmarc_milter?)"
          : "version " + std::to_string(have);
  return "database schema is " + version + ", this dmarc-milter needs " + std::to_string(need) +
         ": run dmarc-reports db upgrade";
}
} // namespace dmarc
