// failure_report_store.cc: one parameterised INSERT ... ON CONFLICT.
#include "reporting/ingest/failure_report_store.hh"

#include <arpa/inet.h>
#include <optional>

#include <pqxx/pqxx>

namespace dmarc
{
namespace
{
std::optional<std::string> ipOrNull(const std::string& text)
{
  unsigned char buffer[16];
  if (inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
      inet_pton(AF_INET6, text.c_str(), buffer) == 1) {
    return text;
  }
  return std::nullopt;
}

std::optional<std::string> emptyAsNull(const std::string& text)
{
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}
} // namespace

IngestStoreResult storeReceivedFailure(pqxx::connection& db, const ReceivedFailureReport& report)
{
  pqxx::work tx(db);
  auto inserted = tx.exec_params(
      "INSERT INTO failure_report_received (reporter, report_message_id, feedback_type,"
      " auth_failure, reported_domain, source_ip, arrival_date, original_mail_from,"
      " identity_alignment, delivery_result, dkim_domain, authentication_results)"
      " VALUES ($1, $2, $3, $4, $5, $6::inet, $7, $8, $9, $10, $11, $12)"
      " ON CONFLICT ON CONSTRAINT failure_report_received_uq DO NOTHING RETURNING id",
      report.reporter, emptyAsNull(report.reportMessageId), report.feedbackType, report.authFailure,
      report.reportedDomain, ipOrNull(report.sourceIp), report.arrivalDate, report.originalMailFrom,
      report.identityAlignment, report.deliveryResult, report.dkimDomain,
      report.authenticationResults);
  IngestStoreResult result;
  if (inserted.empty()) {
    result.outcome = IngestOutcome::Duplicate;
    return result;
  }
  result.id = inserted[0][0].as<std::int64_t>();
  tx.commit();
  return result;
}
} // namespace dmarc
