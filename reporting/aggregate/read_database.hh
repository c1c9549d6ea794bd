// read_database.hh: where `dmarc-reports send` reads the verdicts from: a
// read-only standby (--read-database) once it has replayed everything the
// primary had written when the run took its lock, else the primary.
//
// Only the SELECTs over the verdict table (the heavy part of a night's run)
// go to the standby. The advisory lock and the bookkeeping (aggregate_report
// and the delivery tables, whose sequences only a primary can advance) stay
// on the primary's connection. A standby that lags is waited for, up to
// lagWait, and then passed over for the primary with a warning: a late or
// incomplete report would be worse than the load on the primary.
//
// Trusts the administrator's connection strings. The standby's session is
// made read-only, so that a string naming a primary by mistake cannot write
// there either.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <pqxx/connection>

namespace dmarc
{
struct ReadDatabaseOptions
{
  std::string connection; // empty: no standby, the primary serves the reads
  std::string passwordFile;
  std::chrono::seconds lagWait{300}; // 0: check once
};

// Log lines: level 1 verbose, 2 warning (the RunLog levels of report_run.hh).
using ReadDatabaseLog = std::function<void(int level, const std::string& line)>;

// The standby's connection, read-only, when it has replayed the primary's
// WAL up to the position the primary reports now; nullptr when there is no
// standby, it cannot be reached, or it stays behind for longer than
// lagWait: the caller then reads from `primary`. A node that is not in
// recovery (a promoted standby, a second primary) serves as it is.
std::unique_ptr<pqxx::connection> openReadDatabase(pqxx::connection& primary,
                                                   const ReadDatabaseOptions& options,
                                                   const ReadDatabaseLog& log);
} // namespace dmarc
