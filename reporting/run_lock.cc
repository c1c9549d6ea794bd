// run_lock.cc: pg_advisory_lock under a lock_timeout, pg_try_advisory_lock
// when not waiting.
#include "reporting/run_lock.hh"

#include <pqxx/pqxx>

namespace dmarc
{
RunLock::RunLock(pqxx::connection& connection, std::chrono::seconds wait, std::int64_t key)
    : d_connection(connection), d_key(key)
{
  pqxx::nontransaction tx(d_connection);
  if (wait.count() <= 0) {
    d_held = tx.exec_params("SELECT pg_try_advisory_lock($1)", d_key)[0][0].as<bool>();
    return;
  }
  // lock_timeout bounds the wait for advisory locks too; a timeout is an
  // error (SQLSTATE 55P03), which means "not held".
  tx.exec_params("SELECT set_config('lock_timeout', $1, false)",
                 std::to_string(wait.count() * 1000));
  try {
    tx.exec_params("SELECT pg_advisory_lock($1)", d_key);
    d_held = true;
  } catch (const pqxx::sql_error& error) {
    if (error.sqlstate() != "55P03") {
      throw;
    }
  }
  tx.exec("SELECT set_config('lock_timeout', '0', false)");
}

RunLock::~RunLock()
{
  if (!d_held) {
    return;
  }
  try {
    pqxx::nontransaction tx(d_connection);
    tx.exec_params("SELECT pg_advisory_unlock($1)", d_key);
  } catch (...) {
    // The session ends with the connection, and PostgreSQL releases the lock.
  }
}
} // namespace dmarc
