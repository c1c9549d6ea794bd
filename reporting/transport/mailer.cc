// mailer.cc: delivery through the local MTA's sendmail command or an SMTP
// relay with STARTTLS and AUTH PLAIN, spoken by libcurl. No shell is
// involved; no exception leaves a C callback (libcurl's callbacks catch
// everything and end the transfer instead).
#include "reporting/transport/mailer.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"
#include "reporting/transport/curl_easy.hh"

namespace dmarc
{
namespace
{
// The relay's last reply as kept for the log (RFC 5321 §4.5.3.1.5 allows
// 512 octets per reply line; a few lines are plenty).
constexpr std::size_t s_maxReplyText = 2048;

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

// What the SMTP callbacks share with the delivery: the message file, read
// with LF turned into CRLF (libcurl adds the dot-stuffing and the final
// dot), and the relay's last reply, kept for the log.
struct SmtpTransfer
{
  std::istream& in;
  std::string pending{}; // converted bytes not yet given to libcurl
  std::size_t offset = 0;
  bool pendingCr = false;
  std::string lastReply{};
  bool replyEnded = true;
  bool quitting = false; // QUIT sent, its reply not yet over
};

std::size_t convertedMessage(char* buffer, std::size_t room, SmtpTransfer& transfer)
{
  std::array<char, 16384> chunk{};
  while (transfer.pending.size() - transfer.offset < room && transfer.in) {
    transfer.in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    for (const char c :
         std::string_view(chunk.data(), static_cast<std::size_t>(transfer.in.gcount()))) {
      if (transfer.pendingCr && c != '\n') {
        transfer.pending += '\r'; // a lone CR is kept
      }
      transfer.pendingCr = c == '\r';
      if (c == '\n') {
        transfer.pending += "\r\n";
      } else if (c != '\r') {
        transfer.pending += c;
      }
    }
  }
  const std::size_t take = std::min(room, transfer.pending.size() - transfer.offset);
  std::memcpy(buffer, transfer.pending.data() + transfer.offset, take);
  transfer.offset += take;
  if (transfer.offset == transfer.pending.size()) {
    transfer.pending.clear();
    transfer.offset = 0;
  }
  return take;
}

std::size_t onMessage(char* buffer, std::size_t size, std::size_t count, void* user)
{
  try {
    return convertedMessage(buffer, size * count, *static_cast<SmtpTransfer*>(user));
  } catch (...) {
    return CURL_READFUNC_ABORT;
  }
}

// libcurl shows each reply line of the relay as CURLINFO_HEADER_IN and each
// command as CURLINFO_HEADER_OUT (where the AUTH line is: never kept). The
// reply to QUIT says nothing about the message and is skipped; it can come
// in the middle of a delivery, when libcurl closes a kept connection that
// has grown too old before it opens a new one.
void keepReply(curl_infotype type, std::string_view text, SmtpTransfer& transfer)
{
  if (type == CURLINFO_HEADER_OUT) {
    transfer.quitting = text.substr(0, 4) == "QUIT";
    return;
  }
  if (type != CURLINFO_HEADER_IN) {
    return;
  }
  const std::string_view line = text.substr(0, text.find_first_of("\r\n"));
  const bool ends = line.size() < 4 || line[3] != '-';
  if (transfer.quitting) {
    transfer.quitting = !ends;
    return;
  }
  if (transfer.replyEnded) {
    transfer.lastReply.clear();
  }
  if (transfer.lastReply.size() < s_maxReplyText) {
    transfer.lastReply += (transfer.lastReply.empty() ? "" : "\n") + std::string(line);
  }
  transfer.replyEnded = ends;
}

int onSmtpTrace(CURL* /*curl*/, curl_infotype type, char* data, std::size_t size, void* user)
{
  if (user == nullptr) {
    return 0; // between messages
  }
  try {
    keepReply(type, std::string_view(data, size), *static_cast<SmtpTransfer*>(user));
  } catch (...) {
    // Only the log line loses its text.
  }
  return 0;
}

Delivery fromCode(long code, const std::string& text)
{
  Delivery delivery;
  delivery.detail = printable(text);
  delivery.outcome = code >= 500 ? Delivery::Outcome::Permfail : Delivery::Outcome::Tempfail;
  return delivery;
}

// STARTTLS as the options say. A configured user makes TLS required, so
// that the password is never sent in clear text; only Verify checks the
// relay's certificate and name.
void setTls(CURL* curl, const SmtpOptions& options)
{
  const bool required = options.tls == SmtpTls::Encrypt || options.tls == SmtpTls::Verify ||
                        (options.tls == SmtpTls::May && !options.user.empty());
  curl_easy_setopt(curl, CURLOPT_USE_SSL,
                   static_cast<long>(options.tls == SmtpTls::None ? CURLUSESSL_NONE
                                     : required                   ? CURLUSESSL_ALL
                                                                  : CURLUSESSL_TRY));
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  const bool verify = options.tls == SmtpTls::Verify;
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
  if (verify && !options.caFile.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options.caFile.c_str());
  }
  if (!options.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options.password.c_str());
    curl_easy_setopt(curl, CURLOPT_LOGIN_OPTIONS, "AUTH=PLAIN");
    curl_easy_setopt(curl, CURLOPT_SASL_IR, 1L);
  }
}

// The relay, our EHLO name, and the time limits: connecting, each reply,
// and a transfer that stalls, each `timeout`.
void setRelay(CURL* curl, const SmtpOptions& options)
{
  const bool v6 = options.host.find(':') != std::string::npos;
  const std::string url = "smtp://" + (v6 ? "[" + options.host + "]" : options.host) + ":" +
                          options.port + "/" + options.heloName;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  const long seconds = static_cast<long>(options.timeout.count());
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, seconds);
  curl_easy_setopt(curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, seconds);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, seconds);
}

// What a delivery that libcurl ended with `code` means: the relay's own
// refusal when it sent one, else the transport problem in plain words.
Delivery failedDelivery(CURL* curl, CURLcode code, const char* detail, const SmtpOptions& options,
                        const SmtpTransfer& transfer)
{
  if (code == CURLE_USE_SSL_FAILED) {
    return {Delivery::Outcome::Tempfail, options.tls == SmtpTls::May
                                             ? "refusing AUTH without TLS: no STARTTLS"
                                             : "the relay does not offer STARTTLS"};
  }
  if (code == CURLE_PEER_FAILED_VERIFICATION) {
    return {Delivery::Outcome::Tempfail,
            printable("certificate of the relay " + options.host + " not valid: " + detail)};
  }
  long reply = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
  if (reply >= 400 && !transfer.lastReply.empty()) {
    return fromCode(reply, transfer.lastReply);
  }
  const std::string why = *detail != '\0' ? detail : curl_easy_strerror(code);
  return {Delivery::Outcome::Tempfail,
          printable("relay " + options.host + ":" + options.port + ": " + why)};
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

// The handle with everything that stays the same from message to message
// set once: the relay, TLS, time limits, the callbacks. Its connection is
// kept after a delivery and the next message goes on the same SMTP session
// (MAIL FROM again, RFC 5321 §3.3); a delivery that fails in any way makes
// libcurl close the connection, so the next message starts a new session
// and nothing of a refusal carries over.
struct SmtpMailer::Handle
{
  CurlPtr curl;
  std::array<char, CURL_ERROR_SIZE> detail{};

  explicit Handle(const SmtpOptions& options) : curl(newCurlHandle("smtp"))
  {
    if (!curl) {
      return;
    }
    setRelay(curl.get(), options);
    setTls(curl.get(), options);
    curl_easy_setopt(curl.get(), CURLOPT_FORBID_REUSE, 0L);
    // The message goes on when at least one recipient is accepted.
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT_ALLLOWFAILS, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_READFUNCTION, &onMessage);
    curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, detail.data());
    curl_easy_setopt(curl.get(), CURLOPT_DEBUGFUNCTION, &onSmtpTrace);
    curl_easy_setopt(curl.get(), CURLOPT_VERBOSE, 1L); // the trace callback sees the replies
  }

  // One attempt at the message. `stale` says that it failed on a kept
  // connection before the relay said anything: worth one more attempt.
  Delivery deliver(const std::string& from, curl_slist* rcpt, const std::string& messageFile,
                   const SmtpOptions& options, bool& stale)
  {
    stale = false;
    std::ifstream in(messageFile, std::ios::binary);
    if (!in) {
      return {Delivery::Outcome::Tempfail, "cannot read " + messageFile};
    }
    SmtpTransfer transfer{in};
    detail[0] = '\0';
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_FROM, from.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl.get(), CURLOPT_DEBUGDATA, &transfer);
    const CURLcode code = curl_easy_perform(curl.get());
    // Nothing of this message stays in the handle: the list and the
    // transfer are gone when the delivery returns (the QUIT at the end
    // of the mailer's life is not traced).
    curl_easy_setopt(curl.get(), CURLOPT_MAIL_RCPT, static_cast<curl_slist*>(nullptr));
    curl_easy_setopt(curl.get(), CURLOPT_READDATA, nullptr);
    curl_easy_setopt(curl.get(), CURLOPT_DEBUGDATA, nullptr);
    if (code == CURLE_OK) {
      return {Delivery::Outcome::Delivered, printable(transfer.lastReply)};
    }
    long connects = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_NUM_CONNECTS, &connects);
    stale = connects == 0 && transfer.lastReply.empty();
    return failedDelivery(curl.get(), code, detail.data(), options, transfer);
  }
};

SmtpMailer::SmtpMailer(SmtpOptions options) : d_options(std::move(options))
{
  if (!d_options.user.empty() && d_options.tls == SmtpTls::None) {
    throw ConfigError("SMTP AUTH needs TLS: the password is never sent in clear text");
  }
}

SmtpMailer::~SmtpMailer() = default;

Delivery SmtpMailer::send(const std::string& envelopeFrom,
                          const std::vector<std::string>& recipients,
                          const std::string& messageFile)
{
  std::vector<std::string> rcptLines;
  for (const auto& rcpt : recipients) {
    rcptLines.push_back("<" + rcpt + ">");
  }
  if (!d_handle || !d_handle->curl) {
    d_handle = std::make_unique<Handle>(d_options);
  }
  const CurlListPtr rcpt = curlList(rcptLines);
  if (!d_handle->curl || !rcpt) {
    return {Delivery::Outcome::Tempfail, "cannot set up libcurl"};
  }
  const std::string from = "<" + envelopeFrom + ">";
  bool stale = false;
  Delivery delivery = d_handle->deliver(from, rcpt.get(), messageFile, d_options, stale);
  if (stale) {
    // The relay had closed the kept session (an idle time-out) without a
    // word: nothing of this message reached it, so it goes once more on a
    // new connection.
    curl_easy_setopt(d_handle->curl.get(), CURLOPT_FRESH_CONNECT, 1L);
    delivery = d_handle->deliver(from, rcpt.get(), messageFile, d_options, stale);
    curl_easy_setopt(d_handle->curl.get(), CURLOPT_FRESH_CONNECT, 0L);
  }
  return delivery;
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
