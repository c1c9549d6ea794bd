// cmd_expire.cc: `dmarc-reports expire`. The verdict table is partitioned
// by UTC day (sql/0011_verdict_partitions.sql), so expiring is dropping
// the partitions of whole days older than --max-age: quick, whatever the
// day's size. Rows of those days in the default partition (days that never
// got a partition) are deleted in batches, and so are the days' keys in
// verdict_key (with their failure samples), each batch one short
// transaction that locks only the old rows it deletes, so the milters'
// concurrent inserts never wait on it; lock_timeout bounds what expire
// itself waits for.
#include "reporting/cmd_expire.hh"

#include <iostream>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/error.hh"
#include "reporting/command_line.hh"
#include "reporting/verdict_partitions.hh"

namespace dmarc
{
namespace
{
constexpr const char* s_usage =
    "usage: dmarc-reports expire [--database CONNINFO] [--password-file FILE] [--max-age DAYS]\n"
    "                            [--batch-size ROWS] [--dry-run] [-v]\n"
    "  --max-age     drop the verdicts of the UTC days that ended more than DAYS days ago\n"
    "                (default 180)\n"
    "  --batch-size  rows deleted per transaction outside the day partitions (default 5000)\n"
    "  --dry-run     only count what would be deleted\n";

constexpr long long s_defaultMaxAgeDays = 180;
constexpr long long s_defaultBatch = 5000;

// Deletes the rows `batchSql` selects ($1 cutoff, $2 batch size) until a
// batch comes back short; returns how many.
long long deleteInBatches(pqxx::connection& db, const std::string& batchSql,
                          const std::string& cutoff, long long batch, const std::string& what,
                          bool verbose)
{
  long long total = 0;
  while (true) {
    pqxx::work tx(db);
    tx.exec("SET LOCAL lock_timeout = '5s'");
    auto deleted = static_cast<long long>(tx.exec_params(batchSql, cutoff, batch).affected_rows());
    tx.commit();
    total += deleted;
    if (verbose && deleted > 0) {
      std::cout << "deleted " << total << " " << what << " so far\n" << std::flush;
    }
    if (deleted < batch) {
      return total;
    }
  }
}

// The expiry itself; returns the number of verdicts expired.
long long expire(pqxx::connection& db, const std::string& cutoff, long long batch, bool verbose)
{
  int dropped = dropVerdictPartitionsBefore(db, cutoff, [verbose](const std::string& line) {
    if (verbose) {
      std::cout << line << "\n" << std::flush;
    }
  });
  // After the drops, the only rows left before the cutoff are in the
  // default partition.
  deleteInBatches(db,
                  "DELETE FROM verdict WHERE (id, received_at) IN ("
                  " SELECT id, received_at FROM verdict WHERE received_at < $1::date::timestamp"
                  " AT TIME ZONE 'UTC' ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                  cutoff, batch, "row(s) of the default partition", verbose);
  // One key per stored verdict: their number is the number expired.
  long long verdicts =
      deleteInBatches(db,
                      "DELETE FROM verdict_key WHERE message_key IN ("
                      " SELECT message_key FROM verdict_key WHERE received_at < $1::date::timestamp"
                      " AT TIME ZONE 'UTC' ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                      cutoff, batch, "verdict key(s)", verbose);
  std::cout << "expire: " << dropped << " day partition(s) dropped\n";
  return verdicts;
}
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
    // The first day kept: today (UTC) minus --max-age days.
    std::string cutoff;
    {
      pqxx::read_transaction tx(*db);
      cutoff = tx.exec_params1("SELECT ((now() AT TIME ZONE 'UTC')::date - $1::integer)::text",
                               static_cast<int>(maxAge))[0]
                   .as<std::string>();
      if (parsed.flags.count("--dry-run") != 0) {
        auto count = tx.exec_params1("SELECT count(*) FROM verdict WHERE received_at <"
                                     " $1::date::timestamp AT TIME ZONE 'UTC'",
                                     cutoff)[0]
                         .as<long long>();
        std::cout << count << " verdict(s) received before " << cutoff
                  << " (UTC) would be deleted\n";
        return EX_OK;
      }
    }
    long long total = expire(*db, cutoff, batch, verbose);
    std::cout << "expire: " << total << " verdict(s) received before " << cutoff
              << " (UTC) deleted\n";
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
