// report_run.hh: one run of `dmarc-reports send`: for every policy domain
// with verdicts in the interval (and every earlier report with a delivery
// due for retry), build the aggregate report once, then deliver it to each
// rua destination that is allowed, recording every report and attempt in
// PostgreSQL (sql/0003) so that reruns re-send nothing delivered and a
// re-send reuses the Report-ID and filename.
//
// Trusts its options and the database schema; every stored string is
// hostile and passes through the checked naming, XML and MIME code.
// Collaborators come in through the constructor (store, resolver, mailer,
// https poster, clock, log), so tests can replace any of them. Without a
// poster, https rua destinations are recorded and skipped.
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/dns_answer.hh"
#include "reporting/aggregate/report_model.hh"
#include "reporting/aggregate/report_store.hh"
#include "reporting/rua_uri.hh"
#include "reporting/transport/https_poster.hh"
#include "reporting/transport/mailer.hh"

namespace dmarc
{
struct ReportRunSummary;

struct ReportRunOptions
{
  ReportInterval interval;
  std::string onlyDomain; // --domain
  ReportFormat format = ReportFormat::Rfc9990;
  std::string orgName;                   // <org_name>
  std::string email;                     // <email> and From:, the reporting address
  std::string receiver;                  // Submitter / filename receiver (our domain)
  std::string extraContactInfo;          // optional
  std::vector<std::string> ownAddresses; // never receive reports (email is added)
  std::string host;                      // this host's name, for the bookkeeping
  std::string outputDir;                 // write files instead of mailing
  bool dryRun = false;
  bool verbose = false;
  RetryPolicy retry;
  std::string workDir; // where report and message files are built
  // Called after each domain is planned and each report delivered, with
  // the figures so far and the domains planned of the current pass (a
  // progress line on a terminal). Empty: none.
  std::function<void(const ReportRunSummary&, std::size_t done, std::size_t total)> progress;
};

struct ReportRunSummary
{
  std::uint64_t domains = 0;
  std::uint64_t rows = 0;     // records written, all reports
  std::uint64_t messages = 0; // messages counted, all reports
  std::uint64_t reports = 0;  // reports built
  std::uint64_t sent = 0;
  std::uint64_t skipped = 0;
  std::uint64_t failed = 0;    // temporary or permanent failures this run
  std::uint64_t postponed = 0; // not yet due, or DNS trouble
};

// Log lines (already sanitised): level 0 info, 1 verbose/progress, 2 warning.
using RunLog = std::function<void(int level, const std::string& line)>;

class ReportRun
{
public:
  // poster: delivery to https rua URIs; nullptr: they are skipped.
  ReportRun(ReportRunOptions options, ReportStore& store, DnsResolver* resolver, Mailer* mailer,
            ReportPoster* poster, RunLog log, std::function<std::time_t()> clock,
            std::function<std::string()> randomSuffix);

  ReportRunSummary run();

private:
  // A destination that passed every check, with the URI to deliver to.
  struct Target
  {
    StoredDestination stored;
    RuaUri uri;
  };
  // One report to build in this run, and where it goes.
  struct Planned
  {
    StoredReport report;
    DomainPolicy policy;
    std::vector<Target> deliveries;
    std::string path; // the gzip file being built
    std::uint64_t records = 0;
    std::uint64_t messages = 0;
  };

  // Domains of one interval to plan, build and deliver together.
  struct Pass
  {
    ReportInterval interval;
    std::vector<std::string> domains;
    std::string onlyDomain;
  };

  // The run's own interval, then earlier reports with deliveries due.
  std::vector<Pass> passes();
  std::vector<Planned> planPass(const Pass& pass);
  // False when the reports could not be built (their files are removed).
  bool buildPass(std::vector<Planned>& planned, const Pass& pass);
  // What the store knows of one domain before it is planned.
  struct Known
  {
    std::optional<StoredReport> existing;
    std::optional<DomainPolicy> policy;
  };
  // The reports and policies of a batch of domains (in their order), read
  // in one round trip each, with the reports still missing created in one
  // transaction: per-domain statements and commits were what a day of
  // 10,000 domains spent its time on.
  std::vector<Known> lookUp(const std::vector<std::string>& domains,
                            const ReportInterval& interval);
  std::optional<Planned> plan(const std::string& domain, const ReportInterval& interval,
                              Known known);
  // Gives up the pending destinations of a report whose verdicts expired.
  void giveUpExpired(const std::optional<StoredReport>& existing);
  // The report to build: the existing one (lookUp created the new ones) or
  // a dry run's; none when there is nowhere to send it.
  std::optional<StoredReport> reportFor(const std::string& domain, const ReportInterval& interval,
                                        const std::optional<StoredReport>& existing);
  // The report's destinations, recorded first (not in a dry run).
  std::vector<StoredDestination> destinationsFor(const Planned& planned);
  // The bookkeeping checks of one destination (state, age, URI, our own
  // address, suppression); its URI when it may be tried now.
  std::optional<RuaUri> admit(StoredDestination& dest, const Planned& planned,
                              const std::string& reportWhere);
  // The external destination check (DNS) of an admitted destination.
  std::optional<Target> verify(const StoredDestination& dest, RuaUri uri, const std::string& domain,
                               const Planned& planned,
                               const std::map<std::string, std::uint64_t>& sizeLimits,
                               const std::string& reportWhere);
  // Builds every planned report of one interval: one pass over its rows,
  // or one indexed query per domain when few of totalDomains need one.
  void build(std::vector<Planned>& planned, const ReportInterval& interval,
             const std::string& onlyDomain, std::size_t totalDomains);
  // The figures of the built reports, recorded in batches before delivery.
  void recordStats(const std::vector<Planned>& planned);
  void deliver(Planned& planned);
  void post(const Planned& planned, const Target& delivery, const std::string& reportWhere);
  // Records one attempt of `transport`, counts and logs it.
  void recordOutcome(const Target& delivery, const std::string& transport, const Delivery& result,
                     const std::string& destWhere, const std::string& recipient,
                     const Planned& planned);
  void skip(const StoredDestination& destination, const std::string& where,
            const std::string& reason);
  ReportMetadata metadataFor(const StoredReport& report) const;
  bool isOwnAddress(const std::string& address) const;
  void log(int level, const std::string& line) const;

  ReportRunOptions d_options;
  ReportStore& d_store;
  DnsResolver* d_resolver;
  Mailer* d_mailer;
  ReportPoster* d_poster;
  RunLog d_log;
  std::function<std::time_t()> d_clock;
  std::function<std::string()> d_randomSuffix;
  ReportRunSummary d_summary;
};

// Text safe for one log line: printable ASCII, quotes escaped, capped.
std::string logSafe(std::string_view text, std::size_t max = 200);
} // namespace dmarc
