// pg_migrator.cc: schema_migration bookkeeping and the apply loop.
#include "lib/adapters/store/pg_migrator.hh"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include <pqxx/pqxx>

namespace dmarc
{
namespace
{
// An arbitrary constant naming "schema change in progress" for
// pg_advisory_xact_lock; unrelated to any lock the report runs take.
constexpr long long s_upgradeLockKey = 0x646d617263L; // "dmarc"

constexpr const char* s_createVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_migration ("
    " version integer NOT NULL,"
    " name text NOT NULL,"
    " checksum text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now(),"
    " CONSTRAINT schema_migration_pk PRIMARY KEY (version),"
    " CONSTRAINT schema_migration_version_ck CHECK (version > 0))";

std::map<int, std::string> recordedChecksums(pqxx::work& tx)
{
  std::map<int, std::string> recorded;
  for (const auto& row : tx.exec("SELECT version, checksum FROM schema_migration")) {
    recorded[row[0].as<int>()] = row[1].as<std::string>();
  }
  return recorded;
}
} // namespace

std::vector<Migration> loadMigrations(const std::string& directory)
{
  static const std::regex s_name("([0-9]{4})_[a-z0-9_]+\\.sql");
  std::vector<Migration> migrations;
  std::error_code error;
  std::filesystem::directory_iterator it(directory, error);
  if (error) {
    throw ConfigError("cannot read the migrations directory " + directory + ": " + error.message());
  }
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    std::smatch match;
    if (!std::regex_match(name, match, s_name) || !entry.is_regular_file()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) {
      throw ConfigError("cannot read migration " + entry.path().string());
    }
    Migration migration;
    migration.version = std::stoi(match[1].str());
    migration.name = name;
    migration.text = text.str();
    if (migration.version == 0) {
      throw ConfigError("migration " + name + ": numbers start at 0001");
    }
    migrations.push_back(std::move(migration));
  }
  std::sort(migrations.begin(), migrations.end(),
            [](const Migration& a, const Migration& b) { return a.version < b.version; });
  for (std::size_t i = 1; i < migrations.size(); ++i) {
    if (migrations[i].version == migrations[i - 1].version) {
      throw ConfigError("migrations " + migrations[i - 1].name + " and " + migrations[i].name +
                        " share a number");
    }
  }
  if (migrations.empty()) {
    throw ConfigError("no NNNN_name.sql migration in " + directory);
  }
  return migrations;
}

int schemaVersion(pqxx::connection& db)
{
  pqxx::read_transaction tx(db);
  auto exists = tx.exec1("SELECT to_regclass('schema_migration') IS NOT NULL")[0].as<bool>();
  if (!exists) {
    return 0;
  }
  return tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migration")[0].as<int>();
}

UpgradeResult upgradeSchema(pqxx::connection& db, const std::vector<Migration>& migrations,
                            const std::function<void(const std::string&)>& progress)
{
  UpgradeResult result;
  const int newestKnown = migrations.empty() ? 0 : migrations.back().version;
  bool first = true;
  // One transaction per migration; the lock and the recorded set are taken
  // again each time, so that a concurrent upgrader's work is seen.
  for (const auto& migration : migrations) {
    pqxx::work tx(db);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", s_upgradeLockKey);
    tx.exec(s_createVersionTable);
    auto recorded = recordedChecksums(tx);
    int highest = recorded.empty() ? 0 : recorded.rbegin()->first;
    if (first) {
      result.before = highest;
      first = false;
      if (highest > newestKnown) {
        throw SchemaTooNew("the database schema is at version " + std::to_string(highest) +
                           ", newer than the " + std::to_string(newestKnown) +
                           " this program knows: upgrade dmarc-milter first");
      }
      for (const auto& known : migrations) {
        auto it = recorded.find(known.version);
        if (it != recorded.end()) {
          auto checksum = tx.exec_params1("SELECT md5($1)", known.text)[0].as<std::string>();
          if (checksum != it->second) {
            result.changed.push_back(known.name);
          }
        }
      }
    }
    if (recorded.count(migration.version) != 0) {
      tx.abort();
      continue;
    }
    if (progress) {
      progress("applying " + migration.name);
    }
    // A migration is a script of several statements without parameters:
    // the simple query protocol runs it as it is.
    tx.exec(migration.text);
    tx.exec_params(
        "INSERT INTO schema_migration (version, name, checksum) VALUES ($1, $2, md5($3))",
        migration.version, migration.name, migration.text);
    tx.commit();
    result.applied.push_back(migration.name);
  }
  result.after = schemaVersion(db);
  return result;
}
} // namespace dmarc
