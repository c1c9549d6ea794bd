// pg_migrator.hh: applying the numbered schema migrations of sql/ once
// each, recorded in the table schema_migration (sql/README).
//
// Trust: migration files come from the installation ($(pkgdatadir)/sql) or
// a directory the administrator names; they are executed as they are. The
// database may be newer than this build: then nothing is applied and
// upgradeSchema() throws SchemaTooNew.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <pqxx/connection>

#include "lib/core/error.hh"

namespace dmarc
{
struct Migration
{
  int version = 0;  // from the file name NNNN_name.sql
  std::string name; // the file name
  std::string text; // the SQL
};

class SchemaTooNew : public Error
{
public:
  using Error::Error;
};

// Reads every NNNN_<name>.sql file of `directory`, sorted by number.
// Throws ConfigError when the directory cannot be read, two files share a
// number, or no migration is found. Other files are ignored.
std::vector<Migration> loadMigrations(const std::string& directory);

struct UpgradeResult
{
  int before = 0; // highest version recorded before (0: empty database)
  int after = 0;
  std::vector<std::string> applied; // file names, in order
  std::vector<std::string> changed; // applied earlier, text differs now (warnings)
};

// Applies the migrations the database has not recorded, in order, each in
// its own transaction under a transaction-level advisory lock (so that
// concurrent upgrades from several hosts serialise). Throws SchemaTooNew
// when the database records a version above the highest known one.
UpgradeResult upgradeSchema(pqxx::connection& db, const std::vector<Migration>& migrations,
                            const std::function<void(const std::string&)>& progress = {});

// Highest version recorded (0 when the version table does not exist).
int schemaVersion(pqxx::connection& db);
} // namespace dmarc
