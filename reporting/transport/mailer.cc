// mailer.cc: delivery through the local MTA's sendmail command or an SMTP
// relay with STARTTLS and AUTH PLAIN (OpenSSL, through the shared TLS client
// of reporting/tls_client). No shell is involved; no exception leaves a C
// callback (there are none here: OpenSSL is called synchronously).
#include "reporting/transport/mailer.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netdb.h>
#include <optional>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"
#include "reporting/transport/tls_client.hh"

namespace dmarc
{
namespace
{
using AddrInfoPtr = CHandle<addrinfo, &freeaddrinfo>;

// Relay replies: RFC 5321 §4.5.3.1.5 allows 512 octets per reply line;
// 4 KiB and 100 lines leave room for chatty servers and stop hostile ones.
constexpr std::size_t s_maxReplyLine = 4096;
constexpr int s_maxReplyLines = 100;

std::string printable(std::string_view text)
{
  std::string out;
  for (char c : text.substr(0, 300)) {
    auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u < 0x7f) ? c : '?';
  }
  return out;
}

std::vector<std::string> splitCommand(const std::string& command)
{
  std::vector<std::string> argv;
  std::istringstream in(command);
  std::string word;
  while (in >> word) {
    argv.push_back(word);
  }
  return argv;
}

// Writes to a socket without risking SIGPIPE (MSG_NOSIGNAL): a child that
// exits early is an error to report, not a signal that ends the run.
bool writeAll(int fd, const char* data, std::size_t size)
{
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// A connection to the relay: plain socket first, TLS after STARTTLS. The
// socket is blocking with SO_RCVTIMEO/SO_SNDTIMEO; each TLS operation also
// gets the same per-operation time limit as its deadline.
class SmtpChannel
{
public:
  SmtpChannel(FileDescriptor fd, std::chrono::seconds timeout)
      : d_fd(std::move(fd)), d_timeout(timeout)
  {}

  // Throws when the handshake fails, or when `verify` and the relay's
  // certificate is not valid for `host` (then nothing is sent over it).
  void startTls(SSL_CTX* ctx, const std::string& host, bool verify)
  {
    auto tls = std::make_unique<TlsStream>();
    std::string error;
    if (!tls->start(ctx, d_fd.get(), host, TlsClock::now() + d_timeout, error)) {
      throw Error(error);
    }
    if (verify) {
      if (const std::string invalid = tls->verifyError(); !invalid.empty()) {
        throw Error("certificate of the relay " + host + " not valid: " + invalid);
      }
    }
    d_tls = std::move(tls);
    d_buffer.clear();
  }
  bool tls() const { return d_tls != nullptr; }

  void write(std::string_view data)
  {
    if (d_tls) {
      d_tls->setDeadline(TlsClock::now() + d_timeout);
      if (!d_tls->write(data)) {
        throw Error("connection to the relay lost while writing");
      }
      return;
    }
    while (!data.empty()) {
      const ssize_t n = ::send(d_fd.get(), data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw Error("connection to the relay lost while writing");
      }
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }

  // One reply: its code and its text (lines joined).
  std::pair<int, std::string> reply()
  {
    std::string text;
    for (int lines = 0; lines < s_maxReplyLines; ++lines) {
      std::string line = readLine();
      if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
          !std::isdigit(static_cast<unsigned char>(line[1])) ||
          !std::isdigit(static_cast<unsigned char>(line[2]))) {
        throw Error("malformed reply from the relay: " + printable(line));
      }
      text += (text.empty() ? "" : "\n") + line;
      if (line.size() == 3 || line[3] != '-') {
        return {std::stoi(line.substr(0, 3)), text};
      }
    }
    throw Error("reply from the relay has too many lines");
  }

private:
  std::string readLine()
  {
    for (;;) {
      auto lf = d_buffer.find('\n');
      if (lf != std::string::npos) {
        std::string line = d_buffer.substr(0, lf);
        d_buffer.erase(0, lf + 1);
        if (!line.empty() && line.back() == '\r') {
          line.pop_back();
        }
        return line;
      }
      if (d_buffer.size() > s_maxReplyLine) {
        throw Error("reply line from the relay too long");
      }
      if (d_tls) {
        d_tls->setDeadline(TlsClock::now() + d_timeout);
        if (!d_tls->read(d_buffer, 4096)) {
          throw Error("connection to the relay closed or timed out");
        }
        continue;
      }
      std::array<char, 4096> chunk{};
      const ssize_t n = ::recv(d_fd.get(), chunk.data(), chunk.size(), 0);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        throw Error("connection to the relay closed or timed out");
      }
      d_buffer.append(chunk.data(), static_cast<std::size_t>(n));
    }
  }

  FileDescriptor d_fd;
  std::chrono::seconds d_timeout;
  std::unique_ptr<TlsStream> d_tls;
  std::string d_buffer;
};

Delivery fromCode(int code, const std::string& text)
{
  Delivery delivery;
  delivery.detail = printable(text);
  delivery.outcome = code >= 500 ? Delivery::Outcome::Permfail : Delivery::Outcome::Tempfail;
  return delivery;
}

std::string base64(std::string_view bytes)
{
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

FileDescriptor connectTo(const SmtpOptions& options)
{
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = ::getaddrinfo(options.host.c_str(), options.port.c_str(), &hints, &found);
  if (rc != 0) {
    throw Error("relay " + options.host + ": " + gai_strerror(rc));
  }
  AddrInfoPtr list(found);
  std::string lastError = "no address";
  for (addrinfo* ai = list.get(); ai != nullptr; ai = ai->ai_next) {
    FileDescriptor fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      continue;
    }
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(options.timeout.count());
    // SO_SNDTIMEO also bounds connect() on Linux.
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) == 0) {
      return fd;
    }
    lastError = std::strerror(errno);
  }
  throw Error("relay " + options.host + ":" + options.port + ": " + lastError);
}
// The relay's greeting, EHLO, and STARTTLS when the options ask for it and
// the relay offers it (then EHLO again, as RFC 3207 says). A delivery result
// when the dialogue stops here.
std::optional<Delivery> greetAndSecure(SmtpChannel& channel, const SmtpOptions& options)
{
  auto [code, text] = channel.reply();
  if (code != 220) {
    return fromCode(code, text);
  }
  auto ehlo = [&]() {
    channel.write("EHLO " + options.heloName + "\r\n");
    return channel.reply();
  };
  std::tie(code, text) = ehlo();
  if (code != 250) {
    return fromCode(code, text);
  }
  bool offersTls = text.find("STARTTLS") != std::string::npos;
  bool needTls = options.tls == SmtpTls::Encrypt || options.tls == SmtpTls::Verify;
  if (options.tls == SmtpTls::None || !offersTls) {
    if (needTls) {
      return Delivery{Delivery::Outcome::Tempfail, "the relay does not offer STARTTLS"};
    }
    return std::nullopt;
  }
  // The CA file matters only when the certificate is verified.
  TlsClientOptions tlsOptions;
  if (options.tls == SmtpTls::Verify) {
    tlsOptions.caFile = options.caFile;
  }
  std::string error;
  SslCtxPtr ctx = makeTlsContext(tlsOptions, error);
  if (!ctx) {
    return Delivery{Delivery::Outcome::Tempfail, "TLS: " + printable(error)};
  }
  channel.write("STARTTLS\r\n");
  std::tie(code, text) = channel.reply();
  if (code != 220) {
    return fromCode(code < 500 ? code : 451, "STARTTLS refused: " + text);
  }
  channel.startTls(ctx.get(), options.host, options.tls == SmtpTls::Verify);
  std::tie(code, text) = ehlo();
  if (code != 250) {
    return fromCode(code, text);
  }
  return std::nullopt;
}

// AUTH PLAIN when a user is configured, never over a clear channel.
std::optional<Delivery> authenticate(SmtpChannel& channel, const SmtpOptions& options)
{
  if (options.user.empty()) {
    return std::nullopt;
  }
  if (!channel.tls()) {
    return Delivery{Delivery::Outcome::Tempfail, "refusing AUTH without TLS"};
  }
  std::string credentials;
  credentials += '\0';
  credentials += options.user;
  credentials += '\0';
  credentials += options.password;
  channel.write("AUTH PLAIN " + base64(credentials) + "\r\n");
  auto [code, text] = channel.reply();
  if (code != 235) {
    return fromCode(code, "AUTH: " + text);
  }
  return std::nullopt;
}

// MAIL FROM and one RCPT TO per recipient: the dialogue goes on when at
// least one recipient is accepted, else it stops with the last refusal.
std::optional<Delivery> sendEnvelope(SmtpChannel& channel, const std::string& envelopeFrom,
                                     const std::vector<std::string>& recipients)
{
  channel.write("MAIL FROM:<" + envelopeFrom + ">\r\n");
  auto [code, text] = channel.reply();
  if (code != 250) {
    return fromCode(code, text);
  }
  int accepted = 0;
  Delivery refused{Delivery::Outcome::Permfail, "no recipient"};
  for (const auto& rcpt : recipients) {
    channel.write("RCPT TO:<" + rcpt + ">\r\n");
    std::tie(code, text) = channel.reply();
    if (code == 250 || code == 251) {
      ++accepted;
    } else {
      refused = fromCode(code, text);
    }
  }
  if (accepted == 0) {
    return refused;
  }
  return std::nullopt;
}

// The message after DATA: LF -> CRLF, and dot-stuffing (RFC 5321 §4.5.2),
// written in pieces of about 64 KiB, then the final dot.
void writeMessageData(SmtpChannel& channel, std::istream& in)
{
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty() && line.front() == '.') {
      out += '.';
    }
    out += line;
    out += "\r\n";
    if (out.size() > 65536) {
      channel.write(out);
      out.clear();
    }
  }
  out += ".\r\n";
  channel.write(out);
}
} // namespace

SendmailMailer::SendmailMailer(std::string command, std::chrono::seconds timeout)
    : d_argv(splitCommand(command)), d_timeout(timeout)
{
  if (d_argv.empty()) {
    throw ConfigError("the sendmail command is empty");
  }
}

Delivery SendmailMailer::send(const std::string& envelopeFrom,
                              const std::vector<std::string>& recipients,
                              const std::string& messageFile)
{
  std::ifstream in(messageFile, std::ios::binary);
  if (!in) {
    return {Delivery::Outcome::Tempfail, "cannot read " + messageFile};
  }
  std::vector<std::string> args = d_argv;
  args.insert(args.begin() + 1, {"-f", envelopeFrom});
  // With -t the MTA takes the recipients from To:; otherwise name them.
  if (std::find(args.begin(), args.end(), "-t") == args.end()) {
    args.push_back("--");
    args.insert(args.end(), recipients.begin(), recipients.end());
  }
  std::vector<char*> argv;
  for (auto& arg : args) {
    argv.push_back(arg.data());
  }
  argv.push_back(nullptr);

  // A socket pair rather than a pipe, so that writes can use MSG_NOSIGNAL.
  int pipeFds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pipeFds) != 0) {
    return {Delivery::Outcome::Tempfail, std::string("socketpair: ") + std::strerror(errno)};
  }
  FileDescriptor readEnd(pipeFds[0]);
  FileDescriptor writeEnd(pipeFds[1]);
  pid_t pid = ::fork();
  if (pid < 0) {
    return {Delivery::Outcome::Tempfail, std::string("fork: ") + std::strerror(errno)};
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::dup2(readEnd.get(), STDIN_FILENO);
    if (d_timeout.count() > 0) {
      ::alarm(static_cast<unsigned>(d_timeout.count())); // survives exec: bounds a hung MTA
    }
    ::execv(argv[0], argv.data());
    ::_exit(EX_OSERR);
  }
  readEnd.reset();
  std::array<char, 65536> chunk{};
  bool written = true;
  while (written && in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    auto got = static_cast<std::size_t>(in.gcount());
    written = got == 0 || writeAll(writeEnd.get(), chunk.data(), got);
  }
  writeEnd.reset();
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      return {Delivery::Outcome::Tempfail, std::string("waitpid: ") + std::strerror(errno)};
    }
  }
  if (WIFSIGNALED(status)) {
    return {Delivery::Outcome::Tempfail,
            args[0] + " killed by signal " + std::to_string(WTERMSIG(status))};
  }
  int code = WEXITSTATUS(status);
  if (code == 0 && written) {
    return {Delivery::Outcome::Delivered, args[0] + " accepted the message"};
  }
  std::string detail = args[0] + " exited with status " + std::to_string(code);
  if (code == EX_OSERR && !written) {
    detail += " (could not run it?)";
  }
  bool permanent = code == EX_NOUSER || code == EX_NOHOST || code == EX_DATAERR || code == EX_USAGE;
  return {permanent ? Delivery::Outcome::Permfail : Delivery::Outcome::Tempfail, detail};
}

SmtpMailer::SmtpMailer(SmtpOptions options) : d_options(std::move(options))
{
  if (!d_options.user.empty() && d_options.tls == SmtpTls::None) {
    throw ConfigError("SMTP AUTH needs TLS: the password is never sent in clear text");
  }
}

Delivery SmtpMailer::send(const std::string& envelopeFrom,
                          const std::vector<std::string>& recipients,
                          const std::string& messageFile)
{
  std::ifstream in(messageFile, std::ios::binary);
  if (!in) {
    return {Delivery::Outcome::Tempfail, "cannot read " + messageFile};
  }
  try {
    SmtpChannel channel(connectTo(d_options), d_options.timeout);
    if (auto refused = greetAndSecure(channel, d_options)) {
      return *refused;
    }
    if (auto refused = authenticate(channel, d_options)) {
      return *refused;
    }
    if (auto refused = sendEnvelope(channel, envelopeFrom, recipients)) {
      return *refused;
    }
    channel.write("DATA\r\n");
    auto [code, text] = channel.reply();
    if (code != 354) {
      return fromCode(code, text);
    }
    writeMessageData(channel, in);
    std::tie(code, text) = channel.reply();
    if (code != 250) {
      return fromCode(code, text);
    }
    Delivery delivered{Delivery::Outcome::Delivered, printable(text)};
    try {
      channel.write("QUIT\r\n");
      channel.reply();
    } catch (const Error&) {
      // The message was accepted; a rude close after that changes nothing.
    }
    return delivered;
  } catch (const Error& error) {
    return {Delivery::Outcome::Tempfail, printable(error.what())};
  }
}

SmtpTls smtpTlsFromString(const std::string& text)
{
  if (text == "none") {
    return SmtpTls::None;
  }
  if (text == "may") {
    return SmtpTls::May;
  }
  if (text == "encrypt") {
    return SmtpTls::Encrypt;
  }
  if (text == "verify") {
    return SmtpTls::Verify;
  }
  throw ConfigError("smtp TLS mode must be none, may, encrypt or verify, not '" + text + "'");
}
} // namespace dmarc
