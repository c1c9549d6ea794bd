// verdict_partitions.cc: calls of verdict_partition_add and
// verdict_partition_drop (sql/0011_verdict_partitions.sql), whose
// statements are in lib/adapters/store/verdict_schema.
#include "reporting/verdict_partitions.hh"

#include <chrono>
#include <cstdio>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/store/verdict_schema.hh"

namespace dmarc
{
namespace
{
constexpr int s_lockAttempts = 5;

// Runs `sql` (one day parameter) in its own transaction with a short lock_timeout, again
// after a lock timeout (SQLSTATE 55P03), at most s_lockAttempts times.
bool lockedStep(pqxx::connection& connection, const std::string& sql, const std::string& day)
{
  for (int attempt = 1;; ++attempt) {
    try {
      pqxx::work tx(connection);
      tx.exec("SET LOCAL lock_timeout = '1s'");
      bool done = tx.exec_params1(sql, day)[0].as<bool>();
      tx.commit();
      return done;
    } catch (const pqxx::sql_error& error) {
      if (error.sqlstate() != "55P03" || attempt == s_lockAttempts) {
        throw;
      }
    }
  }
}

std::vector<std::string> days(pqxx::connection& connection, const std::string& sql,
                              const std::string& parameter)
{
  pqxx::read_transaction tx(connection);
  std::vector<std::string> out;
  for (const auto& row : tx.exec_params(sql, parameter)) {
    out.push_back(row[0].as<std::string>());
  }
  return out;
}
} // namespace

PartitionsAdded addVerdictPartitions(pqxx::connection& connection, int aheadDays,
                                     const std::function<void(const std::string&)>& progress)
{
  auto wanted = days(connection, verdictPartitionDaysWantedSql(), std::to_string(aheadDays));
  PartitionsAdded added;
  for (const auto& day : wanted) {
    if (lockedStep(connection, verdictPartitionAddSql(), day)) {
      ++added.created;
      progress("created the partition of " + day);
    }
  }
  pqxx::read_transaction tx(connection);
  added.leftInDefault = tx.exec1(verdictDefaultPartitionCountSql())[0].as<long long>();
  return added;
}

int dropVerdictPartitionsBefore(pqxx::connection& connection, const std::string& cutoffDay,
                                const std::function<void(const std::string&)>& progress)
{
  auto old = days(connection, verdictPartitionDaysBeforeSql(), cutoffDay);
  int dropped = 0;
  for (const auto& day : old) {
    const auto started = std::chrono::steady_clock::now();
    if (lockedStep(connection, verdictPartitionDropSql(), day)) {
      ++dropped;
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.3f", took.count());
      progress("dropped the partition of " + day + " in " + seconds + " s");
    }
  }
  return dropped;
}
} // namespace dmarc
