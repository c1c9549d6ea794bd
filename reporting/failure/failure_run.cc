// failure_run.cc: the order of the checks on one failure sample and the
// transaction around it. A sample's deliveries and its new state commit
// together: a report that was handed to the mail system is recorded in the
// same transaction that marks the sample, and a destination already
// recorded is never sent to again. The one window left is a crash between
// handing a report over and the commit; then that report may go twice.
#include "reporting/failure/failure_run.hh"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include <pqxx/pqxx>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/failure_report.hh"
#include "reporting/failure/keyed_hash.hh"
#include "reporting/rua_uri.hh"

namespace dmarc
{
namespace
{
bool isFeedbackReport(std::string_view headers)
{
  return toLowerAscii(headers).find("report-type=feedback-report") != std::string::npos ||
         toLowerAscii(headers).find("report-type=\"feedback-report\"") != std::string::npos;
}

bool inDomain(std::string_view name, std::string_view domain)
{
  return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                            name[name.size() - domain.size() - 1] == '.');
}
} // namespace

FailureRun::FailureRun(FailureRunOptions options, FailureStore& store, pqxx::connection& connection,
                       DnsResolver& resolver, Mailer* mailer, RunLog log,
                       std::function<std::string()> randomToken)
    : d_options(std::move(options)), d_store(store), d_connection(connection), d_resolver(resolver),
      d_mailer(mailer), d_log(std::move(log)), d_randomToken(std::move(randomToken)),
      d_caps(
          d_options.caps,
          [this](const std::string& domain) { return d_store.sentCounts(*d_tx, domain); },
          [this] { return d_store.sentLastHour(*d_tx); })
{
  if (!d_options.redactionKey.empty()) {
    std::string key = d_options.redactionKey;
    d_redactor.emplace([key](std::string_view data) { return hmacSha256(key, data); });
  }
  for (auto& domain : d_options.neverReport) {
    domain = toLowerAscii(domain);
  }
}

void FailureRun::log(int level, const std::string& line) const
{
  if (d_log) {
    d_log(level, line);
  }
}

bool FailureRun::neverReported(const std::string& domain) const
{
  return std::any_of(d_options.neverReport.begin(), d_options.neverReport.end(),
                     [&](const std::string& never) { return inDomain(domain, never); });
}

FailureRunSummary FailureRun::run()
{
  for (;;) {
    auto keys = d_store.dueKeys(d_options.batch);
    for (const auto& key : keys) {
      processOne(key);
    }
    // A dry run changes nothing, so the same keys would come back.
    if (keys.size() < d_options.batch || d_options.dryRun) {
      break;
    }
  }
  return d_summary;
}

void FailureRun::processOne(const std::string& key)
{
  pqxx::work tx(d_connection);
  d_tx = &tx;
  auto pending = d_store.claim(tx, key);
  if (!pending) {
    d_tx = nullptr;
    return; // handled meanwhile, or another run holds it
  }
  ++d_summary.samples;
  Decision decision;
  try {
    decision = process(tx, *pending);
  } catch (const pqxx::failure&) {
    throw; // the database's trouble: the run stops, the sample stays pending
  } catch (const Error& error) {
    // A sample no report can be made of (a hostile value the composer
    // refuses) must not stop every later run at the same place.
    decision = {Outcome::Suppressed, "cannot compose: " + logSafe(error.what())};
  }
  const std::string where = key + " " + logSafe(pending->record.verdict.fromDomain);
  switch (decision.outcome) {
  case Outcome::Sent:
    ++d_summary.messages;
    d_store.finish(tx, key, FailureState::Sent, decision.reason);
    log(1, "sent " + where + ": " + decision.reason);
    break;
  case Outcome::Suppressed:
    ++d_summary.suppressed;
    d_store.finish(tx, key, FailureState::Suppressed, decision.reason);
    log(1, "suppressed " + where + ": " + decision.reason);
    break;
  case Outcome::Postponed:
    ++d_summary.postponed;
    if (pending->ageSeconds >= d_options.giveUpSeconds) {
      d_store.finish(tx, key, FailureState::Suppressed, "gave up: " + decision.reason);
    } else {
      const std::int64_t delay = d_options.retrySeconds << std::min(pending->attempts, 10);
      d_store.postpone(tx, key, std::min(delay, d_options.giveUpSeconds), decision.reason);
    }
    log(2, "postponed " + where + ": " + decision.reason);
    break;
  }
  d_tx = nullptr;
  if (!d_options.dryRun) {
    tx.commit();
  }
}

FailureRun::Decision FailureRun::process(pqxx::work& tx, const PendingFailure& pending)
{
  const Verdict& verdict = pending.record.verdict;
  const std::string& policyDomain = verdict.policy->domain;
  if (isFeedbackReport(pending.record.failure->headers)) {
    return {Outcome::Suppressed, "the message is a feedback report itself"};
  }
  if (neverReported(verdict.fromDomain) || neverReported(policyDomain)) {
    return {Outcome::Suppressed, "never-report list"};
  }
  if (auto refusal = d_caps.refusal(policyDomain)) {
    return {Outcome::Suppressed, *refusal};
  }
  auto checked = destinations(pending);
  if (auto* decision = std::get_if<Decision>(&checked)) {
    return *decision;
  }
  const auto done = d_store.deliveredTo(tx, pending.record.messageKey);
  std::string sentTo;
  std::string failure;
  unsigned n = 0;
  for (const auto& destination : std::get<std::vector<std::string>>(checked)) {
    const std::string messageId =
        pending.record.messageKey + "." + std::to_string(n++) + "@" + d_options.receiver;
    if (std::find(done.begin(), done.end(), destination) != done.end()) {
      continue; // sent by an earlier run that did not finish the sample
    }
    Delivery result = deliver(pending, destination, messageId);
    if (result.outcome == Delivery::Outcome::Delivered) {
      d_store.recordDelivery(tx, pending.record.messageKey, destination, policyDomain, messageId);
      ++d_summary.reports;
      sentTo += (sentTo.empty() ? "" : " ") + destination;
    } else if (result.outcome == Delivery::Outcome::Tempfail) {
      // What went out so far is recorded with the postponement.
      return {Outcome::Postponed, destination + ": " + logSafe(result.detail)};
    } else {
      failure = destination + ": " + logSafe(result.detail);
    }
  }
  if (sentTo.empty() && done.empty()) {
    return {Outcome::Suppressed, "permanent failure: " + failure};
  }
  d_caps.count(policyDomain);
  return {Outcome::Sent, sentTo.empty() ? "sent before" : sentTo};
}

std::variant<std::vector<std::string>, FailureRun::Decision>
FailureRun::destinations(const PendingFailure& pending)
{
  const Verdict& verdict = pending.record.verdict;
  const std::string& policyDomain = verdict.policy->domain;
  std::vector<std::string> addresses;
  std::string refused;
  for (const auto& text : verdict.policy->ruf) {
    auto uri = parseRuaUri(text);
    if (!uri || uri->scheme != RuaUri::Scheme::Mailto) {
      continue; // RFC 9991: failure reports go by mail only
    }
    const std::string cacheKey = policyDomain + " " + uri->address;
    auto it = d_checked.find(cacheKey);
    if (it == d_checked.end() || it->second.status == DestinationCheck::Status::TempError) {
      it = d_checked
               .insert_or_assign(
                   cacheKey, checkDestination(d_resolver, policyDomain, verdict.orgDomain, *uri))
               .first;
    }
    const DestinationCheck& check = it->second;
    if (check.status == DestinationCheck::Status::TempError) {
      return Decision{Outcome::Postponed, "destination check: " + check.reason};
    }
    const std::string address = toLowerAscii(check.destination.address);
    if (check.status == DestinationCheck::Status::NotAuthorized) {
      refused = address + ": " + check.reason;
      continue;
    }
    if (address != toLowerAscii(d_options.email) &&
        std::find(addresses.begin(), addresses.end(), address) == addresses.end()) {
      addresses.push_back(address);
    }
  }
  if (addresses.empty()) {
    return Decision{Outcome::Suppressed,
                    refused.empty() ? "no usable ruf address" : "not authorised: " + refused};
  }
  return addresses;
}

Delivery FailureRun::deliver(const PendingFailure& pending, const std::string& destination,
                             const std::string& messageId)
{
  FailureReportInfo info;
  info.from = d_options.email;
  info.to = {destination};
  info.reportingMta = d_options.reportingMta;
  info.authservId = d_options.reportingMta;
  info.userAgent = d_options.userAgent;
  info.messageId = messageId;
  info.boundary = "failure-report-" + d_randomToken();
  info.date = std::time(nullptr);
  info.includeRecipients = d_options.includeRecipients;
  const std::string message =
      composeFailureReport(info, pending.record, d_redactor ? &*d_redactor : nullptr);
  if (d_options.dryRun) {
    log(0, "would send a report about " + pending.record.messageKey + " to " + destination);
    return Delivery{Delivery::Outcome::Delivered, "dry run"};
  }
  const std::string directory =
      d_options.outputDir.empty() ? d_options.workDir : d_options.outputDir;
  const std::string path = directory + "/" + messageId + ".eml";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << message;
    if (!out.flush()) {
      throw Error("cannot write " + path);
    }
  }
  if (!d_options.outputDir.empty()) {
    return Delivery{Delivery::Outcome::Delivered, "written to " + path};
  }
  Delivery result = d_mailer->send(d_options.email, {destination}, path);
  std::remove(path.c_str());
  return result;
}
} // namespace dmarc
