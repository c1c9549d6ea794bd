// cmd_db.cc: `dmarc-reports db upgrade`, `db version` and `db partitions`.
// The migrations directory is --sql-dir, else $DMARC_SQL_DIR, else the
// installed $(pkgdatadir)/sql (report_options.def).
#include "reporting/cmd_db.hh"

#include <iostream>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/store/pg_migrator.hh"
#include "reporting/subcommand.hh"
#include "reporting/verdict_partitions.hh"

namespace dmarc
{
namespace
{
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
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports db: partitions failed [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
}

// `db upgrade`: the migrations the database has not recorded.
int upgradeAction(pqxx::connection& db, const std::vector<Migration>& migrations,
                  const std::string& database)
{
  try {
    auto result = upgradeSchema(db, migrations, [](const std::string& line) {
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
  } catch (const pqxx::sql_error& error) {
    // Nothing of the failed migration is kept (its transaction rolled back).
    std::cerr << "dmarc-reports db: migration failed [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace

int dbCommand(const ReportArguments& args)
{
  const auto& operands = args.operands();
  const std::string action = operands.size() == 1 ? operands[0] : "";
  if (action != "upgrade" && action != "version" && action != "partitions") {
    throw UsageError("say upgrade, version or partitions");
  }
  const std::string& database = args.text(ReportOption::Database);
  if (action == "partitions") {
    const auto db = connectDatabase(args);
    return partitionsAction(*db, static_cast<int>(*args.number(ReportOption::Ahead)), database);
  }
  const std::vector<Migration> migrations = loadMigrations(args.text(ReportOption::SqlDir));
  const auto db = connectDatabase(args);
  if (action == "upgrade") {
    return upgradeAction(*db, migrations, database);
  }
  const int current = schemaVersion(*db);
  const int newest = migrations.back().version;
  std::cout << "schema version " << current << ", newest known " << newest << "\n";
  return current > newest ? EX_DATAERR : EX_OK;
}
} // namespace dmarc
