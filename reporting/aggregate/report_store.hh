// report_store.hh: what `dmarc-reports send` reads and writes: the policy
// domains with verdicts in an interval, the last policy seen for one, its
// grouped rows, and the bookkeeping of sql/0003 (reports, destinations,
// delivery attempts, suppression list). An interface, so that the send run
// (report_run.hh) is unit-tested against an in-memory store; the PostgreSQL
// one is pg_report_store.hh.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "reporting/aggregate/report_model.hh"

namespace dmarc
{
struct ReportInterval
{
  std::int64_t begin = 0; // epoch seconds, inclusive
  std::int64_t end = 0;   // epoch seconds, exclusive
};

struct DomainActivity
{
  std::string policyDomain;
};

// The last policy seen for a domain in an interval, with what delivery needs.
struct DomainPolicy
{
  ReportPolicy published;
  std::vector<std::string> rua; // as stored (the size suffix is in record)
  std::string record;           // the TXT record as found
  std::string orgDomain;        // Organizational Domain of the author domain
};

enum class DestinationStatus
{
  Pending,
  Delivered,
  Skipped,
  GaveUp,
};

struct StoredDestination
{
  std::int64_t id = 0;
  std::string uri;
  std::string address;
  DestinationStatus status = DestinationStatus::Pending;
  std::string reason;
  int attempts = 0;
  bool due = false; // pending and next_attempt_at has passed
};

struct StoredReport
{
  std::int64_t id = 0;
  std::string policyDomain;
  ReportInterval interval;
  std::string reportId;
  std::string filename;
  ReportFormat format = ReportFormat::Rfc9990;
  std::int64_t ageSeconds = 0; // since it was first built
};

enum class AttemptOutcome
{
  Delivered,
  Tempfail,
  Permfail,
};

// A report to create (createReports): its domain and the random part of
// its Report-ID.
struct NewReport
{
  std::string policyDomain;
  std::string randomSuffix;
};

// The figures of one built report (recordReportStats).
struct ReportStats
{
  std::int64_t report = 0;
  std::uint64_t records = 0;
  std::uint64_t messages = 0;
  std::uint64_t gzipBytes = 0;
};

// Retry schedule for one destination across runs.
struct RetryPolicy
{
  std::chrono::seconds firstRetry{3600};     // doubled after each failure...
  std::chrono::seconds maxRetry{86400};      // ...up to this
  std::chrono::seconds giveUpAge{259200};    // a report older than this is not retried (3 days)
  int permfailsToSuppress = 3;               // permanent failures in a row that suppress an address
  std::chrono::seconds suppressFor{2592000}; // 30 days
};

class ReportStore
{
public:
  virtual ~ReportStore() = default;

  virtual std::vector<DomainActivity> domainsWithVerdicts(const ReportInterval& interval,
                                                          const std::string& onlyDomain) = 0;
  // Calls onRow(policyDomain, row) for each grouped row of the interval
  // (of one domain, or of all when onlyDomain is empty), ordered by domain,
  // then largest count first, then by key; fetched `batch` rows at a time
  // from a server-side cursor, so memory stays flat. Returns the rows.
  virtual std::uint64_t
  streamRows(const ReportInterval& interval, const std::string& onlyDomain,
             const std::function<void(const std::string&, ReportRow&&)>& onRow,
             std::size_t batch = 5000) = 0;

  // For many domains of a run at once: one round trip, or one transaction
  // (one commit, one fsync) for all, not one per domain, which is what a
  // day of 10,000 domains spent its time on. Results are in the order of
  // the argument.
  virtual std::vector<std::optional<StoredReport>>
  findReports(const std::vector<std::string>& domains, const ReportInterval& interval) = 0;
  // The policy last seen for each domain in the interval.
  virtual std::vector<std::optional<DomainPolicy>>
  latestPolicies(const std::vector<std::string>& domains, const ReportInterval& interval) = 0;
  // Creates the report rows (or returns those another run created).
  virtual std::vector<StoredReport> createReports(const std::vector<NewReport>& reports,
                                                  const ReportInterval& interval,
                                                  ReportFormat format, const std::string& receiver,
                                                  const std::string& host) = 0;
  virtual void recordReportStats(const std::vector<ReportStats>& stats) = 0;
  // Reports of any interval with a pending destination that is due.
  virtual std::vector<StoredReport> reportsWithDueRetries(const std::string& onlyDomain) = 0;

  virtual std::vector<StoredDestination> destinations(std::int64_t report) = 0;
  // Adds a destination (pending) unless the report already has that URI.
  virtual void addDestination(std::int64_t report, const std::string& uri,
                              const std::string& address) = 0;
  virtual void skipDestination(std::int64_t destination, const std::string& reason) = 0;
  // Past the give-up age: gave_up, and one more failure for the address.
  virtual void giveUpDestination(const StoredDestination& destination, const std::string& reason,
                                 const RetryPolicy& retry) = 0;
  // Records one attempt and moves the destination on: delivered; pending
  // with the next back-off (tempfail); skipped (permfail). Repeated
  // permanent failures put the address on the suppression list.
  virtual void recordAttempt(const StoredDestination& destination, const std::string& host,
                             const std::string& transport, AttemptOutcome outcome,
                             const std::string& detail, const RetryPolicy& retry) = 0;
  // A temporary reason not to try now (e.g. a DNS failure while verifying):
  // pending, retried after the back-off, no attempt recorded.
  virtual void postpone(const StoredDestination& destination, const std::string& reason,
                        const RetryPolicy& retry) = 0;
  virtual bool isSuppressed(const std::string& address) = 0;
};

std::string_view toString(DestinationStatus status);
} // namespace dmarc
