// cmd_expire.cc: `dmarc-reports expire`, deleting old verdict rows in
// batches. Each batch is one short transaction that locks only the old
// rows it deletes (found through verdict_received_idx), so the milters'
// concurrent inserts of new rows never wait on it; lock_timeout bounds
// what expire itself waits for.
#include "reporting/cmd_expire.hh"

#include <iostream>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/error.hh"
#include "reporting/command_line.hh"

namespace dmarc
{
namespace
{
constexpr const char* s_usage =
    "usage: dmarc-reports expire [--database CONNINFO] [--password-file FILE] [--max-age DAYS]\n"
    "                            [--batch-size ROWS] [--dry-run] [-v]\n"
    "  --max-age     delete verdicts received more than DAYS days ago (default 180)\n"
    "  --batch-size  rows deleted per transaction (default 5000)\n"
    "  --dry-run     only count what would be deleted\n";

constexpr long long s_defaultMaxAgeDays = 180;
constexpr long long s_defaultBatch = 5000;
} // namespace

int expireCommand(int argc, char** argv)
{
  auto parsed =
      parseCommandLine(argc, argv, {"--database", "--password-file", "--max-age", "--batch-size"},
                       {"--dry-run", "-v", "--verbose", "-h", "--help"});
  if (parsed.flags.count("-h") != 0 || parsed.flags.count("--help") != 0) {
    std::cout << s_usage;
    return EX_OK;
  }
  // Upper bounds: 100 years of history; a batch small enough to stay a
  // short transaction.
  auto maxAge = integerOption(parsed, "--max-age", 1, 36500).value_or(s_defaultMaxAgeDays);
  auto batch = integerOption(parsed, "--batch-size", 1, 1000000).value_or(s_defaultBatch);
  const std::string database = databaseOption(parsed);
  if (parsed.error.empty() && !parsed.positional.empty()) {
    parsed.error = "unexpected argument";
  }
  if (!parsed.error.empty()) {
    std::cerr << "dmarc-reports expire: " << parsed.error << "\n" << s_usage;
    return EX_USAGE;
  }
  const bool verbose = parsed.flags.count("-v") != 0 || parsed.flags.count("--verbose") != 0;

  try {
    std::unique_ptr<pqxx::connection> db;
    try {
      db = pgConnect(database, parsed.values["--password-file"], "dmarc-reports expire");
    } catch (const pqxx::broken_connection& error) {
      std::cerr << "dmarc-reports expire: " << pgConnectFailure(database, error) << "\n";
      return EX_UNAVAILABLE;
    }
    std::string cutoff;
    {
      pqxx::read_transaction tx(*db);
      cutoff = tx.exec_params1("SELECT (now() - make_interval(days => $1))::text",
                               static_cast<int>(maxAge))[0]
                   .as<std::string>();
      if (parsed.flags.count("--dry-run") != 0) {
        auto count =
            tx.exec_params1("SELECT count(*) FROM verdict WHERE received_at < $1", cutoff)[0]
                .as<long long>();
        std::cout << count << " verdict(s) received before " << cutoff << " would be deleted\n";
        return EX_OK;
      }
    }
    long long total = 0;
    while (true) {
      pqxx::work tx(*db);
      tx.exec("SET LOCAL lock_timeout = '5s'");
      auto deleted = tx.exec_params("DELETE FROM verdict WHERE id IN ("
                                    " SELECT id FROM verdict WHERE received_at < $1"
                                    " ORDER BY received_at LIMIT $2"
                                    " FOR UPDATE SKIP LOCKED)",
                                    cutoff, batch)
                         .affected_rows();
      tx.commit();
      total += static_cast<long long>(deleted);
      if (verbose) {
        std::cout << "deleted " << total << " so far\n" << std::flush;
      }
      if (static_cast<long long>(deleted) < batch) {
        break;
      }
    }
    std::cout << "expire: " << total << " verdict(s) received before " << cutoff << " deleted\n";
    return EX_OK;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports expire: " << error.what() << "\n";
    return EX_CONFIG;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports expire: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports expire: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace dmarc
