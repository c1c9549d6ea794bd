// session_check.hh: whether a database connection keeps one server session
// from one transaction to the next, which the session-level advisory lock
// of a report run (run_lock.hh) needs. A pooler in transaction or statement
// mode (PgBouncer's pool_mode = transaction) hands each transaction to
// whichever server connection is free: a lock taken in one would stay with
// a server connection that the next client gets, and the run would go on
// unserialised. A direct connection, or a pool in session mode, is fine.
//
// Trusts the database; the check costs a second connection for a moment.
#pragma once

#include <pqxx/connection>

namespace dmarc
{
// Throws ConfigError when `connection` does not keep its server session.
// `second` is another connection opened with the same connection string.
// The server process serving `connection` is asked for its pid, then
// `second` opens a transaction (which pins a server connection, the one
// just freed when a pooler shares them) and asks the same, then
// `connection` asks again: a shared pid, or a changed one, is a pooler.
// Best effort: a pooler that gave the freed server connection to a third
// client in between, and had it back by the third question, goes unseen.
// A pool in session mode needs room for the second connection.
void requireOwnSession(pqxx::connection& connection, pqxx::connection& second);
} // namespace dmarc
