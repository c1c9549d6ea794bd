// pg_failure_sql.cc: column values of failure_sample rows.
#include "lib/adapters/store/pg_failure_sql.hh"

#include "lib/adapters/store/pg_verdict_sql.hh"

namespace dmarc
{
std::string failureInsertSql()
{
  return "INSERT INTO failure_sample (message_key, mail_from, rcpt_to, headers, "
         "headers_truncated) SELECT k, m, r::text[], h, t FROM unnest($1::uuid[], $2::text[], "
         "$3::text[], $4::text[], $5::boolean[]) AS u(k, m, r, h, t) ON CONFLICT DO NOTHING";
}

std::vector<std::string> failureBatchParams(const std::vector<const MessageRecord*>& rows)
{
  std::vector<std::string> keys;
  std::vector<std::string> mailFroms;
  std::vector<std::string> rcpts;
  std::vector<std::string> headers;
  std::vector<std::string> truncated;
  for (const auto* record : rows) {
    if (!record->failure) {
      continue;
    }
    keys.push_back(record->messageKey);
    mailFroms.push_back(record->failure->mailFrom);
    rcpts.push_back(pgArrayLiteral(record->failure->rcptTo));
    headers.push_back(record->failure->headers);
    truncated.emplace_back(record->failure->headersTruncated ? "true" : "false");
  }
  if (keys.empty()) {
    return {};
  }
  return {pgArrayLiteral(keys), pgArrayLiteral(mailFroms), pgArrayLiteral(rcpts),
          pgArrayLiteral(headers), pgArrayLiteral(truncated)};
}
} // namespace dmarc
