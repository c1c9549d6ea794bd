// cmd_db.cc: `dmarc-reports db upgrade`, `db version` and `db partitions`.
// The migrations directory is --sql-dir, else $DMARC_SQL_DIR, else the
// installed $(pkgdatadir)/sql.
#include "reporting/cmd_db.hh"

#include <cstdlib>
#include <iostream>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/store/pg_migrator.hh"
#include "reporting/command_line.hh"
#include "reporting/verdict_partitions.hh"

namespace dmarc
{
namespace
{
constexpr const char* s_usage =
    "usage: dmarc-reports db upgrade [--database CONNINFO] [--password-file FILE] [--sql-dir DIR]\n"
    "       dmarc-reports db version [--database CONNINFO] [--password-file FILE] [--sql-dir DIR]\n"
    "       dmarc-reports db partitions [--database CONNINFO] [--password-file FILE] [--ahead "
    "DAYS]\n"
    "  --database       libpq connection string (default: $DMARC_DATABASE, then PG* variables)\n"
    "  --password-file  file whose first line is the database password\n"
    "  --sql-dir        migrations directory (default: $DMARC_SQL_DIR or " DM_PKGDATADIR "/sql)\n"
    "  --ahead          partitions: create the verdict partitions of today and DAYS days\n"
    "                   ahead (default 7)\n";

constexpr long long s_defaultAheadDays = 7;

std::string sqlDirectory(const ParsedCommandLine& parsed)
{
  if (auto it = parsed.values.find("--sql-dir"); it != parsed.values.end()) {
    return it->second;
  }
  const char* env = std::getenv("DMARC_SQL_DIR");
  return env != nullptr ? env : DM_PKGDATADIR "/sql";
}

// `db partitions`: the verdict table's coming days (verdict_partitions.hh).
int partitionsAction(pqxx::connection& db, int aheadDays, const std::string& database)
{
  try {
    auto added = addVerdictPartitions(db, aheadDays, [](const std::string& line) {
      std::cout << line << "\n" << std::flush;
    });
    std::cout << "partitions: " << added.created << " created, " << added.leftInDefault
              << " verdict(s) in the default partition\n";
    return EX_OK;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports db: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports db: partitions failed [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace

int dbCommand(int argc, char** argv)
{
  auto parsed = parseCommandLine(
      argc, argv, {"--database", "--password-file", "--sql-dir", "--ahead"}, {"-h", "--help"});
  if (parsed.flags.count("-h") != 0 || parsed.flags.count("--help") != 0) {
    std::cout << s_usage;
    return EX_OK;
  }
  if (parsed.error.empty() && parsed.positional.size() != 1) {
    parsed.error = "say upgrade, version or partitions";
  }
  const std::string action = parsed.positional.empty() ? "" : parsed.positional[0];
  if (parsed.error.empty() && action != "upgrade" && action != "version" &&
      action != "partitions") {
    parsed.error = "unknown action (upgrade, version or partitions)";
  }
  // A year ahead at most: each partition is a table.
  const auto aheadDays = integerOption(parsed, "--ahead", 0, 366).value_or(s_defaultAheadDays);
  const std::string database = databaseOption(parsed);
  if (!parsed.error.empty()) {
    std::cerr << "dmarc-reports db: " << parsed.error << "\n" << s_usage;
    return EX_USAGE;
  }

  std::vector<Migration> migrations;
  try {
    if (action != "partitions") {
      migrations = loadMigrations(sqlDirectory(parsed));
    }
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports db: " << error.what() << "\n";
    return EX_CONFIG;
  }

  std::unique_ptr<pqxx::connection> db;
  try {
    db = pgConnect(database, parsed.values["--password-file"], "dmarc-reports db");
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports db: " << error.what() << "\n";
    return EX_CONFIG;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports db: " << pgConnectFailure(database, error) << "\n";
    return EX_UNAVAILABLE;
  }

  if (action == "partitions") {
    return partitionsAction(*db, static_cast<int>(aheadDays), database);
  }
  const int newest = migrations.back().version;
  if (action == "version") {
    int current = schemaVersion(*db);
    std::cout << "schema version " << current << ", newest known " << newest << "\n";
    return current > newest ? EX_DATAERR : EX_OK;
  }
  try {
    auto result = upgradeSchema(*db, migrations, [](const std::string& line) {
      std::cout << line << "\n" << std::flush;
    });
    for (const auto& name : result.changed) {
      std::cerr << "dmarc-reports db: warning: " << name
                << " differs from the text applied earlier (migrations must not be edited)\n";
    }
    std::cout << "schema version " << result.before << " -> " << result.after << " ("
              << result.applied.size() << " migration(s) applied)\n";
    return EX_OK;
  } catch (const SchemaTooNew& error) {
    std::cerr << "dmarc-reports db: " << error.what() << "\n";
    return EX_DATAERR;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports db: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    // Nothing of the failed migration is kept (its transaction rolled back).
    std::cerr << "dmarc-reports db: migration failed [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace dmarc
