// pg_report_store.cc: the SQL of `dmarc-reports send`, all of it parameterised.
#include "reporting/aggregate/pg_report_store.hh"

#include <algorithm>
#include <map>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/adapters/store/verdict_schema.hh"
#include "lib/core/error.hh"
#include "reporting/pg_text_array.hh"
#include "reporting/report_naming.hh"

namespace dmarc
{
namespace
{
DestinationStatus statusFrom(std::string_view text)
{
  if (text == "delivered") {
    return DestinationStatus::Delivered;
  }
  if (text == "skipped") {
    return DestinationStatus::Skipped;
  }
  if (text == "gave_up") {
    return DestinationStatus::GaveUp;
  }
  return DestinationStatus::Pending;
}

constexpr const char* s_reportColumns =
    "id, policy_domain, extract(epoch FROM period_begin)::bigint, "
    "extract(epoch FROM period_end)::bigint, report_id, filename, format::text, "
    "extract(epoch FROM now() - created_at)::bigint";

StoredReport reportFrom(const pqxx::row& row)
{
  StoredReport report;
  report.id = row[0].as<std::int64_t>();
  report.policyDomain = row[1].as<std::string>();
  report.interval.begin = row[2].as<std::int64_t>();
  report.interval.end = row[3].as<std::int64_t>();
  report.reportId = row[4].as<std::string>();
  report.filename = row[5].as<std::string>();
  report.format =
      row[6].as<std::string>() == "rfc7489" ? ReportFormat::Rfc7489 : ReportFormat::Rfc9990;
  report.ageSeconds = row[7].as<std::int64_t>();
  return report;
}
// The columns of verdictLatestPoliciesSql(), from row[first] on.
DomainPolicy policyFrom(const pqxx::row& row, pqxx::row::size_type first, const std::string& domain)
{
  const auto at = [&](pqxx::row::size_type i) { return row[first + i]; };
  DomainPolicy found;
  auto& policy = found.published.policy;
  policy.domain = domain;
  policy.p = policyFromSql(at(0).as<std::string>());
  if (!at(1).is_null()) {
    policy.sp = policyFromSql(at(1).as<std::string>());
  }
  if (!at(2).is_null()) {
    policy.np = policyFromSql(at(2).as<std::string>());
  }
  policy.adkim = alignmentFromSql(at(3).as<std::string>());
  policy.aspf = alignmentFromSql(at(4).as<std::string>());
  policy.fo = at(5).as<std::string>();
  policy.pct = at(6).as<unsigned>();
  policy.testing = at(7).as<bool>();
  found.published.discoveryMethod = discoveryMethodFromSql(at(8).as<std::string>());
  found.rua = textArray(at(9));
  found.record = at(10).as<std::string>();
  found.orgDomain = at(11).as<std::string>();
  return found;
}

// One more failure of an address; at permfailsToSuppress failures in a row
// the address is suppressed for suppressFor.
void countFailure(pqxx::work& tx, const std::string& address, const std::string& reason,
                  const RetryPolicy& retry)
{
  if (address.empty()) {
    return;
  }
  const auto seconds = static_cast<std::int64_t>(retry.suppressFor.count());
  tx.exec_params(
      "INSERT INTO report_suppression AS s (address, failures, reason, suppressed_until) "
      "VALUES (lower($1), 1, $2, CASE WHEN 1 >= $3 "
      "        THEN now() + make_interval(secs => $4::bigint) END) "
      "ON CONFLICT ON CONSTRAINT report_suppression_pk DO UPDATE "
      "SET failures = s.failures + 1, reason = EXCLUDED.reason, updated_at = now(), "
      "    suppressed_until = CASE WHEN s.failures + 1 >= $3 "
      "      THEN GREATEST(s.suppressed_until, now() + make_interval(secs => $4::bigint)) "
      "      ELSE s.suppressed_until END",
      address, reason, retry.permfailsToSuppress, seconds);
}
} // namespace

PgReportStore::PgReportStore(pqxx::connection& connection) : PgReportStore(connection, connection)
{}

PgReportStore::PgReportStore(pqxx::connection& connection, pqxx::connection& verdicts)
    : d_connection(connection), d_verdicts(verdicts)
{}

std::vector<DomainActivity> PgReportStore::domainsWithVerdicts(const ReportInterval& interval,
                                                               const std::string& onlyDomain)
{
  pqxx::read_transaction tx(d_verdicts);
  auto result = tx.exec_params(verdictPolicyDomainsSql(), interval.begin, interval.end, onlyDomain);
  std::vector<DomainActivity> domains;
  domains.reserve(result.size());
  for (const auto& row : result) {
    domains.push_back({row[0].as<std::string>()});
  }
  return domains;
}

std::vector<std::optional<DomainPolicy>>
PgReportStore::latestPolicies(const std::vector<std::string>& domains,
                              const ReportInterval& interval)
{
  std::vector<std::optional<DomainPolicy>> found(domains.size());
  if (domains.empty()) {
    return found;
  }
  pqxx::read_transaction tx(d_verdicts);
  for (const auto& row : tx.exec_params(verdictLatestPoliciesSql(), pgArrayLiteral(domains),
                                        interval.begin, interval.end)) {
    const auto i = row[0].as<std::size_t>() - 1;
    found.at(i) = policyFrom(row, 1, domains.at(i));
  }
  return found;
}

std::uint64_t
PgReportStore::streamRows(const ReportInterval& interval, const std::string& onlyDomain,
                          const std::function<void(const std::string&, ReportRow&&)>& onRow,
                          std::size_t batch)
{
  // Read-only: the connection may be a standby's.
  pqxx::read_transaction tx(d_verdicts);
  // For this one big aggregation only: plan it as a whole query (a cursor
  // would otherwise favour fast-start plans); group in a hash table, never
  // by sorting the day's rows first: the planner overestimates the groups
  // (4 million for the 1.2 million of the 10-million-row benchmark) and
  // then sorts all input rows on 15 keys, four times slower there; the hash
  // aggregate gets 256 MB of server memory and spills beyond it. The final
  // sort, of the groups only, still happens. JIT costs more than it saves.
  tx.exec("SET LOCAL cursor_tuple_fraction = 1.0");
  tx.exec("SET LOCAL work_mem = '256MB'");
  tx.exec("SET LOCAL enable_sort = off");
  tx.exec("SET LOCAL jit = off");
  tx.exec_params(verdictReportRowsCursorSql(), interval.begin, interval.end, onlyDomain);
  const std::string fetch =
      "FETCH " + std::to_string(std::max<std::size_t>(batch, 1)) + " FROM report_rows";
  std::uint64_t rows = 0;
  std::string domain;
  for (;;) {
    auto result = tx.exec(fetch);
    if (result.empty()) {
      break;
    }
    for (const auto& r : result) {
      if (domain != r[0].c_str()) {
        domain = r[0].c_str();
      }
      ReportRow row;
      row.sourceIp = r[1].as<std::string>();
      row.disposition = dispositionFromSql(r[2].c_str());
      row.dkimAligned = r[3].as<bool>();
      row.spfAligned = r[4].as<bool>();
      auto reasons = textArray(r[5]);
      auto comments = textArray(r[6]);
      for (std::size_t i = 0; i < reasons.size(); ++i) {
        row.reasons.push_back(
            {overrideReasonFromSql(reasons[i]), i < comments.size() ? comments[i] : ""});
      }
      row.headerFrom = r[7].as<std::string>();
      row.envelopeFrom = r[8].as<std::string>();
      auto domains = textArray(r[9]);
      auto selectors = textArray(r[10]);
      auto results = textArray(r[11]);
      for (std::size_t i = 0; i < domains.size() && i < selectors.size() && i < results.size();
           ++i) {
        DkimSignatureOutcome sig;
        sig.domain = domains[i];
        sig.selector = selectors[i];
        sig.result = dkimResultFromString(results[i]).value_or(DkimResult::None);
        row.dkim.push_back(std::move(sig));
      }
      SpfOutcome spf;
      spf.domain = r[12].as<std::string>();
      spf.scope = spfScopeFromSql(r[13].c_str());
      spf.result = spfResultFromString(r[14].c_str()).value_or(SpfResult::None);
      row.spf = std::move(spf);
      row.count = r[15].as<std::uint64_t>();
      ++rows;
      onRow(domain, std::move(row));
    }
  }
  tx.exec("CLOSE report_rows");
  tx.commit();
  return rows;
}

std::vector<std::optional<StoredReport>>
PgReportStore::findReports(const std::vector<std::string>& domains, const ReportInterval& interval)
{
  std::vector<std::optional<StoredReport>> found(domains.size());
  if (domains.empty()) {
    return found;
  }
  std::map<std::string, std::size_t> position;
  for (std::size_t i = 0; i < domains.size(); ++i) {
    position.emplace(domains[i], i);
  }
  pqxx::read_transaction tx(d_connection);
  auto result = tx.exec_params(std::string("SELECT ") + s_reportColumns +
                                   " FROM aggregate_report WHERE policy_domain = ANY($1::text[]) "
                                   "   AND period_begin = to_timestamp($2::bigint) "
                                   "   AND period_end = to_timestamp($3::bigint)",
                               pgArrayLiteral(domains), interval.begin, interval.end);
  for (const auto& row : result) {
    auto report = reportFrom(row);
    for (auto [i, end] = position.equal_range(report.policyDomain); i != end; ++i) {
      found[i->second] = report;
    }
  }
  return found;
}

std::vector<StoredReport> PgReportStore::createReports(const std::vector<NewReport>& reports,
                                                       const ReportInterval& interval,
                                                       ReportFormat format,
                                                       const std::string& receiver,
                                                       const std::string& host)
{
  if (reports.empty()) {
    return {};
  }
  std::vector<std::string> domains;
  {
    pqxx::work tx(d_connection);
    // The serials in order, so that the Report-IDs follow the domains as
    // when each report was created on its own.
    auto serials =
        tx.exec_params("SELECT nextval(pg_get_serial_sequence('aggregate_report', 'id')) "
                       "  FROM generate_series(1, $1::integer) AS n ORDER BY n",
                       static_cast<int>(reports.size()));
    std::vector<std::string> ids, reportIds, filenames;
    for (std::size_t i = 0; i < reports.size(); ++i) {
      const auto serial = serials.at(i)[0].as<std::int64_t>();
      const auto& domain = reports[i].policyDomain;
      ids.push_back(std::to_string(serial));
      reportIds.push_back(makeReportId(interval.begin, static_cast<std::uint64_t>(serial),
                                       reports[i].randomSuffix));
      // The XML's <end> and the filename's end are inclusive (end - 1
      // second), as in the RFC 9990 sample report.
      filenames.push_back(
          reportFilename(receiver, domain, interval.begin, interval.end - 1, reportIds.back()));
      domains.push_back(domain);
    }
    tx.exec_params("INSERT INTO aggregate_report (id, policy_domain, period_begin, period_end, "
                   "  report_id, filename, format, created_by) OVERRIDING SYSTEM VALUE "
                   "SELECT u.id, u.domain, to_timestamp($5::bigint), to_timestamp($6::bigint), "
                   "       u.report_id, u.filename, $7::report_format, $8 "
                   "  FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) "
                   "    AS u(id, domain, report_id, filename) "
                   "ON CONFLICT ON CONSTRAINT aggregate_report_domain_period_uq DO NOTHING",
                   pgArrayLiteral(ids), pgArrayLiteral(domains), pgArrayLiteral(reportIds),
                   pgArrayLiteral(filenames), interval.begin, interval.end,
                   std::string(toString(format)), host);
    tx.commit();
  }
  // Another run may have created some first: theirs are the reports.
  std::vector<StoredReport> created;
  for (auto& report : findReports(domains, interval)) {
    if (!report) {
      throw Error("report store: the report row vanished after insert");
    }
    created.push_back(std::move(*report));
  }
  return created;
}

void PgReportStore::recordReportStats(const std::vector<ReportStats>& stats)
{
  if (stats.empty()) {
    return;
  }
  std::vector<std::string> ids, records, messages, bytes;
  for (const auto& s : stats) {
    ids.push_back(std::to_string(s.report));
    records.push_back(std::to_string(s.records));
    messages.push_back(std::to_string(s.messages));
    bytes.push_back(std::to_string(s.gzipBytes));
  }
  pqxx::work tx(d_connection);
  tx.exec_params("UPDATE aggregate_report r SET records = u.records, messages = u.messages, "
                 "  gzip_bytes = u.gzip_bytes "
                 "  FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) "
                 "    AS u(id, records, messages, gzip_bytes) "
                 " WHERE r.id = u.id",
                 pgArrayLiteral(ids), pgArrayLiteral(records), pgArrayLiteral(messages),
                 pgArrayLiteral(bytes));
  tx.commit();
}

std::vector<StoredReport> PgReportStore::reportsWithDueRetries(const std::string& onlyDomain)
{
  pqxx::read_transaction tx(d_connection);
  auto result = tx.exec_params(
      std::string("SELECT ") + s_reportColumns +
          " FROM aggregate_report r WHERE ($1 = '' OR r.policy_domain = $1) AND EXISTS ("
          "  SELECT 1 FROM report_destination d WHERE d.report = r.id "
          "     AND d.status = 'pending' AND d.next_attempt_at <= now()) "
          " ORDER BY r.period_begin, r.policy_domain",
      onlyDomain);
  std::vector<StoredReport> reports;
  for (const auto& row : result) {
    reports.push_back(reportFrom(row));
  }
  return reports;
}

std::vector<StoredDestination> PgReportStore::destinations(std::int64_t report)
{
  pqxx::read_transaction tx(d_connection);
  auto result =
      tx.exec_params("SELECT id, uri, COALESCE(address, ''), status::text, reason, attempts, "
                     "       status = 'pending' AND next_attempt_at <= now() "
                     "  FROM report_destination WHERE report = $1 ORDER BY id",
                     report);
  std::vector<StoredDestination> found;
  for (const auto& row : result) {
    StoredDestination d;
    d.id = row[0].as<std::int64_t>();
    d.uri = row[1].as<std::string>();
    d.address = row[2].as<std::string>();
    d.status = statusFrom(row[3].as<std::string>());
    d.reason = row[4].as<std::string>();
    d.attempts = row[5].as<int>();
    d.due = row[6].as<bool>();
    found.push_back(std::move(d));
  }
  return found;
}

void PgReportStore::addDestination(std::int64_t report, const std::string& uri,
                                   const std::string& address)
{
  pqxx::work tx(d_connection);
  tx.exec_params("INSERT INTO report_destination (report, uri, address) VALUES ($1, $2, "
                 " NULLIF($3, '')) ON CONFLICT ON CONSTRAINT report_destination_uri_uq DO NOTHING",
                 report, uri, address);
  tx.commit();
}

void PgReportStore::skipDestination(std::int64_t destination, const std::string& reason)
{
  pqxx::work tx(d_connection);
  tx.exec_params("UPDATE report_destination SET status = 'skipped', reason = $2 WHERE id = $1",
                 destination, reason);
  tx.commit();
}

void PgReportStore::giveUpDestination(const StoredDestination& destination,
                                      const std::string& reason, const RetryPolicy& retry)
{
  pqxx::work tx(d_connection);
  tx.exec_params("UPDATE report_destination SET status = 'gave_up', reason = $2 WHERE id = $1",
                 destination.id, reason);
  countFailure(tx, destination.address, reason, retry);
  tx.commit();
}

void PgReportStore::recordAttempt(const StoredDestination& destination, const std::string& host,
                                  const std::string& transport, AttemptOutcome outcome,
                                  const std::string& detail, const RetryPolicy& retry)
{
  const char* outcomeText = outcome == AttemptOutcome::Delivered  ? "delivered"
                            : outcome == AttemptOutcome::Tempfail ? "tempfail"
                                                                  : "permfail";
  // Bounded: a relay's reply is untrusted text.
  std::string safeDetail = detail.substr(0, 1000);
  pqxx::work tx(d_connection);
  tx.exec_params("INSERT INTO report_delivery_attempt (destination, host, transport, outcome, "
                 " detail) VALUES ($1, $2, $3, $4::report_attempt_outcome, $5)",
                 destination.id, host, transport, std::string(outcomeText), safeDetail);
  if (outcome == AttemptOutcome::Delivered) {
    tx.exec_params("UPDATE report_destination SET status = 'delivered', delivered_at = now(), "
                   " attempts = attempts + 1, reason = '' WHERE id = $1",
                   destination.id);
    tx.exec_params("UPDATE report_suppression SET failures = 0, updated_at = now() "
                   " WHERE address = lower($1) AND suppressed_until IS DISTINCT FROM 'infinity'",
                   destination.address);
  } else if (outcome == AttemptOutcome::Tempfail) {
    // Exponential back-off across runs: firstRetry * 2^attempts, capped.
    std::int64_t delay = retry.firstRetry.count();
    for (int i = 0; i < destination.attempts && delay < retry.maxRetry.count(); ++i) {
      delay *= 2;
    }
    delay = std::min<std::int64_t>(delay, retry.maxRetry.count());
    tx.exec_params("UPDATE report_destination SET attempts = attempts + 1, reason = $2, "
                   " next_attempt_at = now() + make_interval(secs => $3::bigint) WHERE id = $1",
                   destination.id, safeDetail, delay);
  } else {
    tx.exec_params("UPDATE report_destination SET status = 'gave_up', attempts = attempts + 1, "
                   " reason = $2 WHERE id = $1",
                   destination.id, "permanent failure: " + safeDetail);
  }
  if (outcome == AttemptOutcome::Permfail) {
    countFailure(tx, destination.address, safeDetail, retry);
  }
  tx.commit();
}

void PgReportStore::postpone(const StoredDestination& destination, const std::string& reason,
                             const RetryPolicy& retry)
{
  pqxx::work tx(d_connection);
  tx.exec_params("UPDATE report_destination SET reason = $2, "
                 " next_attempt_at = now() + make_interval(secs => $3::bigint) WHERE id = $1",
                 destination.id, reason.substr(0, 1000),
                 static_cast<std::int64_t>(retry.firstRetry.count()));
  tx.commit();
}

bool PgReportStore::isSuppressed(const std::string& address)
{
  pqxx::read_transaction tx(d_connection);
  auto result = tx.exec_params("SELECT 1 FROM report_suppression WHERE address = lower($1) "
                               "   AND suppressed_until > now()",
                               address);
  return !result.empty();
}
} // namespace dmarc
