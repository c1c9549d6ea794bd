// fake_report_store.hh: an in-memory ReportStore for unit tests of the send
// run (ReportRun): verdict rows and policies per domain and interval, and
// the bookkeeping of reports, destinations, attempts and suppressions as
// the PostgreSQL store keeps it (pg_report_store.cc), on a clock the test
// moves. Every call that changes something is counted, so tests can check
// that nothing is written twice.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "reporting/aggregate/report_store.hh"
#include "reporting/report_naming.hh"

namespace dmarc::test
{
class FakeReportStore : public ReportStore
{
public:
  struct Destination
  {
    std::int64_t report = 0;
    StoredDestination stored;
    std::int64_t nextAttemptAt = 0;
  };
  struct Attempt
  {
    std::int64_t destination = 0;
    std::string transport;
    AttemptOutcome outcome = AttemptOutcome::Delivered;
  };

  // The test's clock, in epoch seconds (now() of the database).
  std::int64_t now = 0;

  // Verdicts: the policy last seen for `domain` in the interval starting at
  // `begin`, and its grouped rows.
  void addDomain(const std::string& domain, std::int64_t begin, DomainPolicy policy,
                 std::vector<ReportRow> rows)
  {
    d_verdicts[{domain, begin}] = {std::move(policy), std::move(rows)};
  }
  // The verdicts of an interval expired.
  void expire(const std::string& domain, std::int64_t begin) { d_verdicts.erase({domain, begin}); }

  std::vector<DomainActivity> domainsWithVerdicts(const ReportInterval& interval,
                                                  const std::string& onlyDomain) override
  {
    std::vector<DomainActivity> found;
    for (const auto& [key, verdicts] : d_verdicts) {
      if (key.second == interval.begin && (onlyDomain.empty() || onlyDomain == key.first)) {
        found.push_back({key.first});
      }
    }
    return found;
  }

  std::optional<DomainPolicy> latestPolicy(const std::string& domain,
                                           const ReportInterval& interval)
  {
    auto found = d_verdicts.find({domain, interval.begin});
    if (found == d_verdicts.end()) {
      return std::nullopt;
    }
    return found->second.policy;
  }

  std::uint64_t streamRows(const ReportInterval& interval, const std::string& onlyDomain,
                           const std::function<void(const std::string&, ReportRow&&)>& onRow,
                           std::size_t /*batch*/) override
  {
    ++streams;
    std::uint64_t count = 0;
    for (const auto& [key, verdicts] : d_verdicts) {
      if (key.second != interval.begin || (!onlyDomain.empty() && onlyDomain != key.first)) {
        continue;
      }
      for (auto row : verdicts.rows) {
        ++count;
        onRow(key.first, std::move(row));
      }
    }
    return count;
  }

  std::optional<StoredReport> findReport(const std::string& domain, const ReportInterval& interval)
  {
    for (const auto& report : d_reports) {
      if (report.policyDomain == domain && report.interval.begin == interval.begin &&
          report.interval.end == interval.end) {
        return withAge(report);
      }
    }
    return std::nullopt;
  }

  StoredReport createReport(const std::string& domain, const ReportInterval& interval,
                            ReportFormat format, const std::string& receiver,
                            const std::string& /*host*/, const std::string& randomSuffix)
  {
    if (auto existing = findReport(domain, interval)) {
      return *existing; // another run created it first
    }
    ++created;
    StoredReport report;
    report.id = static_cast<std::int64_t>(d_reports.size()) + 1;
    report.policyDomain = domain;
    report.interval = interval;
    report.format = format;
    report.reportId =
        makeReportId(interval.begin, static_cast<std::uint64_t>(report.id), randomSuffix);
    report.filename =
        reportFilename(receiver, domain, interval.begin, interval.end - 1, report.reportId);
    d_reports.push_back(report);
    d_createdAt[report.id] = now;
    return withAge(report);
  }

  // The batch calls, one domain at a time.
  std::vector<std::optional<StoredReport>> findReports(const std::vector<std::string>& domains,
                                                       const ReportInterval& interval) override
  {
    std::vector<std::optional<StoredReport>> found;
    for (const auto& domain : domains) {
      found.push_back(findReport(domain, interval));
    }
    return found;
  }

  std::vector<std::optional<DomainPolicy>> latestPolicies(const std::vector<std::string>& domains,
                                                          const ReportInterval& interval) override
  {
    std::vector<std::optional<DomainPolicy>> found;
    for (const auto& domain : domains) {
      found.push_back(latestPolicy(domain, interval));
    }
    return found;
  }

  std::vector<StoredReport> createReports(const std::vector<NewReport>& reports,
                                          const ReportInterval& interval, ReportFormat format,
                                          const std::string& receiver,
                                          const std::string& host) override
  {
    std::vector<StoredReport> made;
    for (const auto& report : reports) {
      made.push_back(
          createReport(report.policyDomain, interval, format, receiver, host, report.randomSuffix));
    }
    return made;
  }

  void recordReportStats(const std::vector<ReportStats>& stats) override
  {
    for (const auto& s : stats) {
      recordsOf[s.report] = s.records;
    }
  }

  std::vector<StoredReport> reportsWithDueRetries(const std::string& onlyDomain) override
  {
    std::vector<StoredReport> found;
    for (const auto& report : d_reports) {
      if (!onlyDomain.empty() && report.policyDomain != onlyDomain) {
        continue;
      }
      for (const auto& d : d_destinations) {
        if (d.report == report.id && isDue(d)) {
          found.push_back(withAge(report));
          break;
        }
      }
    }
    return found;
  }

  std::vector<StoredDestination> destinations(std::int64_t report) override
  {
    std::vector<StoredDestination> found;
    for (const auto& d : d_destinations) {
      if (d.report == report) {
        StoredDestination stored = d.stored;
        stored.due = isDue(d);
        found.push_back(stored);
      }
    }
    return found;
  }

  void addDestination(std::int64_t report, const std::string& uri,
                      const std::string& address) override
  {
    for (const auto& d : d_destinations) {
      if (d.report == report && d.stored.uri == uri) {
        return;
      }
    }
    Destination d;
    d.report = report;
    d.stored.id = static_cast<std::int64_t>(d_destinations.size()) + 1;
    d.stored.uri = uri;
    d.stored.address = address;
    d.nextAttemptAt = now;
    d_destinations.push_back(d);
  }

  void skipDestination(std::int64_t destination, const std::string& reason) override
  {
    auto& d = at(destination);
    d.stored.status = DestinationStatus::Skipped;
    d.stored.reason = reason;
  }

  void giveUpDestination(const StoredDestination& destination, const std::string& reason,
                         const RetryPolicy& retry) override
  {
    auto& d = at(destination.id);
    d.stored.status = DestinationStatus::GaveUp;
    d.stored.reason = reason;
    countFailure(destination.address, retry);
  }

  void recordAttempt(const StoredDestination& destination, const std::string& /*host*/,
                     const std::string& transport, AttemptOutcome outcome,
                     const std::string& detail, const RetryPolicy& retry) override
  {
    attempts.push_back({destination.id, transport, outcome});
    auto& d = at(destination.id);
    ++d.stored.attempts;
    if (outcome == AttemptOutcome::Delivered) {
      d.stored.status = DestinationStatus::Delivered;
      d.stored.reason.clear();
      d_failures.erase(destination.address);
    } else if (outcome == AttemptOutcome::Tempfail) {
      std::int64_t delay = retry.firstRetry.count();
      for (int i = 0; i < destination.attempts && delay < retry.maxRetry.count(); ++i) {
        delay *= 2;
      }
      d.stored.reason = detail;
      d.nextAttemptAt = now + std::min<std::int64_t>(delay, retry.maxRetry.count());
    } else {
      d.stored.status = DestinationStatus::GaveUp;
      d.stored.reason = "permanent failure: " + detail;
      countFailure(destination.address, retry);
    }
  }

  void postpone(const StoredDestination& destination, const std::string& reason,
                const RetryPolicy& retry) override
  {
    auto& d = at(destination.id);
    d.stored.reason = reason;
    d.nextAttemptAt = now + retry.firstRetry.count();
  }

  bool isSuppressed(const std::string& address) override
  {
    auto found = d_suppressedUntil.find(address);
    return found != d_suppressedUntil.end() && found->second > now;
  }

  // What the tests look at.
  const std::vector<StoredReport>& reports() const { return d_reports; }
  const Destination& destination(std::int64_t id) const
  {
    return d_destinations.at(static_cast<std::size_t>(id - 1));
  }
  std::size_t destinationCount() const { return d_destinations.size(); }
  std::vector<Attempt> attempts;
  std::map<std::int64_t, std::uint64_t> recordsOf;
  int created = 0;
  int streams = 0;

private:
  struct Verdicts
  {
    DomainPolicy policy;
    std::vector<ReportRow> rows;
  };

  Destination& at(std::int64_t id) { return d_destinations.at(static_cast<std::size_t>(id - 1)); }
  bool isDue(const Destination& d) const
  {
    return d.stored.status == DestinationStatus::Pending && d.nextAttemptAt <= now;
  }
  StoredReport withAge(StoredReport report) const
  {
    report.ageSeconds = now - d_createdAt.at(report.id);
    return report;
  }
  void countFailure(const std::string& address, const RetryPolicy& retry)
  {
    if (!address.empty() && ++d_failures[address] >= retry.permfailsToSuppress) {
      d_suppressedUntil[address] = now + retry.suppressFor.count();
    }
  }

  std::map<std::pair<std::string, std::int64_t>, Verdicts> d_verdicts;
  std::vector<StoredReport> d_reports;
  std::map<std::int64_t, std::int64_t> d_createdAt;
  std::vector<Destination> d_destinations;
  std::map<std::string, int> d_failures;
  std::map<std::string, std::int64_t> d_suppressedUntil;
};
} // namespace dmarc::test
