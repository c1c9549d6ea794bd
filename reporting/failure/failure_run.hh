// failure_run.hh: one run of `dmarc-reports send-failures`: every due
// failure sample is, in its own transaction, either reported (one AFRF
// message per destination address, lib/core/failure_report.hh), suppressed
// with a reason, or postponed after a temporary failure.
//
// Controls, in order: a message that is itself a feedback report is never
// reported (no report loops); domains on the never-report list are not;
// the caps (failure_caps.hh); only mailto ruf URIs, each address once, our
// own address never; an address outside the policy domain's Organizational
// Domain only after its _report._dmarc record allows it
// (destination_check.hh); a destination a report already went to never
// again (failure_delivery). Redaction of local parts is on unless the
// administrator turned it off.
//
// Trusts its options; nothing in the samples (they came from mail).
#pragma once

#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "lib/core/dns_answer.hh"
#include "lib/core/local_part_redaction.hh"
#include "reporting/aggregate/report_run.hh"
#include "reporting/check/destination_check.hh"
#include "reporting/failure/failure_caps.hh"
#include "reporting/failure/failure_store.hh"
#include "reporting/transport/mailer.hh"

namespace dmarc
{
struct FailureRunOptions
{
  std::string email;        // From: and the envelope sender of reports
  std::string receiver;     // our domain (Message-IDs)
  std::string reportingMta; // Reporting-MTA and authserv-id
  std::string userAgent;
  std::vector<std::string> neverReport; // domains (and their subdomains) never reported on
  FailureCapLimits caps;
  bool includeRecipients = false; // Original-Rcpt-To
  std::string redactionKey;       // empty: no redaction
  std::string outputDir;          // write reports here instead of mailing them
  std::string workDir;            // where report files are composed
  bool dryRun = false;            // decide and log, send and record nothing
  std::int64_t retrySeconds = 600;
  std::int64_t giveUpSeconds = 86400;
  std::size_t batch = 1000; // samples read per query
};

struct FailureRunSummary
{
  std::uint64_t samples = 0;    // samples looked at
  std::uint64_t messages = 0;   // samples reported to at least one address
  std::uint64_t reports = 0;    // report messages sent (one per address)
  std::uint64_t suppressed = 0; // samples never to be reported
  std::uint64_t postponed = 0;  // temporary failures, retried later
};

class FailureRun
{
public:
  // resolver: for the destination checks (required). mailer: nullptr only
  // with outputDir or dryRun. randomToken: a fresh random string each call.
  FailureRun(FailureRunOptions options, FailureStore& store, pqxx::connection& connection,
             DnsResolver& resolver, Mailer* mailer, RunLog log,
             std::function<std::string()> randomToken);

  FailureRunSummary run();

private:
  enum class Outcome
  {
    Sent,
    Suppressed,
    Postponed,
  };
  struct Decision
  {
    Outcome outcome = Outcome::Suppressed;
    std::string reason;
  };

  void processOne(const std::string& key);
  Decision process(pqxx::work& tx, const PendingFailure& pending);
  // Checked destinations of the sample (external ones authorised), or a
  // decision when there is none to use now.
  std::variant<std::vector<std::string>, Decision> destinations(const PendingFailure& pending);
  Delivery deliver(const PendingFailure& pending, const std::string& destination,
                   const std::string& messageId);
  bool neverReported(const std::string& domain) const;
  void log(int level, const std::string& line) const;

  FailureRunOptions d_options;
  FailureStore& d_store;
  pqxx::connection& d_connection;
  DnsResolver& d_resolver;
  Mailer* d_mailer;
  RunLog d_log;
  std::function<std::string()> d_randomToken;
  std::optional<LocalPartRedactor> d_redactor;
  pqxx::work* d_tx = nullptr; // the sample's transaction, for the caps' counts
  FailureCaps d_caps;
  std::map<std::string, DestinationCheck> d_checked; // policy domain + " " + address
  FailureRunSummary d_summary;
};
} // namespace dmarc
