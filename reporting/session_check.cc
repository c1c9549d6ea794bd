// session_check.cc: three questions for pg_backend_pid(), see session_check.hh.
#include "reporting/session_check.hh"

#include <string>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
int serverPid(pqxx::transaction_base& tx)
{
  return tx.exec("SELECT pg_backend_pid()")[0][0].as<int>();
}

int serverPidNow(pqxx::connection& connection)
{
  pqxx::nontransaction tx(connection);
  return serverPid(tx);
}
} // namespace

void requireOwnSession(pqxx::connection& connection, pqxx::connection& second)
{
  const int first = serverPidNow(connection);
  int other = 0;
  int again = first;
  try {
    pqxx::read_transaction pinned(second);
    other = serverPid(pinned);
    // Asked only when the pids differ: a pool of one server connection,
    // pinned by `second`, would keep `connection` waiting for it.
    if (other != first) {
      again = serverPidNow(connection);
    }
  } catch (const pqxx::sql_error& error) {
    // PgBouncer's statement mode refuses the transaction outright.
    throw ConfigError("the database connection cannot hold a transaction open (" +
                      pgErrorText(error.what()) +
                      "): the run's advisory lock needs a direct connection or a pool in "
                      "session mode");
  }
  if (other == first || again != first) {
    throw ConfigError("the database connection does not keep its server session between "
                      "transactions (server process " +
                      std::to_string(first) +
                      (other == first ? " served a second connection as well"
                                      : " was followed by " + std::to_string(again)) +
                      "; a pooler in transaction mode?): the run's advisory lock needs a direct "
                      "connection or a pool in session mode");
  }
}
} // namespace dmarc
