// pg_verdict_sink.hh: the VerdictSink that writes to PostgreSQL with
// libpqxx: one INSERT ... SELECT FROM unnest(per-column arrays)
// ... ON CONFLICT DO NOTHING per batch (idempotent on message_key), one
// transaction per batch.
//
// Trust: record contents are untrusted and only ever travel as statement
// parameters. The connection string is administrator input; it is logged
// only through redactedConnectionString().
#pragma once

#include <memory>
#include <set>
#include <string>

#include <pqxx/connection>

#include "lib/adapters/store/verdict_sink.hh"

namespace dmarc
{
class PgVerdictSink : public VerdictSink
{
public:
  PgVerdictSink(std::string connection, std::string passwordFile, std::string defaultHost);
  ~PgVerdictSink() override;

  void connect() override;
  void disconnect() noexcept override;
  void insert(const std::vector<const MessageRecord*>& records) override;
  std::string peer() const override;

private:
  const std::string d_connection;
  const std::string d_passwordFile;
  const std::string d_defaultHost;
  std::unique_ptr<pqxx::connection> d_db;
  std::set<std::string> d_knownHosts; // reporting_host rows ensured on this connection
};
} // namespace dmarc
