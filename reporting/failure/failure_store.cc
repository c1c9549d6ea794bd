// failure_store.cc: the SQL of `dmarc-reports send-failures`, all of it
// parameterised.
#include "reporting/failure/failure_store.hh"

#include <pqxx/pqxx>

#include "lib/adapters/store/verdict_schema.hh"
#include "reporting/pg_text_array.hh"

namespace dmarc
{
namespace
{
void readVerdict(const pqxx::row& row, Verdict& verdict)
{
  verdict.fromDomain = row[10].as<std::string>();
  verdict.fromDomains = {verdict.fromDomain};
  verdict.result = dmarcResultFromSql(row[11].as<std::string>());
  verdict.dkimAligned = row[12].as<bool>();
  verdict.spfAligned = row[13].as<bool>();
  PublishedPolicy policy;
  policy.domain = row[14].as<std::string>();
  policy.ruf = textArray(row[15]);
  policy.fo = row[16].as<std::string>();
  verdict.policy = std::move(policy);
  verdict.orgDomain = row[17].as<std::string>();
  verdict.applied = dispositionFromSql(row[18].as<std::string>());
  verdict.spf.domain = row[19].as<std::string>();
  verdict.spf.scope = spfScopeFromSql(row[20].as<std::string>());
  verdict.spf.result = spfResultFromString(row[21].as<std::string>()).value_or(SpfResult::None);
  auto domains = textArray(row[22]);
  auto selectors = textArray(row[23]);
  auto results = textArray(row[24]);
  for (std::size_t i = 0; i < domains.size(); ++i) {
    DkimSignatureOutcome signature;
    signature.domain = domains[i];
    signature.selector = i < selectors.size() ? selectors[i] : std::string();
    signature.result =
        dkimResultFromString(i < results.size() ? results[i] : "").value_or(DkimResult::None);
    verdict.dkim.push_back(std::move(signature));
  }
}

PendingFailure readPending(const std::string& key, const pqxx::row& row)
{
  PendingFailure pending;
  FailureSample sample;
  sample.mailFrom = row[0].as<std::string>();
  sample.rcptTo = textArray(row[1]);
  sample.headers = row[2].as<std::string>();
  sample.headersTruncated = row[3].as<bool>();
  pending.attempts = row[4].as<int>();
  pending.ageSeconds = row[5].as<std::int64_t>();
  MessageRecord& record = pending.record;
  record.messageKey = key;
  record.receivedAt =
      std::chrono::system_clock::time_point(std::chrono::seconds(row[6].as<std::int64_t>()));
  record.reportingHost = row[7].as<std::string>();
  record.clientIp = row[8].as<std::string>();
  record.queueId = row[9].as<std::string>();
  record.mailFromDomain = row[25].as<std::string>();
  readVerdict(row, record.verdict);
  record.failure = std::move(sample);
  return pending;
}
} // namespace

std::vector<std::string> FailureStore::dueKeys(std::size_t limit)
{
  pqxx::read_transaction tx(d_connection);
  std::vector<std::string> keys;
  for (const auto& row : tx.exec_params(
           "SELECT message_key::text FROM failure_sample WHERE state = 'pending'"
           " AND (next_attempt IS NULL OR next_attempt <= now()) ORDER BY stored_at LIMIT $1",
           static_cast<std::int64_t>(limit))) {
    keys.push_back(row[0].as<std::string>());
  }
  return keys;
}

std::optional<PendingFailure> FailureStore::claim(pqxx::work& tx, const std::string& key)
{
  auto result = tx.exec_params(verdictFailureClaimSql(), key);
  if (result.empty()) {
    return std::nullopt;
  }
  return readPending(key, result[0]);
}

std::vector<std::string> FailureStore::deliveredTo(pqxx::work& tx, const std::string& key)
{
  std::vector<std::string> destinations;
  for (const auto& row : tx.exec_params(
           "SELECT destination FROM failure_delivery WHERE message_key = $1::uuid", key)) {
    destinations.push_back(row[0].as<std::string>());
  }
  return destinations;
}

void FailureStore::recordDelivery(pqxx::work& tx, const std::string& key,
                                  const std::string& destination, const std::string& policyDomain,
                                  const std::string& reportMessageId)
{
  tx.exec_params("INSERT INTO failure_delivery (message_key, destination, policy_domain,"
                 " report_message_id) VALUES ($1::uuid, $2, $3, $4) ON CONFLICT DO NOTHING",
                 key, destination, policyDomain, reportMessageId);
}

void FailureStore::finish(pqxx::work& tx, const std::string& key, FailureState state,
                          const std::string& reason)
{
  tx.exec_params("UPDATE failure_sample SET state = $2::failure_state, state_reason = $3,"
                 " handled_at = now() WHERE message_key = $1::uuid",
                 key, state == FailureState::Sent ? "sent" : "suppressed", reason);
}

void FailureStore::postpone(pqxx::work& tx, const std::string& key, std::int64_t delaySeconds,
                            const std::string& reason)
{
  tx.exec_params("UPDATE failure_sample SET attempts = attempts + 1, state_reason = $3,"
                 " next_attempt = now() + make_interval(secs => $2) WHERE message_key = $1::uuid",
                 key, static_cast<double>(delaySeconds), reason);
}

SentCounts FailureStore::sentCounts(pqxx::work& tx, const std::string& policyDomain)
{
  auto row = tx.exec_params1(
      "SELECT count(DISTINCT message_key) FILTER (WHERE sent_at > now() - interval '1 hour'),"
      " count(DISTINCT message_key) FROM failure_delivery"
      " WHERE policy_domain = $1 AND sent_at > now() - interval '1 day'",
      policyDomain);
  return SentCounts{row[0].as<std::uint64_t>(), row[1].as<std::uint64_t>()};
}

std::uint64_t FailureStore::sentLastHour(pqxx::work& tx)
{
  return tx
      .exec1("SELECT count(DISTINCT message_key) FROM failure_delivery"
             " WHERE sent_at > now() - interval '1 hour'")[0]
      .as<std::uint64_t>();
}
} // namespace dmarc
