// pg_verdict_sink.cc: batches of verdict rows into PostgreSQL.
// A whole batch is one execution of one statement whose parameters are
// per-column arrays (INSERT ... SELECT FROM unnest), which costs the server
// far less than a multi-row VALUES list: one short plan, 54 parameters
// whatever the batch size.
//
// The statement is not prepared by name: it goes as the unnamed statement,
// parsed and planned once per batch. A named prepared statement lives in
// one server session, and a pooler in transaction mode (PgBouncer before
// 1.21, Debian 12 has 1.18) runs each transaction on whichever server
// connection is free, where the name is missing or was prepared by another
// writer (SQLSTATE 26000, 42P05). One plan per batch of up to hundreds of
// rows costs little (tests/bench/bench_store.py).
#include "lib/adapters/store/pg_verdict_sink.hh"

#include <optional>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/store/pg_failure_sql.hh"
#include "lib/adapters/store/pg_migrator.hh"
#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/core/schema_requirement.hh"

namespace dmarc
{
namespace
{
// Only errors about the rows themselves may make the writer skip rows:
// SQLSTATE class 22 (data exception: a value the type refuses) and 23
// (integrity constraint violation). Anything else (connection loss, a
// shutdown, permission denied, a schema not upgraded yet...) is the
// database's or the administrator's problem, and the rows wait in the
// spool until it is fixed.
bool isDataError(const pqxx::sql_error& error)
{
  const std::string& state = error.sqlstate();
  return state.starts_with("22") || state.starts_with("23");
}

// The schema version, or s_schemaVersionUnreadable when this role may not
// read it (a schema older than sql/0013, which grants it).
int readSchemaVersion(pqxx::connection& db)
{
  try {
    return schemaVersion(db);
  } catch (const pqxx::insufficient_privilege&) {
    return s_schemaVersionUnreadable;
  }
}
} // namespace

PgVerdictSink::PgVerdictSink(std::string connection, std::string passwordFile,
                             std::string defaultHost)
    : d_connection(std::move(connection)), d_passwordFile(std::move(passwordFile)),
      d_defaultHost(std::move(defaultHost))
{}

PgVerdictSink::~PgVerdictSink() = default;

void PgVerdictSink::connect()
{
  if (d_db && d_db->is_open()) {
    return;
  }
  disconnect();
  try {
    d_db = pgConnect(d_connection, d_passwordFile, "dmarc-milter");
  } catch (const pqxx::broken_connection& error) {
    d_db.reset();
    // libpq's message names the host and reason, never the password.
    throw SinkUnavailable(pgConnectFailure(d_connection, error));
  } catch (const std::exception& error) {
    d_db.reset();
    throw SinkUnavailable("cannot connect: " + pgErrorText(error.what(), d_connection));
  }
  // An older schema would refuse new values as bad rows, which the writer
  // skips: until it is upgraded, nothing is written and the verdicts wait
  // in the spool, as they do while the database is down.
  std::optional<std::string> tooOld;
  try {
    tooOld = schemaTooOld(readSchemaVersion(*d_db));
  } catch (const std::exception& error) {
    disconnect();
    throw SinkUnavailable("cannot read the schema version: " +
                          pgErrorText(error.what(), d_connection));
  }
  if (tooOld) {
    disconnect();
    throw SinkUnavailable(*tooOld);
  }
}

void PgVerdictSink::disconnect() noexcept
{
  d_db.reset();
  d_knownHosts.clear();
}

std::string PgVerdictSink::peer() const
{
  if (!d_db || !d_db->is_open()) {
    return {};
  }
  // PQhost is a socket directory for a local connection; either way it
  // comes from the administrator's connection string.
  const char* host = d_db->hostname();
  const char* port = d_db->port();
  return pgErrorText(std::string(host != nullptr ? host : "") + ":" +
                     (port != nullptr ? port : ""));
}

void PgVerdictSink::insert(const std::vector<const MessageRecord*>& records)
{
  if (records.empty()) {
    return;
  }
  connect();
  try {
    pqxx::work tx(*d_db);
    // The resend check (sql/0014_resend_window.sql) waits for another
    // writer's rows of the same message, then must see them: a new snapshot
    // per statement, whatever default the server or role has.
    tx.exec("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
    for (const auto* record : records) {
      const std::string& host =
          record->reportingHost.empty() ? d_defaultHost : record->reportingHost;
      std::string cleanHost = pgText(host);
      if (d_knownHosts.count(cleanHost) == 0) {
        tx.exec_params("INSERT INTO reporting_host (name) VALUES ($1) ON CONFLICT DO NOTHING",
                       cleanHost);
      }
    }
    auto params = verdictBatchParams(records, d_defaultHost);
    static const std::string s_insert = verdictInsertSql();
    tx.exec_params(s_insert, pqxx::prepare::make_dynamic_params(params));
    // Failure samples (sql/0008) only when the batch has any, so that a
    // site without FailureReports needs no newer schema.
    if (auto failures = failureBatchParams(records); !failures.empty()) {
      tx.exec_params(failureInsertSql(), pqxx::prepare::make_dynamic_params(failures));
    }
    tx.commit();
    for (const auto* record : records) {
      d_knownHosts.insert(
          pgText(record->reportingHost.empty() ? d_defaultHost : record->reportingHost));
    }
  } catch (const pqxx::broken_connection& error) {
    disconnect();
    throw SinkUnavailable("connection lost: " + pgErrorText(error.what(), d_connection));
  } catch (const pqxx::in_doubt_error& error) {
    // The commit may or may not have happened: replaying is safe (idempotent).
    disconnect();
    throw SinkUnavailable("commit in doubt: " + pgErrorText(error.what(), d_connection));
  } catch (const pqxx::sql_error& error) {
    if (!isDataError(error) || !d_db || !d_db->is_open()) {
      disconnect();
      throw SinkUnavailable(std::string("database error [") + error.sqlstate() +
                            "]: " + pgErrorText(error.what(), d_connection));
    }
    throw SinkRejected(std::string("rows refused [") + error.sqlstate() +
                       "]: " + pgErrorText(error.what(), d_connection));
  } catch (const SinkRejected&) {
    throw;
  } catch (const SinkUnavailable&) {
    throw;
  } catch (const std::exception& error) {
    // Anything else (a libpqxx usage error, memory): start over on a new
    // connection later rather than lose the rows.
    disconnect();
    throw SinkUnavailable("unexpected error: " + pgErrorText(error.what(), d_connection));
  }
}
} // namespace dmarc
