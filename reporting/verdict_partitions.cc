// verdict_partitions.cc: calls of verdict_partition_add and
// verdict_partition_drop (sql/0011_verdict_partitions.sql).
#include "reporting/verdict_partitions.hh"

#include <chrono>
#include <cstdio>
#include <vector>

#include <pqxx/pqxx>

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
  // The default partition is small (only rows of days nobody created), so
  // reading its days is cheap.
  auto wanted = days(connection,
                     "SELECT day::text FROM ("
                     " SELECT (now() AT TIME ZONE 'UTC')::date + n AS day"
                     "   FROM generate_series(0, $1::integer) AS n"
                     " UNION SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date"
                     "   FROM verdict_default) AS d"
                     " WHERE NOT EXISTS (SELECT 1 FROM verdict_partition p WHERE p.day = d.day)"
                     " ORDER BY day",
                     std::to_string(aheadDays));
  PartitionsAdded added;
  for (const auto& day : wanted) {
    if (lockedStep(connection, "SELECT verdict_partition_add($1::date)", day)) {
      ++added.created;
      progress("created the partition of " + day);
    }
  }
  pqxx::read_transaction tx(connection);
  added.leftInDefault = tx.exec1("SELECT count(*) FROM verdict_default")[0].as<long long>();
  return added;
}

int dropVerdictPartitionsBefore(pqxx::connection& connection, const std::string& cutoffDay,
                                const std::function<void(const std::string&)>& progress)
{
  auto old =
      days(connection, "SELECT day::text FROM verdict_partition WHERE day < $1::date ORDER BY day",
           cutoffDay);
  int dropped = 0;
  for (const auto& day : old) {
    const auto started = std::chrono::steady_clock::now();
    if (lockedStep(connection, "SELECT verdict_partition_drop($1::date)", day)) {
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
