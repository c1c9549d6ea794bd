// cmd_expire.cc: `dmarc-reports expire`. The verdict table is partitioned
// by UTC day (sql/0011_verdict_partitions.sql), so expiring is dropping
// the partitions of whole days older than --max-age (with their failure
// samples; nothing else keeps a day's keys since sql/0014_resend_window.sql):
// quick, whatever the day's size. Rows of those days in the default
// partition (days that never got a partition) are deleted in batches, each
// batch one short transaction that locks only the old rows it deletes, so
// the milters' concurrent inserts never wait on it; lock_timeout bounds
// what expire itself waits for.
#include "reporting/cmd_expire.hh"

#include <iostream>
#include <sysexits.h>
#include <utility>

#include <pqxx/pqxx>

#include "lib/adapters/store/verdict_schema.hh"
#include "reporting/subcommand.hh"
#include "reporting/verdict_partitions.hh"

namespace dmarc
{
namespace
{
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

// The expiry itself: the number of day partitions dropped, and of the
// verdicts deleted from the default partition.
std::pair<int, long long> expire(pqxx::connection& db, const std::string& cutoff, long long batch,
                                 bool verbose)
{
  int dropped = dropVerdictPartitionsBefore(db, cutoff, [verbose](const std::string& line) {
    if (verbose) {
      std::cout << line << "\n" << std::flush;
    }
  });
  // After the drops, the only rows left before the cutoff are in the
  // default partition.
  long long deleted = deleteInBatches(db, verdictDeleteBeforeDaySql(), cutoff, batch,
                                      "row(s) of the default partition", verbose);
  return {dropped, deleted};
}
} // namespace

int expireCommand(const ReportArguments& args)
{
  const long long batch = *args.number(ReportOption::BatchSize);
  const bool verbose = args.flag(ReportOption::Verbose);
  const auto db = connectDatabase(args);
  // The first day kept: today (UTC) minus --max-age days.
  std::string cutoff;
  {
    pqxx::read_transaction tx(*db);
    cutoff = tx.exec_params1("SELECT ((now() AT TIME ZONE 'UTC')::date - $1::integer)::text",
                             static_cast<int>(*args.number(ReportOption::MaxAge)))[0]
                 .as<std::string>();
    if (args.flag(ReportOption::ExpireDryRun)) {
      auto count = tx.exec_params1(verdictCountBeforeDaySql(), cutoff)[0].as<long long>();
      std::cout << count << " verdict(s) received before " << cutoff << " (UTC) would be deleted\n";
      return EX_OK;
    }
  }
  // A dropped partition's rows are not counted: that would read the whole
  // day (--dry-run counts them).
  auto [dropped, deleted] = expire(*db, cutoff, batch, verbose);
  std::cout << "expire: " << dropped << " day partition(s) dropped and " << deleted
            << " verdict(s) deleted from the default partition, received before " << cutoff
            << " (UTC)\n";
  return EX_OK;
}
} // namespace dmarc
