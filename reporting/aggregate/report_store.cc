// report_store.cc: the names of a destination's states (sql/0003), and the
// batch calls of a store that has no faster way to make them.
#include "reporting/aggregate/report_store.hh"

namespace dmarc
{
std::string_view toString(DestinationStatus status)
{
  switch (status) {
  case DestinationStatus::Pending:
    return "pending";
  case DestinationStatus::Delivered:
    return "delivered";
  case DestinationStatus::Skipped:
    return "skipped";
  case DestinationStatus::GaveUp:
    return "gave_up";
  }
  return "pending";
}

std::vector<std::optional<StoredReport>>
ReportStore::findReports(const std::vector<std::string>& domains, const ReportInterval& interval)
{
  std::vector<std::optional<StoredReport>> found;
  found.reserve(domains.size());
  for (const auto& domain : domains) {
    found.push_back(findReport(domain, interval));
  }
  return found;
}

std::vector<std::optional<DomainPolicy>>
ReportStore::latestPolicies(const std::vector<std::string>& domains, const ReportInterval& interval)
{
  std::vector<std::optional<DomainPolicy>> found;
  found.reserve(domains.size());
  for (const auto& domain : domains) {
    found.push_back(latestPolicy(domain, interval));
  }
  return found;
}

std::vector<StoredReport> ReportStore::createReports(const std::vector<NewReport>& reports,
                                                     const ReportInterval& interval,
                                                     ReportFormat format,
                                                     const std::string& receiver,
                                                     const std::string& host)
{
  std::vector<StoredReport> created;
  created.reserve(reports.size());
  for (const auto& report : reports) {
    created.push_back(
        createReport(report.policyDomain, interval, format, receiver, host, report.randomSuffix));
  }
  return created;
}

void ReportStore::recordReportStats(const std::vector<ReportStats>& stats)
{
  for (const auto& s : stats) {
    updateReportStats(s.report, s.records, s.messages, s.gzipBytes);
  }
}
} // namespace dmarc
