// pg_report_store.hh: the ReportStore of `dmarc-reports send` in PostgreSQL
// (sql/0001, sql/0003): grouped verdict rows streamed through a server-side
// cursor, so memory stays flat, and the bookkeeping in its tables.
//
// Trusts the schema; does not trust the stored text (verdict rows came from
// mail and DNS): it is only ever bound as a parameter, never spliced into
// SQL, and the report writer escapes it.
#pragma once

#include <pqxx/connection>

#include "reporting/aggregate/report_store.hh"

namespace dmarc
{
class PgReportStore final : public ReportStore
{
public:
  // Everything on one connection.
  explicit PgReportStore(pqxx::connection& connection);
  // The verdict reads (domainsWithVerdicts, latestPolicies, streamRows) on
  // `verdicts`, a standby's read-only connection (read_database.hh); the
  // bookkeeping on `connection`, the primary's.
  PgReportStore(pqxx::connection& connection, pqxx::connection& verdicts);

  std::vector<DomainActivity> domainsWithVerdicts(const ReportInterval& interval,
                                                  const std::string& onlyDomain) override;
  std::vector<std::optional<DomainPolicy>> latestPolicies(const std::vector<std::string>& domains,
                                                          const ReportInterval& interval) override;
  std::uint64_t streamRows(const ReportInterval& interval, const std::string& onlyDomain,
                           const std::function<void(const std::string&, ReportRow&&)>& onRow,
                           std::size_t batch = 5000) override;
  std::vector<std::optional<StoredReport>> findReports(const std::vector<std::string>& domains,
                                                       const ReportInterval& interval) override;
  std::vector<StoredReport> createReports(const std::vector<NewReport>& reports,
                                          const ReportInterval& interval, ReportFormat format,
                                          const std::string& receiver,
                                          const std::string& host) override;
  void recordReportStats(const std::vector<ReportStats>& stats) override;
  std::vector<StoredReport> reportsWithDueRetries(const std::string& onlyDomain) override;
  std::vector<StoredDestination> destinations(std::int64_t report) override;
  void addDestination(std::int64_t report, const std::string& uri,
                      const std::string& address) override;
  void skipDestination(std::int64_t destination, const std::string& reason) override;
  void giveUpDestination(const StoredDestination& destination, const std::string& reason,
                         const RetryPolicy& retry) override;
  void recordAttempt(const StoredDestination& destination, const std::string& host,
                     const std::string& transport, AttemptOutcome outcome,
                     const std::string& detail, const RetryPolicy& retry) override;
  void postpone(const StoredDestination& destination, const std::string& reason,
                const RetryPolicy& retry) override;
  bool isSuppressed(const std::string& address) override;

private:
  pqxx::connection& d_connection;
  pqxx::connection& d_verdicts;
};
} // namespace dmarc
