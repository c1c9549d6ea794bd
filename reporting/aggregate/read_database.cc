// read_database.cc: the primary's WAL position, then the standby's replay
// position polled against it until it is reached or the wait runs out.
#include "reporting/aggregate/read_database.hh"

#include <algorithm>
#include <cstdio>
#include <thread>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"

namespace dmarc
{
namespace
{
// How often a lagging standby's replay position is read again.
constexpr std::chrono::milliseconds s_pollInterval{200};

// What the standby has replayed, compared with the primary's position.
struct ReplayState
{
  bool inRecovery = false;
  bool caughtUp = false;
  std::string replayed; // the standby's replay LSN, for the log
  std::string behind;   // bytes of WAL not yet replayed, for the log
};

// Every transaction that committed (and every asynchronous commit already
// written) before this call is at or below this position. A primary that
// is itself in recovery has no current position: its replay one serves.
std::string primaryPosition(pqxx::connection& primary)
{
  pqxx::nontransaction tx(primary);
  return tx
      .exec("SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() "
            "ELSE pg_current_wal_lsn() END)::text")[0][0]
      .as<std::string>("0/0");
}

ReplayState replayState(pqxx::connection& standby, const std::string& target)
{
  pqxx::nontransaction tx(standby);
  auto row = tx.exec_params("SELECT pg_is_in_recovery(), "
                            "COALESCE(pg_last_wal_replay_lsn() >= $1::pg_lsn, false), "
                            "COALESCE(pg_last_wal_replay_lsn()::text, 'none'), "
                            "COALESCE(pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::text, "
                            "'unknown')",
                            target)[0];
  return {row[0].as<bool>(), row[1].as<bool>(), row[2].as<std::string>(), row[3].as<std::string>()};
}
} // namespace

std::unique_ptr<pqxx::connection> openReadDatabase(pqxx::connection& primary,
                                                   const ReadDatabaseOptions& options,
                                                   const ReadDatabaseLog& log)
{
  if (options.connection.empty()) {
    return nullptr;
  }
  const std::string where = pgConnectionTarget(options.connection);
  const std::string target = primaryPosition(primary);
  std::unique_ptr<pqxx::connection> standby;
  try {
    standby = pgConnect(options.connection, options.passwordFile, "dmarc-reports send (reads)");
    pqxx::nontransaction tx(*standby);
    tx.exec("SET default_transaction_read_only = on");
  } catch (const pqxx::broken_connection& error) {
    log(2, pgConnectFailure(options.connection, error) + "; reading the verdicts from the primary");
    return nullptr;
  }
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + options.lagWait;
  for (;;) {
    ReplayState state = replayState(*standby, target);
    if (!state.inRecovery || state.caughtUp) {
      char waited[32];
      std::snprintf(
          waited, sizeof waited, "%.1f",
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
      log(1, "reading the verdicts from " + where +
                 (state.inRecovery ? ", a standby at " + state.replayed + " (the primary was at " +
                                         target + ", waited " + waited + " s)"
                                   : ", which is not in recovery"));
      return standby;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      log(2, "the standby " + where + " has replayed WAL up to " + state.replayed +
                 ", the primary was at " + target + " when the run began (" + state.behind +
                 " bytes behind) after waiting " + std::to_string(options.lagWait.count()) +
                 " s; reading the verdicts from the primary");
      return nullptr;
    }
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(s_pollInterval, deadline - now));
  }
}
} // namespace dmarc
