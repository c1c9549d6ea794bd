// pg_ingest_store.cc: parameterised INSERTs of ingested reports; see
// pg_ingest_store.hh. Duplicates are found with INSERT ... ON CONFLICT DO
// NOTHING on the (reporter, report id) unique constraint, so two ingest
// runs racing on the same report store it once.
#include "reporting/ingest/pg_ingest_store.hh"

#include <array>
#include <optional>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/core/error.hh"
#include "reporting/ingest/failure_report_store.hh"

namespace dmarc
{
namespace
{
PgParam text(std::string_view value)
{
  return pgText(value);
}

PgParam optionalText(std::string_view value)
{
  if (value.empty()) {
    return std::nullopt;
  }
  return pgText(value);
}

PgParam number(std::int64_t value)
{
  return std::to_string(value);
}

PgParam unsignedNumber(std::uint64_t value)
{
  return std::to_string(value);
}

pqxx::result execute(pqxx::work& tx, const std::string& sql, const std::vector<PgParam>& params)
{
  std::vector<const char*> pointers;
  pointers.reserve(params.size());
  for (const auto& param : params) {
    pointers.push_back(param ? param->c_str() : nullptr);
  }
  return tx.exec_params(sql, pqxx::prepare::make_dynamic_params(pointers));
}

// Records go in multi-row INSERTs: one round trip per 200 records instead
// of one per record (a 2286-record report took 1.5 s row by row). 200 rows
// of 18 parameters stay far below PostgreSQL's 65535 parameters.
constexpr std::size_t s_recordsPerInsert = 200;
constexpr std::array<const char*, 18> s_recordCasts = {
    "::bigint", "::inet",   "::bigint", "::dmarc_disposition",
    "",         "",         "::text[]", "::text[]",
    "",         "",         "",         "::text[]",
    "::text[]", "::text[]", "::text[]", "::text[]",
    "::text[]", "::text[]"};

std::string recordInsertSql(std::size_t rows)
{
  std::string sql =
      "INSERT INTO ingested_dmarc_record (report, source_ip, message_count, disposition,"
      " dkim_aligned, spf_aligned, reason_types, reason_comments, envelope_to, envelope_from,"
      " header_from, dkim_domains, dkim_selectors, dkim_results, dkim_human_results, spf_domains,"
      " spf_scopes, spf_results) VALUES ";
  std::size_t parameter = 0;
  for (std::size_t row = 0; row < rows; ++row) {
    sql += row == 0 ? "(" : ", (";
    for (std::size_t column = 0; column < s_recordCasts.size(); ++column) {
      sql += (column == 0 ? "$" : ", $") + std::to_string(++parameter) + s_recordCasts[column];
    }
    sql += ")";
  }
  return sql;
}

IngestStoreResult insertOrFindReport(pqxx::work& tx, const std::string& insertSql,
                                     const std::string& findSql, const std::vector<PgParam>& params,
                                     const PgParam& org, const PgParam& id)
{
  const pqxx::result inserted = execute(tx, insertSql, params);
  IngestStoreResult result;
  if (!inserted.empty()) {
    result.id = inserted[0][0].as<std::int64_t>();
    return result;
  }
  result.outcome = IngestOutcome::Duplicate;
  const pqxx::result existing = execute(tx, findSql, {org, id});
  if (!existing.empty()) {
    result.id = existing[0][0].as<std::int64_t>();
  }
  return result;
}
// The parameters of s_insertReport (in PgIngestStore::storeDmarc), in its order.
std::vector<PgParam> reportParams(const IngestedAggregateReport& report, std::string_view source)
{
  const IngestedPolicy& policy = report.policy;
  return {
      text(report.orgName),
      text(report.reportId),
      text(report.email),
      text(report.extraContactInfo),
      text(toString(report.shape)),
      PgParam(report.namespaced ? "true" : "false"),
      text(report.version),
      text(report.generator),
      number(report.begin),
      number(report.end),
      pgArrayLiteral(report.errors),
      text(policy.domain),
      optionalText(policy.adkim),
      optionalText(policy.aspf),
      optionalText(policy.p),
      optionalText(policy.sp),
      optionalText(policy.np),
      policy.pct ? number(*policy.pct) : std::nullopt,
      text(policy.fo),
      policy.testing.empty() ? std::nullopt : PgParam(policy.testing == "y" ? "true" : "false"),
      optionalText(policy.discoveryMethod),
      number(static_cast<std::int64_t>(report.recordCount)),
      unsignedNumber(report.messageCount),
      pgArrayLiteral(report.leniencies),
      text(source),
  };
}

// One row of recordInsertSql: the record's lists go in as parallel arrays,
// one per field, so that a record stays one row.
std::vector<PgParam> recordRow(const std::string& reportRow, const IngestedRecord& record)
{
  std::vector<std::string> reasonTypes;
  std::vector<std::string> reasonComments;
  for (const auto& reason : record.reasons) {
    reasonTypes.push_back(reason.type);
    reasonComments.push_back(reason.comment);
  }
  std::vector<std::string> dkimDomains;
  std::vector<std::string> dkimSelectors;
  std::vector<std::string> dkimResults;
  std::vector<std::string> dkimHuman;
  for (const auto& dkim : record.dkimAuth) {
    dkimDomains.push_back(dkim.domain);
    dkimSelectors.push_back(dkim.selector);
    dkimResults.push_back(dkim.result);
    dkimHuman.push_back(dkim.humanResult);
  }
  std::vector<std::string> spfDomains;
  std::vector<std::string> spfScopes;
  std::vector<std::string> spfResults;
  for (const auto& spf : record.spfAuth) {
    spfDomains.push_back(spf.domain);
    spfScopes.push_back(spf.scope);
    spfResults.push_back(spf.result);
  }
  return {
      reportRow,
      text(record.sourceIp),
      unsignedNumber(record.count),
      optionalText(record.disposition),
      text(record.dkim),
      text(record.spf),
      pgArrayLiteral(reasonTypes),
      pgArrayLiteral(reasonComments),
      text(record.envelopeTo),
      text(record.envelopeFrom),
      text(record.headerFrom),
      pgArrayLiteral(dkimDomains),
      pgArrayLiteral(dkimSelectors),
      pgArrayLiteral(dkimResults),
      pgArrayLiteral(dkimHuman),
      pgArrayLiteral(spfDomains),
      pgArrayLiteral(spfScopes),
      pgArrayLiteral(spfResults),
  };
}
} // namespace

IngestStoreResult PgIngestStore::storeDmarc(const IngestedAggregateReport& report,
                                            std::string_view source,
                                            const DmarcRecordReplay& records)
{
  static const std::string s_insertReport =
      "INSERT INTO ingested_dmarc_report (org_name, report_id, email, extra_contact_info, shape, "
      "namespaced,"
      " version, generator, date_begin, date_end, errors, policy_domain, policy_adkim, "
      "policy_aspf, policy_p,"
      " policy_sp, policy_np, policy_pct, policy_fo, policy_testing, policy_discovery_method, "
      "record_count,"
      " message_count, leniencies, source) VALUES ($1, $2, $3, $4, $5, $6::boolean, $7, $8,"
      " to_timestamp($9::bigint), to_timestamp($10::bigint), $11::text[], $12, "
      "$13::dmarc_alignment,"
      " $14::dmarc_alignment, $15::dmarc_policy, $16::dmarc_policy, $17::dmarc_policy, "
      "$18::smallint, $19,"
      " $20::boolean, $21::dmarc_discovery_method, $22::integer, $23::bigint, $24::text[], $25)"
      " ON CONFLICT ON CONSTRAINT ingested_dmarc_report_org_report_uq DO NOTHING RETURNING id";
  static const std::string s_findReport =
      "SELECT id FROM ingested_dmarc_report WHERE org_name = $1 AND report_id = $2";

  const std::vector<PgParam> params = reportParams(report, source);
  const PgParam& org = params[0];
  const PgParam& id = params[1];
  pqxx::work tx(d_db);
  const IngestStoreResult result =
      insertOrFindReport(tx, s_insertReport, s_findReport, params, org, id);
  if (result.outcome == IngestOutcome::Duplicate) {
    tx.abort();
    return result;
  }
  const std::string reportRow = std::to_string(result.id);
  // The records come one by one from the report as it is read again, and
  // leave in INSERTs of s_recordsPerInsert rows: memory holds one batch.
  std::vector<PgParam> batch;
  std::size_t batchRows = 0;
  const bool replayed = records([&](IngestedRecord&& record) {
    const std::vector<PgParam> row = recordRow(reportRow, record);
    batch.insert(batch.end(), row.begin(), row.end());
    if (++batchRows == s_recordsPerInsert) {
      execute(tx, recordInsertSql(batchRows), batch);
      batch.clear();
      batchRows = 0;
    }
  });
  if (!replayed) {
    // The transaction rolls back: nothing of the report is stored.
    throw Error("the report read differently the second time; not stored");
  }
  if (batchRows > 0) {
    execute(tx, recordInsertSql(batchRows), batch);
  }
  tx.commit();
  return result;
}

IngestStoreResult PgIngestStore::storeTlsRpt(const TlsRptReport& report, std::string_view source,
                                             std::string_view headerDomain,
                                             std::string_view headerSubmitter,
                                             const TlsRptDkimCheck& dkim)
{
  static const std::string s_insertReport =
      "INSERT INTO ingested_tlsrpt_report (organization_name, report_id, contact_info, date_begin, "
      "date_end,"
      " header_domain, header_submitter, leniencies, source, dkim_check, dkim_domain,"
      " dkim_selector, dkim_detail) VALUES ($1, $2, $3, to_timestamp($4::bigint),"
      " to_timestamp($5::bigint), $6, $7, $8::text[], $9, $10, $11, $12, $13)"
      " ON CONFLICT ON CONSTRAINT ingested_tlsrpt_report_org_report_uq DO NOTHING RETURNING id";
  static const std::string s_findReport =
      "SELECT id FROM ingested_tlsrpt_report WHERE organization_name = $1 AND report_id = $2";
  static const std::string s_insertPolicy =
      "INSERT INTO ingested_tlsrpt_policy (report, policy_type, policy_strings, policy_domain, "
      "mx_hosts,"
      " successful_sessions, failed_sessions) VALUES ($1::bigint, $2, $3::text[], $4, $5::text[], "
      "$6::bigint,"
      " $7::bigint) RETURNING id";
  static const std::string s_insertFailure =
      "INSERT INTO ingested_tlsrpt_failure (policy, result_type, sending_mta_ip, "
      "receiving_mx_hostname,"
      " receiving_mx_helo, receiving_ip, failed_sessions, additional_information, "
      "failure_reason_code) VALUES"
      " ($1::bigint, $2, $3::inet, $4, $5, $6::inet, $7::bigint, $8, $9)";

  const PgParam org = text(report.organizationName);
  const PgParam id = text(report.reportId);
  const std::vector<PgParam> params = {
      org,
      id,
      text(report.contactInfo),
      number(report.begin),
      number(report.end),
      text(headerDomain),
      text(headerSubmitter),
      pgArrayLiteral(report.leniencies),
      text(source),
      text(dkim.check),
      text(dkim.domain),
      text(dkim.selector),
      text(dkim.detail),
  };
  pqxx::work tx(d_db);
  const IngestStoreResult result =
      insertOrFindReport(tx, s_insertReport, s_findReport, params, org, id);
  if (result.outcome == IngestOutcome::Duplicate) {
    tx.abort();
    return result;
  }
  const std::string reportRow = std::to_string(result.id);
  for (const auto& policy : report.policies) {
    const pqxx::result policyRow =
        execute(tx, s_insertPolicy,
                {reportRow, text(policy.policyType), pgArrayLiteral(policy.policyStrings),
                 text(policy.policyDomain), pgArrayLiteral(policy.mxHosts),
                 unsignedNumber(policy.successfulSessions), unsignedNumber(policy.failedSessions)});
    const std::string policyId = policyRow[0][0].c_str();
    for (const auto& failure : policy.failures) {
      execute(tx, s_insertFailure,
              {policyId, text(failure.resultType), optionalText(failure.sendingMtaIp),
               text(failure.receivingMxHostname), text(failure.receivingMxHelo),
               optionalText(failure.receivingIp), unsignedNumber(failure.failedSessionCount),
               text(failure.additionalInformation), text(failure.failureReasonCode)});
    }
  }
  tx.commit();
  return result;
}

IngestStoreResult PgIngestStore::storeFailure(const ReceivedFailureReport& report)
{
  return storeReceivedFailure(d_db, report);
}

void PgIngestStore::recordRejection(std::string_view kind, std::string_view source,
                                    std::string_view reason)
{
  pqxx::work tx(d_db);
  execute(tx, "INSERT INTO ingest_rejection (kind, source, reason) VALUES ($1, $2, $3)",
          {text(kind), text(source), text(reason)});
  tx.commit();
}
} // namespace dmarc
