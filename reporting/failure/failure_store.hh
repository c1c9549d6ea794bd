// failure_store.hh: what `dmarc-reports send-failures` reads from and
// writes to PostgreSQL (sql/0008): the queue of pending failure samples,
// each read back with its verdict as a MessageRecord, the deliveries made
// and the counts the caps need.
//
// Trusts the schema; never the stored text (it came from mail and DNS): it
// is only bound as a parameter and the report composer escapes it. Every
// change to a sample happens in the caller's transaction, the one that
// locked it (claim), so a sample's deliveries and its new state commit
// together or not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <pqxx/connection>
#include <pqxx/transaction>

#include "lib/core/message_record.hh"
#include "reporting/failure/failure_caps.hh"

namespace dmarc
{
struct PendingFailure
{
  MessageRecord record;        // the verdict's facts and record.failure
  int attempts = 0;            // temporary failures so far
  std::int64_t ageSeconds = 0; // since the milter stored it
};

enum class FailureState
{
  Sent,
  Suppressed,
};

class FailureStore
{
public:
  explicit FailureStore(pqxx::connection& connection) : d_connection(connection) {}

  // Keys of pending samples that are due, oldest first.
  std::vector<std::string> dueKeys(std::size_t limit);
  // Locks one pending sample (FOR UPDATE SKIP LOCKED) and reads it with its
  // verdict; std::nullopt when it is no longer pending or another run holds it.
  std::optional<PendingFailure> claim(pqxx::work& tx, const std::string& key);
  // The destinations a report about this sample has already gone to.
  std::vector<std::string> deliveredTo(pqxx::work& tx, const std::string& key);
  void recordDelivery(pqxx::work& tx, const std::string& key, const std::string& destination,
                      const std::string& policyDomain, const std::string& reportMessageId);
  // The sample is done: sent (at least once) or suppressed, with why.
  void finish(pqxx::work& tx, const std::string& key, FailureState state,
              const std::string& reason);
  // A temporary failure: try again after `delaySeconds`.
  void postpone(pqxx::work& tx, const std::string& key, std::int64_t delaySeconds,
                const std::string& reason);

  // Messages reported about a policy domain in the last hour and day, and
  // about all domains in the last hour (the caps).
  SentCounts sentCounts(pqxx::work& tx, const std::string& policyDomain);
  std::uint64_t sentLastHour(pqxx::work& tx);

private:
  pqxx::connection& d_connection;
};
} // namespace dmarc
