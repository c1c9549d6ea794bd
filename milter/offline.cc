// offline.cc: one message from a file through a Session.
//
// The file is an RFC 5322 message with LF or CRLF line ends. Header fields
// are given to the session as libmilter gives them with SMFIP_HDR_LEADSPC
// (value after the colon, leading space and folding kept, lines joined by
// LF), except that the name is given as written: "From : a@example.org"
// (RFC 5322 §4.5.2) arrives as "From ", which the session reads as From,
// where Postfix and Sendmail strip the space first; the body goes in CRLF
// form, in 64 KiB chunks, as an MTA sends it.
#include "milter/offline.hh"

#include <arpa/inet.h>
#include <fstream>
#include <iostream>
#include <iterator>
#include <netinet/in.h>
#include <sstream>
#include <sysexits.h>
#include <syslog.h>

#include "milter/config.hh"
#include "milter/logger.hh"
#include "milter/milter_actions.hh"
#include "milter/session.hh"

namespace dmarc
{
namespace
{
// An offline message is read whole; the limit keeps a mistaken argument
// (a disk image) from exhausting memory.
constexpr std::size_t s_maxMessage = 256u * 1024 * 1024;

struct ParsedMessage
{
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body; // CRLF line ends
};

ParsedMessage parseMessage(const std::string& text)
{
  ParsedMessage message;
  std::size_t pos = 0;
  std::string name, value;
  bool inField = false;
  auto flush = [&] {
    if (inField) {
      message.headers.emplace_back(name, value);
      inField = false;
    }
  };
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (line.empty()) {
      break; // end of header
    }
    if ((line.front() == ' ' || line.front() == '\t') && inField) {
      value += "\n" + line;
      continue;
    }
    flush();
    auto colon = line.find(':');
    if (colon == std::string::npos) {
      continue; // not a header field: ignored, as an MTA would have refused it
    }
    name = line.substr(0, colon);
    value = line.substr(colon + 1);
    inField = true;
  }
  flush();
  // The body in SMTP form.
  for (; pos < text.size();) {
    auto end = text.find('\n', pos);
    std::string line = text.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
    pos = end == std::string::npos ? text.size() : end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    message.body += line;
    if (end != std::string::npos) {
      message.body += "\r\n";
    }
  }
  return message;
}

struct SockAddress
{
  sockaddr_storage storage{};
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

std::optional<SockAddress> toSockaddr(const std::string& text)
{
  auto ip = IpAddress::parse(text);
  if (!ip) {
    return std::nullopt;
  }
  SockAddress address;
  if (ip->v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&address.storage);
    in6->sin6_family = AF_INET6;
    std::copy(ip->bytes.begin(), ip->bytes.end(), in6->sin6_addr.s6_addr);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&address.storage);
    in4->sin_family = AF_INET;
    std::copy(ip->bytes.begin(), ip->bytes.begin() + 4,
              reinterpret_cast<unsigned char*>(&in4->sin_addr));
  }
  return address;
}
// The chain as -t shows it: the result, then each set's sealer and what
// its ARC-Authentication-Results said.
void printArcChain(std::ostream& out, const ArcValidation& arc)
{
  out << "arc: " << toString(arc.result) << " sets=" << arc.instances;
  if (arc.oldestPass) {
    out << " oldest-pass=" << *arc.oldestPass;
  }
  if (!arc.reason.empty()) {
    out << " reason=\"" << arc.reason << "\"";
  }
  out << "\n";
  for (const auto& set : arc.sets) {
    out << "arc set " << set.instance << ": seal d=" << set.sealDomain << " s=" << set.sealSelector
        << " cv=" << toString(set.sealCv) << ", signature d=" << set.signatureDomain
        << " s=" << set.signatureSelector << ", results:";
    if (!set.authResults) {
      out << " (not RFC 8601 syntax)";
    } else {
      out << " " << set.authResults->authservId;
      for (const auto& method : set.authResults->results) {
        out << " " << method.method << "=" << method.result;
      }
    }
    out << "\n";
  }
}
// The message to replay, from a file or standard input ("-"), up to the
// size the milter itself would take. EX_OK, or the exit status to end with.
int readMessage(const std::string& messageFile, std::string& text)
{
  std::ifstream file;
  std::istream* in = &std::cin;
  if (messageFile != "-") {
    file.open(messageFile, std::ios::binary);
    if (!file) {
      std::cerr << "dmarc-milter: cannot read " << messageFile << "\n";
      return EX_NOINPUT;
    }
    in = &file;
  }
  char buffer[65536];
  while (in->read(buffer, sizeof buffer) || in->gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in->gcount()));
    if (text.size() > s_maxMessage) {
      std::cerr << "dmarc-milter: message larger than " << s_maxMessage << " bytes\n";
      return EX_DATAERR;
    }
  }
  return EX_OK;
}

// What the milter decided and did, one line per fact, in a fixed order
// that scripts and the tests read.
void printOutcome(std::ostream& out, const Session& session, Reply reply,
                  const RecordingActions& actions, const MemoryLogger& logger)
{
  if (const auto& verdict = session.lastVerdict()) {
    out << "verdict: dmarc=" << toString(verdict->result) << " from=" << verdict->fromDomain
        << " policy=" << (verdict->policy ? toString(verdict->effectivePolicy) : "none")
        << " requested=" << toString(verdict->requested)
        << " disposition=" << toString(verdict->applied) << " reason=\"" << verdict->reason
        << "\"\n";
    out << "authentication-results: " << session.lastAuthResults() << "\n";
  }
  if (const auto& arc = session.lastArc(); arc && arc->result != ArcResult::None) {
    printArcChain(out, *arc);
  }
  out << "reply: " << toString(reply);
  if (!actions.replyCode.empty()) {
    out << " " << actions.replyCode << " " << actions.replyXcode << " " << actions.replyText;
  }
  out << "\n";
  for (const auto& change : actions.headerChanges) {
    if (change.kind == RecordingActions::HeaderChange::Kind::Insert) {
      out << "add header (position " << change.index << "): " << change.name << ": " << change.value
          << "\n";
    } else {
      out << "remove header: " << change.name << " #" << change.index << "\n";
    }
  }
  if (actions.quarantineReason) {
    out << "quarantine: " << *actions.quarantineReason << "\n";
  }
  for (const auto& line : logger.lines()) {
    out << "log: " << line << "\n";
  }
}
} // namespace

int runOffline(const Config& config, const OfflineOptions& options, MessageChecker& checker,
               std::ostream& out)
{
  std::string text;
  if (const int status = readMessage(options.messageFile, text); status != EX_OK) {
    return status;
  }
  auto address = toSockaddr(options.clientIp);
  if (!address) {
    std::cerr << "dmarc-milter: --client-ip: not an IP address: " << options.clientIp << "\n";
    return EX_USAGE;
  }
  auto message = parseMessage(text);

  auto pinned = std::make_shared<const Config>(config);
  MemoryLogger logger(LOG_DEBUG);
  SessionServices services{[&] { return pinned; }, checker, logger, nullptr};
  RecordingActions actions;
  actions.macros["i"] = "OFFLINE";
  actions.macros["j"] = config.authservId;
  if (!options.authUser.empty()) {
    actions.macros["{auth_authen}"] = options.authUser;
  }

  Session session(services);
  Reply reply = Reply::Continue;
  const char* stage = "connect";
  try {
    session.connect(actions, options.clientName, address->get());
    stage = "helo";
    session.helo(actions, options.helo);
    stage = "mail";
    session.envFrom(actions, {"<" + options.mailFrom + ">"});
    stage = "rcpt";
    for (const auto& rcpt : options.recipients) {
      session.envRcpt(actions, {"<" + rcpt + ">"});
    }
    stage = "header";
    for (const auto& [name, value] : message.headers) {
      session.header(actions, name, value);
    }
    session.endOfHeaders(actions);
    stage = "body";
    std::string_view body = message.body;
    while (!body.empty()) {
      auto chunk = body.substr(0, 65536);
      session.body(actions, chunk);
      body.remove_prefix(chunk.size());
    }
    stage = "eom";
    reply = session.endOfMessage(actions);
  } catch (const std::exception& error) {
    reply = session.failure(actions, stage, error.what());
  }

  printOutcome(out, session, reply, actions, logger);
  return EX_OK;
}
} // namespace dmarc
