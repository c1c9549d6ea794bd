// session.cc: what dmarc-milter does at each milter step.
//
// Each step adds to the facts of the message (lib/core/decision.hh
// DecisionFacts) and feeds the checks (DKIM hashes as the message streams).
// At the end of the message the checks give SPF and DKIM, decide() gives the
// Decision, and the session carries it out: the record goes to the history
// store, the reply, hold and header edits go to the MTA, and one log line is
// written.
#include "milter/session.hh"

#include <algorithm>
#include <syslog.h>

#include "lib/adapters/cpu_gate.hh"
#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/failure_condition.hh"
#include "lib/core/header_section.hh"
#include "lib/core/message_identity.hh"
#include "lib/core/verdict_store.hh"
#include "milter/address_source.hh"
#include "milter/config.hh"
#include "milter/logger.hh"
#include "milter/milter_actions.hh"
#include "milter/milter_metrics.hh"

namespace dmarc
{
namespace
{
// Bounds on what one message may make us remember: distinct RCPT domains,
// HELO and addresses here; the header facts bound themselves
// (DecisionFacts::addHeader), the DKIM verifier its own.
constexpr std::size_t s_maxRcptDomains = 256;
constexpr std::size_t s_maxHelo = 1024;
constexpr std::size_t s_maxAddress = 2048;

// "<user@example.com>" (with ESMTP parameters already split off by the
// MTA) -> "user@example.com"; "<>" -> "".
std::string stripAngles(std::string_view path)
{
  path = trimSpace(path);
  if (!path.empty() && path.front() == '<') {
    path.remove_prefix(1);
    auto close = path.find('>');
    path = path.substr(0, close);
  }
  return std::string(path.substr(0, s_maxAddress));
}

Reply replyFor(SmtpAction action)
{
  switch (action) {
  case SmtpAction::Accept:
    return Reply::Accept;
  case SmtpAction::Reject:
    return Reply::Reject;
  case SmtpAction::Tempfail:
    return Reply::Tempfail;
  }
  return Reply::Tempfail;
}

std::string_view toString(FailureAction action)
{
  switch (action) {
  case FailureAction::Accept:
    return "accept";
  case FailureAction::Tempfail:
    return "tempfail";
  case FailureAction::Reject:
    return "reject";
  }
  return "?";
}

std::string dkimSummary(const Verdict& verdict)
{
  std::string dkim;
  for (const auto& signature : verdict.dkim) {
    dkim += (dkim.empty() ? "" : ",") + std::string(toString(signature.result)) + ":" +
            signature.domain;
  }
  return dkim.empty() ? std::string("none") : dkim;
}

MessageReply metricsReply(const Decision& decision)
{
  if (decision.holdReason) {
    return MessageReply::Hold;
  }
  return decision.action == SmtpAction::Accept   ? MessageReply::Accept
         : decision.action == SmtpAction::Reject ? MessageReply::Reject
                                                 : MessageReply::Tempfail;
}

std::string overrideSummary(const Verdict& verdict)
{
  std::string overrides;
  for (const auto& item : verdict.overrides) {
    overrides += (overrides.empty() ? "" : ",") + std::string(toString(item.reason));
  }
  return overrides;
}
} // namespace

std::string_view toString(Reply reply)
{
  switch (reply) {
  case Reply::Continue:
    return "continue";
  case Reply::Accept:
    return "accept";
  case Reply::Reject:
    return "reject";
  case Reply::Tempfail:
    return "tempfail";
  }
  return "?";
}

struct Session::Message
{
  std::shared_ptr<const Config> config; // pinned when the message started
  DecisionFacts facts;                  // gathered step by step
  MessageIdentity identity;             // the history row's key, so that a retry keeps one row
  std::unique_ptr<MessageCheck> check;
  std::uint64_t bodyBytes = 0;
  std::size_t headerCount = 0;
  bool endOfHeaders = false;
  // What a failure report needs, collected only while FailureReports is on.
  std::optional<HeaderSection> failureHeaders;
  std::vector<std::string> failureRcpts;
};

Session::Session(SessionServices& services)
    : d_services(services), d_config(services.currentConfig())
{}

Session::~Session() = default;

std::string_view Session::queueId() const
{
  return d_message ? std::string_view(d_message->facts.queueId) : std::string_view();
}

Reply Session::connect(MilterActions& actions, std::string_view hostname, const sockaddr* address)
{
  d_config = d_services.currentConfig();
  d_connection = ConnectionFacts{};
  d_connection.hostname = sanitize(hostname, 255);
  d_connection.address = ipAddressOf(address);
  if (auto name = actions.symbol("j")) {
    d_connection.mtaName = sanitize(*name, 255);
  }
  if (d_services.logger.enabled(LOG_DEBUG)) {
    d_services.logger.log(LOG_DEBUG,
                          LogLine("NOQUEUE")
                              .add("connect", d_connection.hostname)
                              .add("client", d_connection.address ? d_connection.address->toString()
                                                                  : std::string("unknown"))
                              .text());
  }
  return Reply::Continue;
}

void Session::readTls(MilterActions& actions)
{
  auto version = actions.symbol("{tls_version}");
  auto cipher = actions.symbol("{cipher}");
  if (!version && !cipher) {
    return;
  }
  TlsFacts tls;
  tls.version = sanitize(version.value_or(""), 64);
  tls.cipher = sanitize(cipher.value_or(""), 128);
  if (auto bits = actions.symbol("{cipher_bits}")) {
    unsigned value = 0;
    for (char c : *bits) {
      if (c < '0' || c > '9' || value > 100000) {
        value = 0;
        break;
      }
      value = value * 10 + static_cast<unsigned>(c - '0');
    }
    tls.bits = value;
  }
  tls.verify = sanitize(actions.symbol("{verify}").value_or(""), 32);
  tls.certSubject = actions.symbol("{cert_subject}").value_or("").substr(0, 1024);
  tls.certIssuer = actions.symbol("{cert_issuer}").value_or("").substr(0, 1024);
  d_connection.tls = std::move(tls);
}

Reply Session::helo(MilterActions& actions, std::string_view name)
{
  d_connection.helo = std::string(trimSpace(name).substr(0, s_maxHelo));
  // After STARTTLS the client says EHLO again and the TLS macros appear.
  readTls(actions);
  return Reply::Continue;
}

void Session::startMessage(MilterActions& actions)
{
  d_message = std::make_unique<Message>();
  // A reload applies from the next message on; this one keeps its config.
  d_config = d_services.currentConfig();
  d_message->config = d_config;
  d_message->facts.queueId = sanitize(actions.symbol("i").value_or(""), 32);
  if (auto user = actions.symbol("{auth_authen}")) {
    d_connection.authUser = sanitize(*user, 255);
  }
  if (!d_connection.tls) {
    readTls(actions);
  }
}

Reply Session::envFrom(MilterActions& actions, const std::vector<std::string_view>& args)
{
  d_message.reset();
  startMessage(actions);
  ++d_messages;
  auto& facts = d_message->facts;
  facts.message.mailFrom = args.empty() ? std::string() : stripAngles(args.front());
  facts.message.helo = d_connection.helo;
  facts.client = d_connection.address;
  facts.authenticatedUser = d_connection.authUser;
  d_message->identity.mailFrom(facts.message.mailFrom);
  Envelope envelope;
  envelope.client = d_connection.address;
  envelope.helo = d_connection.helo;
  envelope.mailFrom = facts.message.mailFrom;
  envelope.authenticatedUser = d_connection.authUser;
  envelope.queueId = facts.queueId;
  envelope.receivedAt = d_services.clock();
  d_message->check = d_services.checker.begin(*d_message->config, envelope);
  if (d_message->config->values.FailureReports) {
    d_message->failureHeaders.emplace(d_message->config->values.FailureReportHeaderLimit);
  }
  return Reply::Continue;
}

Reply Session::envRcpt(MilterActions& actions, const std::vector<std::string_view>& args)
{
  if (!d_message) {
    return Reply::Continue;
  }
  auto& facts = d_message->facts;
  if (facts.queueId.empty()) {
    facts.queueId = sanitize(actions.symbol("i").value_or(""), 32);
  }
  if (args.empty()) {
    return Reply::Continue;
  }
  const std::string address = stripAngles(args.front());
  d_message->identity.recipient(address);
  if (d_message->failureHeaders && d_message->failureRcpts.size() < s_maxFailureRcpts) {
    d_message->failureRcpts.push_back(address);
  }
  auto domain = addressDomain(address);
  auto& domains = facts.rcptDomains;
  if (!domain.empty() && domains.size() < s_maxRcptDomains &&
      std::find(domains.begin(), domains.end(), domain) == domains.end()) {
    domains.push_back(domain);
  }
  return Reply::Continue;
}

Reply Session::header(MilterActions&, std::string_view name, std::string_view value)
{
  if (!d_message) {
    return Reply::Continue;
  }
  auto& message = *d_message;
  ++message.headerCount;
  message.facts.addHeader(name, value, message.config->site);
  message.identity.header(name, value);
  message.check->header(name, value);
  if (message.failureHeaders) {
    message.failureHeaders->add(name, value);
  }
  return Reply::Continue;
}

Reply Session::endOfHeaders(MilterActions&)
{
  if (d_message) {
    d_message->endOfHeaders = true;
    d_message->check->endOfHeaders();
  }
  return Reply::Continue;
}

Reply Session::body(MilterActions&, std::string_view chunk)
{
  if (d_message) {
    if (!d_message->endOfHeaders) {
      d_message->endOfHeaders = true;
      d_message->check->endOfHeaders();
    }
    d_message->bodyBytes += chunk.size();
    d_message->check->body(chunk);
  }
  return Reply::Continue;
}

void Session::abort()
{
  d_message.reset();
}

Reply Session::endOfMessage(MilterActions& actions)
{
  if (!d_message) {
    return Reply::Continue;
  }
  // The message state goes away whatever happens below.
  std::unique_ptr<Message> owned = std::move(d_message);
  return finishMessage(actions, *owned);
}

Reply Session::finishMessage(MilterActions& actions, Message& message)
{
  const auto started = std::chrono::steady_clock::now();
  auto& facts = message.facts;
  if (auto id = actions.symbol("i")) {
    facts.queueId = sanitize(*id, 32);
  }
  if (!message.endOfHeaders) {
    message.check->endOfHeaders();
  }
  std::optional<CpuGate::Slot> slot;
  if (d_services.verifyGate != nullptr) {
    slot.emplace(*d_services.verifyGate);
  }
  CheckResult checked = message.check->finish();
  facts.message.spf = std::move(checked.spf);
  facts.message.spfHelo = std::move(checked.spfHelo);
  facts.message.dkim = std::move(checked.dkim);
  facts.arc = std::move(checked.arc);
  facts.receivedAt = d_services.clock();
  facts.reportingHost =
      d_connection.mtaName.empty() ? message.config->authservId : d_connection.mtaName;
  facts.tls = d_connection.tls;
  Decision decision = decide(facts, message.config->site, message.check->tools());
  slot.reset(); // storing the verdict below may wait for the disk

  std::string storeNote = "off";
  if (d_services.store != nullptr) {
    // A final answer (not a tempfail, after which the message comes back
    // to be decided again and the later verdict is the one that counts)
    // gets the message's own key: if that answer never reaches the MTA,
    // the retry's verdict finds this row and adds none (the insert skips a
    // key the table has).
    MessageRecord record(decision.record);
    if (decision.action != SmtpAction::Tempfail) {
      if (auto identity = message.identity.text(record.clientIp)) {
        record.messageKey = MessageIdentity::keyFromDigest(dkimDigest(*identity));
      }
    }
    if (message.failureHeaders && failureReportRequested(record.verdict)) {
      record.failure =
          FailureSample{message.facts.message.mailFrom, std::move(message.failureRcpts),
                        message.failureHeaders->take(), message.failureHeaders->truncated()};
    }
    auto outcome = d_services.store->store(std::move(record));
    storeNote = std::string(toString(outcome));
    if (outcome == StoreOutcome::Refused && decision.action == SmtpAction::Accept) {
      decision.action = SmtpAction::Tempfail;
      decision.reply = SmtpReply{"451", "4.3.0", "History spool full, try again later"};
      decision.headerEdits.clear();
      decision.holdReason.reset();
    }
  }
  std::string sealNote = sealMessage(message, decision);
  d_lastAuthResults = decision.authResults;
  d_lastVerdict = decision.verdict();
  d_lastArc = facts.arc;
  carryOut(actions, decision);
  logDecision(message, decision, checked.trace, storeNote, sealNote);
  if (d_services.metrics != nullptr) {
    d_services.metrics->countMessage(decision.verdict(), metricsReply(decision),
                                     std::chrono::steady_clock::now() - started);
    if (facts.arc) {
      d_services.metrics->countArc(facts.arc->result);
    }
  }
  return replyFor(decision.action);
}

// ARC sealing (ArcSealDomain): an accepted message, held or not (a held
// one leaves sealed when it is released), gets our ARC set on top, above
// our Authentication-Results, whose value is the set's
// ARC-Authentication-Results. A rejected or tempfailed message goes
// nowhere and is not sealed. Returns the log note: "" when sealing is off,
// else the instance or why not.
std::string Session::sealMessage(Message& message, Decision& decision)
{
  const auto& sealer = message.config->arcSealer;
  if (!sealer || decision.action != SmtpAction::Accept || decision.authResults.empty()) {
    return {};
  }
  auto input = message.check->arcSealInput();
  if (!input) {
    return "no (the header exceeds local limits)";
  }
  const ArcResult chain = message.facts.arc ? message.facts.arc->result : ArcResult::None;
  ArcSealOutcome sealed;
  try {
    sealed = sealer->seal(input->fields, input->relaxedBodyHash, chain, decision.authResults,
                          std::chrono::system_clock::to_time_t(d_services.clock()));
  } catch (const std::exception& error) {
    // The message is delivered as decided; it leaves without our set.
    return "no (" + std::string(error.what()) + ")";
  }
  if (!sealed.sealed) {
    return "no (" + sealed.reason + ")";
  }
  // Inserted at the top one after the other: the seal ends up first.
  for (const std::string* field : {&sealed.authResults, &sealed.messageSignature, &sealed.seal}) {
    auto colon = field->find(':');
    std::string value = field->substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    std::string lf;
    for (char c : value) {
      if (c != '\r') {
        lf.push_back(c);
      }
    }
    decision.headerEdits.push_back(
        HeaderEdit{HeaderEdit::Kind::Insert, field->substr(0, colon), 0, std::move(lf)});
  }
  return "i=" + std::to_string(sealed.instance) + " cv=" + std::string(toString(sealed.cv));
}

void Session::carryOut(MilterActions& actions, const Decision& decision)
{
  if (decision.action != SmtpAction::Accept) {
    actions.setReply(decision.reply.code, decision.reply.xcode, decision.reply.text);
    return;
  }
  for (const auto& edit : decision.headerEdits) {
    if (edit.kind == HeaderEdit::Kind::Delete) {
      actions.deleteHeader(edit.name, edit.index);
    } else {
      actions.insertHeader(edit.index, edit.name, edit.value);
    }
  }
  if (decision.holdReason) {
    actions.quarantine(*decision.holdReason);
  }
}

void Session::logDecision(const Message& message, const Decision& decision,
                          const std::vector<std::string>& checkTrace, const std::string& storeNote,
                          const std::string& sealNote)
{
  auto& logger = d_services.logger;
  const Verdict& verdict = decision.verdict();
  const std::string& queueId = message.facts.queueId;
  if (logger.enabled(LOG_INFO)) {
    const std::string& clientIp = decision.record.clientIp;
    LogLine line(queueId);
    line.add("client", clientIp.empty() ? std::string("unknown") : clientIp)
        .add("from_domain", verdict.fromDomain)
        .add("dmarc", toString(verdict.result))
        .add("policy", verdict.policy ? toString(verdict.effectivePolicy) : "none")
        .add("requested", toString(verdict.requested))
        .add("disposition", toString(verdict.applied))
        .add("spf", toString(verdict.spf.result))
        .add("spf_domain", verdict.spf.domain)
        .add("dkim", dkimSummary(verdict));
    if (const auto& arc = message.facts.arc; arc && arc->result != ArcResult::None) {
      line.add("arc", toString(arc->result));
    }
    if (auto overrides = overrideSummary(verdict); !overrides.empty()) {
      line.add("override", overrides);
    }
    if (!sealNote.empty()) {
      line.add("arc_seal", sealNote);
    }
    if (!message.facts.forgedAuthResults.empty()) {
      line.add("removed_ar", static_cast<long long>(message.facts.forgedAuthResults.size()));
    }
    // A held message was accepted into the hold queue: the log says hold.
    line.add("reply",
             decision.holdReason ? std::string_view("hold") : toString(replyFor(decision.action)))
        .add("history", storeNote);
    if (!decision.why.empty()) {
      line.add("why", decision.why);
    }
    logger.log(LOG_INFO, line.text());
  }
  if (logger.enabled(LOG_DEBUG)) {
    for (const auto& step : checkTrace) {
      logger.log(LOG_DEBUG, LogLine(queueId).add("trace", step).text());
    }
    for (const auto& step : decision.trace) {
      logger.log(LOG_DEBUG, LogLine(queueId).add("trace", step).text());
    }
    logger.log(LOG_DEBUG, LogLine(queueId).add("trace", message.check->dnsUsage()).text());
    for (const auto& item : verdict.overrides) {
      logger.log(LOG_DEBUG, LogLine(queueId)
                                .add("override", toString(item.reason))
                                .add("comment", item.comment)
                                .text());
    }
  }
}

Reply Session::failure(MilterActions& actions, std::string_view stage,
                       std::string_view what) noexcept
{
  std::string queueId;
  FailureAction action = d_config ? d_config->internalErrorAction : FailureAction::Tempfail;
  if (d_services.metrics != nullptr) {
    d_services.metrics->countInternalError();
  }
  try {
    queueId = d_message ? d_message->facts.queueId : std::string();
    d_message.reset();
    d_services.logger.log(LOG_ERR, LogLine(queueId)
                                       .add("error", what)
                                       .add("stage", stage)
                                       .add("action", toString(action))
                                       .text());
  } catch (...) {
    // Logging itself failed (out of memory): the action still applies.
  }
  try {
    if (action == FailureAction::Accept) {
      return Reply::Accept;
    }
    if (action == FailureAction::Reject) {
      actions.setReply("550", "5.7.0", "Message refused by the DMARC filter");
      return Reply::Reject;
    }
    actions.setReply("451", "4.3.0", "Temporary failure in the DMARC filter, try again later");
  } catch (...) {
    // Without a reply text the MTA uses its default 4xx text.
  }
  return Reply::Tempfail;
}
} // namespace dmarc
