// milter_session.cc: the MTA side of the milter protocol (see milter_session.hh).
#include "tests/bench/milter/milter_session.hh"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace dmarc::bench
{
namespace
{
// Protocol constants (libmilter/mfdef.h; copied so that the client does not
// depend on libmilter's headers).
constexpr std::uint32_t s_version = 6;
constexpr std::uint32_t s_allActions = 0x1FF;
constexpr std::uint32_t p_noConnect = 0x1, p_noHelo = 0x2, p_noMail = 0x4, p_noRcpt = 0x8,
                        p_noBody = 0x10, p_noHdrs = 0x20, p_noEoh = 0x40, p_nrHdr = 0x80,
                        p_noData = 0x200, p_nrConn = 0x1000, p_nrHelo = 0x2000, p_nrMail = 0x4000,
                        p_nrRcpt = 0x8000, p_nrData = 0x10000, p_nrEoh = 0x40000,
                        p_nrBody = 0x80000, p_hdrLeadSpace = 0x100000;
// What Postfix 3.7 offers: every "no" and "no reply" step, SKIP, RCPT_REJ, LEADSPC.
constexpr std::uint32_t s_offeredProtocol = 0x1FFFFF;
constexpr std::size_t s_chunkSize = 65535;
constexpr std::uint32_t s_maxReply = 1024 * 1024;

void putUint32(std::string& out, std::uint32_t value)
{
  std::uint32_t net = htonl(value);
  out.append(reinterpret_cast<const char*>(&net), 4);
}

std::uint32_t getUint32(const std::string& data, std::size_t offset)
{
  if (data.size() < offset + 4) {
    throw std::runtime_error("milter reply too short");
  }
  std::uint32_t net;
  std::memcpy(&net, data.data() + offset, 4);
  return ntohl(net);
}

// Two NUL-terminated strings starting at offset (header name and value).
std::pair<std::string, std::string> twoStrings(const std::string& data, std::size_t offset)
{
  std::size_t first = data.find('\0', offset);
  if (first == std::string::npos) {
    throw std::runtime_error("milter header edit without NUL");
  }
  std::size_t second = data.find('\0', first + 1);
  std::string value =
      data.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
  return {data.substr(offset, first - offset), value};
}

int connectTo(const std::string& spec)
{
  auto colon = spec.find(':');
  if (colon == std::string::npos) {
    throw std::runtime_error("bad milter socket spec: " + spec);
  }
  std::string kind = spec.substr(0, colon);
  std::string rest = spec.substr(colon + 1);
  int fd = -1;
  if (kind == "unix" || kind == "local") {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (rest.size() >= sizeof(address.sun_path)) {
      throw std::runtime_error("socket path too long: " + rest);
    }
    std::memcpy(address.sun_path, rest.c_str(), rest.size() + 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      int saved = errno;
      if (fd >= 0) {
        ::close(fd);
      }
      throw std::runtime_error("connect " + spec + ": " + std::strerror(saved));
    }
  } else if (kind == "inet") {
    auto at = rest.find('@');
    std::string host = at == std::string::npos ? "127.0.0.1" : rest.substr(at + 1);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(std::stoul(rest.substr(0, at))));
    if (::inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) {
      throw std::runtime_error("bad IPv4 address in " + spec);
    }
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      int saved = errno;
      if (fd >= 0) {
        ::close(fd);
      }
      throw std::runtime_error("connect " + spec + ": " + std::strerror(saved));
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    throw std::runtime_error("unsupported milter socket kind: " + spec);
  }
  return fd;
}

bool isFinal(char code)
{
  return code != 'c' && code != 'p';
}
} // namespace

MilterSession::MilterSession(const std::string& spec, bool writeEach)
    : d_fd(connectTo(spec)), d_writeEach(writeEach)
{
  std::string negotiation;
  putUint32(negotiation, s_version);
  putUint32(negotiation, s_allActions);
  putUint32(negotiation, s_offeredProtocol);
  queue('O', negotiation);
  auto [code, data] = readReply();
  if (code != 'O') {
    throw std::runtime_error(std::string("option negotiation answered with '") + code + "'");
  }
  if (getUint32(data, 0) < 2) {
    throw std::runtime_error("milter speaks protocol version < 2");
  }
  d_actions = getUint32(data, 4);
  d_protocol = getUint32(data, 8);
}

MilterSession::~MilterSession()
{
  if (d_fd >= 0) {
    ::close(d_fd);
  }
}

void MilterSession::queue(char command, const std::string& data)
{
  putUint32(d_out, static_cast<std::uint32_t>(data.size() + 1));
  d_out += command;
  d_out += data;
  if (d_writeEach) {
    flush();
  }
}

void MilterSession::queueMacros(char stage,
                                const std::vector<std::pair<std::string, std::string>>& macros)
{
  std::string data(1, stage);
  for (const auto& [name, value] : macros) {
    data += name;
    data += '\0';
    data += value;
    data += '\0';
  }
  queue('D', data);
}

void MilterSession::flush()
{
  std::size_t done = 0;
  while (done < d_out.size()) {
    ssize_t written = ::write(d_fd, d_out.data() + done, d_out.size() - done);
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      throw std::runtime_error(std::string("write to milter: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(written);
  }
  d_out.clear();
}

void MilterSession::readExact(char* out, std::size_t size)
{
  while (size > 0) {
    if (d_inPos == d_in.size()) {
      d_in.resize(65536);
      d_inPos = 0;
      ssize_t got;
      do {
        got = ::read(d_fd, d_in.data(), d_in.size());
      } while (got < 0 && errno == EINTR);
      if (got <= 0) {
        d_in.clear();
        throw std::runtime_error(got == 0
                                     ? "milter closed the connection"
                                     : std::string("read from milter: ") + std::strerror(errno));
      }
      d_in.resize(static_cast<std::size_t>(got));
    }
    std::size_t take = std::min(size, d_in.size() - d_inPos);
    std::memcpy(out, d_in.data() + d_inPos, take);
    d_inPos += take;
    out += take;
    size -= take;
  }
}

std::pair<char, std::string> MilterSession::readReply()
{
  flush();
  char header[5];
  readExact(header, 5);
  std::uint32_t net;
  std::memcpy(&net, header, 4);
  std::uint32_t length = ntohl(net);
  if (length == 0 || length > s_maxReply) {
    throw std::runtime_error("milter reply length out of bounds: " + std::to_string(length));
  }
  std::string data(length - 1, '\0');
  if (!data.empty()) {
    readExact(data.data(), data.size());
  }
  return {header[4], std::move(data)};
}

char MilterSession::command(char cmd, const std::string& data, std::uint32_t noReplyFlag,
                            std::string* reply)
{
  queue(cmd, data);
  if ((d_protocol & noReplyFlag) != 0) {
    return 'c';
  }
  while (true) {
    auto [code, text] = readReply();
    if (code == 'p') {
      continue; // progress: keep waiting
    }
    if (reply != nullptr) {
      *reply = text;
    }
    return code;
  }
}

void MilterSession::beginSession(const CorpusMessage& first, const std::string& hostname)
{
  d_sessionDone = false;
  std::string clientName = "[" + first.clientAddress + "]";
  if ((d_protocol & p_noConnect) == 0) {
    queueMacros('C', {{"j", hostname},
                      {"_", first.helo + " " + clientName},
                      {"{daemon_name}", "bench"},
                      {"{client_addr}", first.clientAddress},
                      {"v", "Postfix 3.7.11"}});
    bool v6 = first.clientAddress.find(':') != std::string::npos;
    std::string data = clientName;
    data += '\0';
    data += v6 ? '6' : '4';
    data += '\0';
    data += '\0'; // port 0
    data += first.clientAddress;
    data += '\0';
    char code = command('C', data, p_nrConn, nullptr);
    if (isFinal(code)) {
      d_sessionDone = true; // e.g. accept for an ignored host: nothing more for this session
      return;
    }
  }
  if ((d_protocol & p_noHelo) == 0) {
    char code = command('H', first.helo + std::string(1, '\0'), p_nrHelo, nullptr);
    if (isFinal(code)) {
      d_sessionDone = true;
    }
  }
}

MilterOutcome
MilterSession::sendMessage(const CorpusMessage& message,
                           const std::vector<std::pair<std::string, std::string>>& headers,
                           const std::string& queueId, const std::string& rcptTo)
{
  MilterOutcome outcome;
  if (d_sessionDone) {
    outcome.action = 'a';
    return outcome;
  }
  auto finish = [&](char code, const std::string& text) {
    outcome.action = code;
    if (code == 'y') {
      outcome.reply = text;
    }
    return outcome;
  };
  std::string text;
  char code;
  if ((d_protocol & p_noMail) == 0) {
    queueMacros('M', {{"i", queueId}, {"{mail_addr}", message.mailFrom}});
    code = command('M', "<" + message.mailFrom + ">" + std::string(1, '\0'), p_nrMail, &text);
    if (isFinal(code)) {
      return finish(code, text);
    }
  }
  if ((d_protocol & p_noRcpt) == 0) {
    queueMacros('R', {{"{rcpt_addr}", rcptTo}});
    code = command('R', "<" + rcptTo + ">" + std::string(1, '\0'), p_nrRcpt, &text);
    if (isFinal(code)) {
      if (code == 'r' || code == 't' || code == 'y') {
        queue('A', ""); // the only recipient was refused: the MTA resets the transaction
      }
      return finish(code, text);
    }
  }
  if ((d_protocol & p_noData) == 0) {
    code = command('T', "", p_nrData, &text);
    if (isFinal(code)) {
      return finish(code, text);
    }
  }
  if ((d_protocol & p_noHdrs) == 0) {
    bool leadSpace = (d_protocol & p_hdrLeadSpace) != 0;
    std::string data;
    for (const auto& [name, value] : headers) {
      data.assign(name);
      data += '\0';
      if (leadSpace) {
        data += ' ';
      }
      data += value;
      data += '\0';
      code = command('L', data, p_nrHdr, &text);
      if (isFinal(code)) {
        return finish(code, text);
      }
    }
  }
  if ((d_protocol & p_noEoh) == 0) {
    code = command('N', "", p_nrEoh, &text);
    if (isFinal(code)) {
      return finish(code, text);
    }
  }
  if ((d_protocol & p_noBody) == 0) {
    for (std::size_t offset = 0; offset < message.body.size(); offset += s_chunkSize) {
      code = command('B', message.body.substr(offset, s_chunkSize), p_nrBody, &text);
      if (code == 's') {
        break; // the milter has seen enough of the body
      }
      if (isFinal(code)) {
        return finish(code, text);
      }
    }
  }
  queueMacros('E', {{"i", queueId}});
  queue('E', "");
  while (true) {
    auto [reply, data] = readReply();
    switch (reply) {
    case 'h':
    case 'i':
    case 'm': {
      std::uint32_t index = 0;
      std::size_t offset = 0;
      if (reply != 'h') {
        index = getUint32(data, 0);
        offset = 4;
      }
      auto [name, value] = twoStrings(data, offset);
      outcome.edits.push_back({reply, index, std::move(name), std::move(value)});
      break;
    }
    case 'q':
      outcome.quarantined = true;
      break;
    case 'p':
    case '+':
    case '-':
    case '2':
    case 'e':
    case 'b':
      break; // progress or edits this benchmark does not need to apply
    case 'a':
    case 'c':
    case 'r':
    case 't':
    case 'd':
    case 'y':
      return finish(reply, data);
    default:
      throw std::runtime_error(std::string("unexpected milter reply at end of message: '") + reply +
                               "'");
    }
  }
}

void MilterSession::quit()
{
  if (d_fd < 0) {
    return;
  }
  try {
    queue('Q', "");
    flush();
  } catch (const std::runtime_error&) {
    // The milter may already have closed: nothing to report at quit.
  }
  ::close(d_fd);
  d_fd = -1;
}
} // namespace dmarc::bench
