// run_lock.hh: serialises `dmarc-reports send` runs inside PostgreSQL with
// a session-level advisory lock, so that cron may start the tool on every
// MX host at once: one run builds and sends, the others wait and then find
// everything already done (STYLE.md 17: coordination in the database, never
// a local lock file, because the hosts share one database).
//
// Trusts the database. The lock lives as long as the connection's session;
// if the connection breaks, PostgreSQL releases it (and the run fails).
#pragma once

#include <chrono>
#include <cstdint>

#include <pqxx/connection>

namespace dmarc
{
// The advisory lock key of report runs ("dmarcsnd" in ASCII).
constexpr std::int64_t g_reportRunLockKey = 0x646d617263736e64;

class RunLock
{
public:
  // Waits up to `wait` for the lock (0: try once). held() says whether it
  // was obtained.
  RunLock(pqxx::connection& connection, std::chrono::seconds wait,
          std::int64_t key = g_reportRunLockKey);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  bool held() const { return d_held; }

private:
  pqxx::connection& d_connection;
  std::int64_t d_key;
  bool d_held = false;
};
} // namespace dmarc
