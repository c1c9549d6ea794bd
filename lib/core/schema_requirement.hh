// schema_requirement.hh: which database schema this build writes to, and
// the decision whether a database's schema will do.
//
// s_requiredSchemaVersion is the highest migration in sql/ (NNNN_*.sql):
// tests/check-schema-version.sh fails when the two differ, so that a new
// migration cannot be forgotten here. A newer schema is fine (several MX
// hosts are upgraded one after the other, after the database); an older
// one may refuse the values this build writes, which would lose verdicts.
#pragma once

#include <optional>
#include <string>

namespace dmarc
{
inline constexpr int s_requiredSchemaVersion = 14;

// The version of a schema whose version the connecting role may not read:
// the grant that lets it (sql/0013) is missing, so the schema is older (or
// the role is not in dmarc_milter, which the line says too).
inline constexpr int s_schemaVersionUnreadable = -1;

// Nothing when a schema of version `have` will do for a build that needs
// `need`; otherwise the line to log, which tells the administrator what
// to run.
std::optional<std::string> schemaTooOld(int have, int need = s_requiredSchemaVersion);
} // namespace dmarc
