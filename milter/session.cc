// session.cc: what dmarc-milter does at each milter step.
//
// The end of the message is where everything happens: the checks give a
// Verdict, local policy adjusts its disposition (recording why, as override
// reasons), forged Authentication-Results headers are removed and ours is
// added at the top, the disposition becomes an SMTP reply (or a hold), the
// record goes to the history store, and one log line is written.
#include "milter/session.hh"

#include <algorithm>
#include <map>
#include <syslog.h>

#include "lib/adapters/cpu_gate.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/verdict_store.hh"
#include "milter/config.hh"
#include "milter/logger.hh"
#include "milter/milter_actions.hh"

namespace dmarc
{
namespace
{
// Bounds on what one message may make us remember. A-R headers to delete,
// distinct RCPT domains and singleton-header counts are all the header
// state the session keeps; the DKIM verifier bounds its own.
constexpr std::size_t s_maxForgedAuthResults = 256;
constexpr std::size_t s_maxRcptDomains = 256;
constexpr std::size_t s_maxHelo = 1024;
constexpr std::size_t s_maxAddress = 2048;

const std::string_view s_authResults = "Authentication-Results";

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

std::string domainOf(std::string_view address)
{
  auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return {};
  }
  auto domain = toLowerAscii(address.substr(at + 1));
  while (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return domain;
}

// The identifier of a List-Id field (RFC 2919: "phrase <list-id>").
std::string listIdOf(std::string_view value)
{
  auto open = value.rfind('<');
  auto close = value.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && open < close) {
    return std::string(trimSpace(value.substr(open + 1, close - open - 1)));
  }
  return std::string(trimSpace(value));
}

// RFC 5322 §3.6: the fields that may appear at most once, and the two that
// must appear exactly once.
const std::string_view s_singletons[] = {"date",        "from",       "sender", "reply-to",
                                         "to",          "cc",         "bcc",    "message-id",
                                         "in-reply-to", "references", "subject"};

bool isSingleton(std::string_view lowerName)
{
  return std::find(std::begin(s_singletons), std::end(s_singletons), lowerName) !=
         std::end(s_singletons);
}

std::string formatReject(const std::string& pattern, std::string_view domain)
{
  auto at = pattern.find("%s");
  std::string text = pattern;
  if (at != std::string::npos) {
    text.replace(at, 2, domain.empty() ? std::string("(unknown)") : sanitize(domain, 253));
  }
  return sanitize(text, 450);
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
  std::string queueId;
  std::string mailFrom;
  std::vector<std::string> rcptDomains;
  std::unique_ptr<MessageCheck> check;
  std::size_t authResultsSeen = 0;
  std::vector<std::size_t> forgedAuthResults; // 1-based indices among A-R fields
  std::map<std::string, unsigned> singletonCounts;
  std::string listId;
  std::uint64_t bodyBytes = 0;
  std::size_t headerCount = 0;
  bool endOfHeaders = false;
};

Session::Session(SessionServices& services)
    : d_services(services), d_config(services.currentConfig())
{}

Session::~Session() = default;

std::string_view Session::queueId() const
{
  return d_message ? std::string_view(d_message->queueId) : std::string_view();
}

Reply Session::connect(MilterActions& actions, std::string_view hostname, const sockaddr* address)
{
  d_config = d_services.currentConfig();
  d_connection = ConnectionFacts{};
  d_connection.hostname = sanitize(hostname, 255);
  d_connection.address = IpAddress::fromSockaddr(address);
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
  d_message->queueId = sanitize(actions.symbol("i").value_or(""), 32);
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
  d_message->mailFrom = args.empty() ? std::string() : stripAngles(args.front());
  Envelope envelope;
  envelope.client = d_connection.address;
  envelope.helo = d_connection.helo;
  envelope.mailFrom = d_message->mailFrom;
  envelope.authenticatedUser = d_connection.authUser;
  envelope.queueId = d_message->queueId;
  envelope.receivedAt = d_services.clock();
  d_message->check = d_services.checker.begin(*d_message->config, envelope);
  return Reply::Continue;
}

Reply Session::envRcpt(MilterActions& actions, const std::vector<std::string_view>& args)
{
  if (!d_message) {
    return Reply::Continue;
  }
  if (d_message->queueId.empty()) {
    d_message->queueId = sanitize(actions.symbol("i").value_or(""), 32);
  }
  if (args.empty()) {
    return Reply::Continue;
  }
  auto domain = domainOf(stripAngles(args.front()));
  auto& domains = d_message->rcptDomains;
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
  auto key = toLowerAscii(name);
  if (isSingleton(key)) {
    ++message.singletonCounts[key];
  }
  if (key == "authentication-results") {
    ++message.authResultsSeen;
    auto id = d_services.checker.authservIdOf(value);
    if (id && message.config->isOwnAuthservId(*id) &&
        message.forgedAuthResults.size() < s_maxForgedAuthResults) {
      message.forgedAuthResults.push_back(message.authResultsSeen);
    }
  } else if (key == "list-id" && message.listId.empty()) {
    message.listId = listIdOf(value).substr(0, 255);
  }
  message.check->header(name, value);
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

Reply Session::rejectText(MilterActions& actions, std::string_view xcode, const std::string& text)
{
  actions.setReply("550", xcode, text);
  return Reply::Reject;
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
  const Config& config = *message.config;
  if (auto id = actions.symbol("i")) {
    message.queueId = sanitize(*id, 32);
  }
  if (!message.endOfHeaders) {
    message.check->endOfHeaders();
  }

  std::optional<CpuGate::Slot> slot;
  if (d_services.verifyGate != nullptr) {
    slot.emplace(*d_services.verifyGate);
  }
  CheckResult result = message.check->finish();
  slot.reset(); // storing the verdict below may wait for the disk
  Verdict& verdict = result.verdict;
  std::string headerProblem;
  if (config.values.RequiredHeaders) {
    for (auto name : s_singletons) {
      auto found = message.singletonCounts.find(std::string(name));
      unsigned count = found == message.singletonCounts.end() ? 0 : found->second;
      bool required = name == "from" || name == "date";
      if (count > 1 || (required && count == 0)) {
        headerProblem = std::string(name) + " count " + std::to_string(count);
        break;
      }
    }
  }

  Reply reply = Reply::Accept;
  std::string replyNote;
  if (!headerProblem.empty()) {
    reply =
        rejectText(actions, "5.7.1", "Message header does not comply with RFC 5322 section 3.6");
    replyNote = "RequiredHeaders: " + headerProblem;
  } else if (verdict.applied == Disposition::Reject) {
    reply =
        rejectText(actions, "5.7.1", formatReject(config.values.RejectString, verdict.fromDomain));
  } else if (verdict.applied == Disposition::Tempfail) {
    actions.setReply("451", "4.7.5", "DMARC evaluation failed temporarily, try again later");
    reply = Reply::Tempfail;
  }

  const std::string clientIp =
      d_connection.address ? d_connection.address->toString() : std::string();
  MessageRecord record;
  record.receivedAt = d_services.clock();
  record.reportingHost = d_connection.mtaName.empty() ? config.authservId : d_connection.mtaName;
  record.queueId = message.queueId;
  record.clientIp = clientIp;
  record.helo = d_connection.helo;
  record.mailFromDomain = domainOf(message.mailFrom);
  record.rcptDomains = message.rcptDomains;
  record.tls = d_connection.tls;
  std::string storeNote = "off";
  if (d_services.store != nullptr) {
    record.verdict = verdict;
    auto outcome = d_services.store->store(std::move(record));
    storeNote = std::string(toString(outcome));
    if (outcome == StoreOutcome::Refused && reply == Reply::Accept) {
      actions.setReply("451", "4.3.0", "History spool full, try again later");
      reply = Reply::Tempfail;
    }
  }

  d_lastAuthResults = d_services.checker.authenticationResults(config, verdict);
  d_lastVerdict = verdict;
  if (reply == Reply::Accept) {
    // Delete from the last to the first, so that deleting one field never
    // renumbers another we still have to delete.
    for (auto it = message.forgedAuthResults.rbegin(); it != message.forgedAuthResults.rend();
         ++it) {
      actions.deleteHeader(s_authResults, *it);
    }
    actions.insertHeader(0, s_authResults, d_lastAuthResults);
    if (verdict.applied == Disposition::Quarantine && config.values.HoldQuarantinedMessages) {
      actions.quarantine("DMARC policy quarantine for " + sanitize(verdict.fromDomain, 253));
    }
  }

  auto& logger = d_services.logger;
  if (logger.enabled(LOG_INFO)) {
    LogLine line(message.queueId);
    line.add("client", clientIp.empty() ? std::string("unknown") : clientIp)
        .add("from_domain", verdict.fromDomain)
        .add("dmarc", toString(verdict.result))
        .add("policy", verdict.policy ? toString(verdict.effectivePolicy) : "none")
        .add("requested", toString(verdict.requested))
        .add("disposition", toString(verdict.applied))
        .add("spf", toString(verdict.spf.result))
        .add("spf_domain", verdict.spf.domain);
    std::string dkim;
    for (const auto& signature : verdict.dkim) {
      dkim += (dkim.empty() ? "" : ",") + std::string(toString(signature.result)) + ":" +
              signature.domain;
    }
    line.add("dkim", dkim.empty() ? std::string("none") : dkim);
    std::string overrides;
    for (const auto& item : verdict.overrides) {
      overrides += (overrides.empty() ? "" : ",") + std::string(toString(item.reason));
    }
    if (!overrides.empty()) {
      line.add("override", overrides);
    }
    if (message.forgedAuthResults.size() > 0) {
      line.add("removed_ar", static_cast<long long>(message.forgedAuthResults.size()));
    }
    line.add("reply", toString(reply)).add("history", storeNote);
    if (!replyNote.empty()) {
      line.add("why", replyNote);
    }
    logger.log(LOG_INFO, line.text());
  }
  if (logger.enabled(LOG_DEBUG)) {
    for (const auto& step : result.trace) {
      logger.log(LOG_DEBUG, LogLine(message.queueId).add("trace", step).text());
    }
    for (const auto& item : verdict.overrides) {
      logger.log(LOG_DEBUG, LogLine(message.queueId)
                                .add("override", toString(item.reason))
                                .add("comment", item.comment)
                                .text());
    }
  }
  return reply;
}

Reply Session::failure(MilterActions& actions, std::string_view stage,
                       std::string_view what) noexcept
{
  std::string queueId;
  std::string action = "tempfail";
  try {
    queueId = d_message ? d_message->queueId : std::string();
    if (d_config) {
      action = d_config->values.InternalErrorAction;
    }
    d_message.reset();
    d_services.logger.log(
        LOG_ERR,
        LogLine(queueId).add("error", what).add("stage", stage).add("action", action).text());
  } catch (...) {
    // Logging itself failed (out of memory): the action still applies.
  }
  try {
    if (action == "accept") {
      return Reply::Accept;
    }
    if (action == "reject") {
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
