// tls_probe.cc: OpenSSL clients for the MTA-STS policy fetch and the MX
// STARTTLS probe; see tls_probe.hh. Sockets are non-blocking and every wait
// is a poll() bounded by one deadline for the whole conversation.
#include "reporting/tls_probe.hh"

#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
using SslCtxPtr = CHandle<SSL_CTX, &SSL_CTX_free>;
using SslPtr = CHandle<SSL, &SSL_free>;
using Clock = std::chrono::steady_clock;

// Reply and header bounds: an SMTP reply line is at most 512 octets
// (RFC 5321 §4.5.3.1.5), an EHLO reply has a few dozen lines; HTTP headers
// of a static file are well under 16 KiB.
constexpr std::size_t s_maxSmtpReply = 64U * 1024U;
constexpr std::size_t s_maxHttpHeader = 16U * 1024U;

std::string opensslError()
{
  const unsigned long code = ERR_get_error();
  if (code == 0) {
    return "unknown TLS error";
  }
  std::array<char, 256> text{};
  ERR_error_string_n(code, text.data(), text.size());
  ERR_clear_error();
  return text.data();
}

int remainingMs(Clock::time_point deadline)
{
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool waitFd(int fd, short events, Clock::time_point deadline)
{
  pollfd entry{fd, events, 0};
  while (true) {
    const int rc = poll(&entry, 1, remainingMs(deadline));
    if (rc > 0) {
      return true;
    }
    if (rc == 0 || errno != EINTR) {
      return false;
    }
  }
}

// A non-blocking TCP connection to the first address that answers.
FileDescriptor connectTcp(const TlsEndpoint& endpoint, Clock::time_point deadline,
                          std::string& error)
{
  if (endpoint.addresses.empty()) {
    error = "no address for " + endpoint.host;
    return {};
  }
  for (const auto& address : endpoint.addresses) {
    sockaddr_storage storage{};
    socklen_t length = 0;
    auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
    if (inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
      v4->sin_family = AF_INET;
      v4->sin_port = htons(endpoint.port);
      length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
      v6->sin6_family = AF_INET6;
      v6->sin6_port = htons(endpoint.port);
      length = sizeof(*v6);
    } else {
      error = "bad address " + address;
      continue;
    }
    FileDescriptor fd(socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd.valid()) {
      error = std::string("socket: ") + std::strerror(errno);
      continue;
    }
    if (connect(fd.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 &&
        errno != EINPROGRESS) {
      error = "connect to " + address + " port " + std::to_string(endpoint.port) + ": " +
              std::strerror(errno);
      continue;
    }
    if (!waitFd(fd.get(), POLLOUT, deadline)) {
      error = "connect to " + address + " port " + std::to_string(endpoint.port) + ": timed out";
      continue;
    }
    int soError = 0;
    socklen_t soLength = sizeof(soError);
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soError, &soLength);
    if (soError != 0) {
      error = "connect to " + address + " port " + std::to_string(endpoint.port) + ": " +
              std::strerror(soError);
      continue;
    }
    error.clear();
    return fd;
  }
  return {};
}

SslCtxPtr makeContext(const TlsProbeOptions& options, std::string& error)
{
  SslCtxPtr context(SSL_CTX_new(TLS_client_method()));
  if (!context) {
    error = opensslError();
    return {};
  }
  SSL_CTX_set_min_proto_version(context.get(), TLS1_2_VERSION);
  const int loaded =
      options.caFile.empty()
          ? SSL_CTX_set_default_verify_paths(context.get())
          : SSL_CTX_load_verify_locations(context.get(), options.caFile.c_str(), nullptr);
  if (loaded != 1) {
    error = "cannot load CA certificates" +
            (options.caFile.empty() ? std::string() : " from " + options.caFile) + ": " +
            opensslError();
    return {};
  }
  // Verification runs, but the handshake is not aborted on failure: the
  // result is read afterwards so that the report can say why.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  return context;
}

// TLS over an connected socket, driven with poll() against the deadline.
class TlsStream
{
public:
  bool start(SSL_CTX* context, int fd, const std::string& host, Clock::time_point deadline,
             std::string& error)
  {
    d_ssl.reset(SSL_new(context));
    d_deadline = deadline;
    if (!d_ssl || SSL_set_fd(d_ssl.get(), fd) != 1) {
      error = opensslError();
      return false;
    }
    SSL_set_tlsext_host_name(d_ssl.get(), host.c_str());
    X509_VERIFY_PARAM* param = SSL_get0_param(d_ssl.get());
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
    while (true) {
      const int rc = SSL_connect(d_ssl.get());
      if (rc == 1) {
        return true;
      }
      if (!retry(rc)) {
        error = "TLS handshake failed: " + opensslError();
        return false;
      }
    }
  }

  // The verification outcome, "" when the certificate is valid for the host.
  std::string verifyError() const
  {
    X509* peer = SSL_get1_peer_certificate(d_ssl.get());
    if (peer == nullptr) {
      return "no certificate presented";
    }
    X509_free(peer);
    const long result = SSL_get_verify_result(d_ssl.get());
    if (result == X509_V_OK) {
      return {};
    }
    return X509_verify_cert_error_string(result);
  }

  std::string version() const { return SSL_get_version(d_ssl.get()); }
  std::string cipher() const { return SSL_get_cipher_name(d_ssl.get()); }

  bool write(std::string_view data)
  {
    while (!data.empty()) {
      std::size_t written = 0;
      const int rc = SSL_write_ex(d_ssl.get(), data.data(), data.size(), &written);
      if (rc == 1) {
        data.remove_prefix(written);
        continue;
      }
      if (!retry(rc)) {
        return false;
      }
    }
    return true;
  }

  // Appends up to `limit` more bytes; false at EOF, error or timeout.
  bool read(std::string& out, std::size_t limit)
  {
    std::array<char, 16384> buffer{};
    while (true) {
      std::size_t got = 0;
      const int rc = SSL_read_ex(d_ssl.get(), buffer.data(), std::min(buffer.size(), limit), &got);
      if (rc == 1) {
        out.append(buffer.data(), got);
        return true;
      }
      if (!retry(rc)) {
        return false;
      }
    }
  }

private:
  bool retry(int rc)
  {
    const int code = SSL_get_error(d_ssl.get(), rc);
    if (code == SSL_ERROR_WANT_READ) {
      return waitFd(SSL_get_fd(d_ssl.get()), POLLIN, d_deadline);
    }
    if (code == SSL_ERROR_WANT_WRITE) {
      return waitFd(SSL_get_fd(d_ssl.get()), POLLOUT, d_deadline);
    }
    return false;
  }

  SslPtr d_ssl;
  Clock::time_point d_deadline;
};

// RFC 9112 §7.1 chunked body; false when malformed.
bool dechunk(std::string_view body, std::string& out, std::size_t maxBody)
{
  while (true) {
    const auto lineEnd = body.find("\r\n");
    if (lineEnd == std::string_view::npos) {
      return false;
    }
    std::size_t size = 0;
    std::size_t i = 0;
    for (; i < lineEnd && std::isxdigit(static_cast<unsigned char>(body[i])) != 0; ++i) {
      if (size > maxBody) {
        return false;
      }
      size = size * 16 + static_cast<std::size_t>(std::stoi(std::string(1, body[i]), nullptr, 16));
    }
    if (i == 0) {
      return false;
    }
    body.remove_prefix(lineEnd + 2);
    if (size == 0) {
      return true;
    }
    if (body.size() < size + 2 || out.size() + size > maxBody) {
      return false;
    }
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

// SMTP over the plain socket before STARTTLS: one reply, all its lines.
struct PlainSmtp
{
  int fd;
  Clock::time_point deadline;
  std::string buffer;

  bool reply(int& code, std::string& text)
  {
    text.clear();
    while (true) {
      const auto lineEnd = buffer.find('\n');
      if (lineEnd == std::string::npos) {
        if (buffer.size() > s_maxSmtpReply || !waitFd(fd, POLLIN, deadline)) {
          return false;
        }
        std::array<char, 4096> chunk{};
        const ssize_t got = recv(fd, chunk.data(), chunk.size(), 0);
        if (got <= 0) {
          if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            continue;
          }
          return false;
        }
        buffer.append(chunk.data(), static_cast<std::size_t>(got));
        continue;
      }
      std::string line = buffer.substr(0, lineEnd);
      buffer.erase(0, lineEnd + 1);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.size() < 3 || std::isdigit(static_cast<unsigned char>(line[0])) == 0) {
        return false;
      }
      code = std::stoi(line.substr(0, 3));
      text += line.size() > 4 ? line.substr(4) : std::string();
      text += "\n";
      if (line.size() == 3 || line[3] == ' ') {
        return true;
      }
      if (text.size() > s_maxSmtpReply) {
        return false;
      }
    }
  }

  bool send(std::string_view command)
  {
    while (!command.empty()) {
      if (!waitFd(fd, POLLOUT, deadline)) {
        return false;
      }
      const ssize_t sent = ::send(fd, command.data(), command.size(), MSG_NOSIGNAL);
      if (sent < 0) {
        if (errno == EAGAIN || errno == EINTR) {
          continue;
        }
        return false;
      }
      command.remove_prefix(static_cast<std::size_t>(sent));
    }
    return true;
  }
};
} // namespace

HttpsFetchResult OpenSslHttpsFetcher::get(const TlsEndpoint& endpoint, std::string_view path,
                                          std::size_t maxBody)
{
  HttpsFetchResult result;
  const auto deadline = Clock::now() + d_options.timeout;
  const SslCtxPtr context = makeContext(d_options, result.error);
  if (!context) {
    return result;
  }
  const FileDescriptor fd = connectTcp(endpoint, deadline, result.error);
  if (!fd.valid()) {
    return result;
  }
  TlsStream tls;
  if (!tls.start(context.get(), fd.get(), endpoint.host, deadline, result.error)) {
    return result;
  }
  if (const std::string invalid = tls.verifyError(); !invalid.empty()) {
    // RFC 8461 §3.3: the policy host's certificate must be valid; nothing
    // is sent over a connection we would not trust.
    result.error = "certificate of " + endpoint.host + " not valid: " + invalid;
    return result;
  }
  const std::string request =
      "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + endpoint.host +
      "\r\nUser-Agent: dmarc-reports\r\nAccept: text/plain\r\nConnection: close\r\n\r\n";
  if (!tls.write(request)) {
    result.error = "sending the request failed: " + opensslError();
    return result;
  }
  std::string response;
  const std::size_t limit = s_maxHttpHeader + maxBody + 1;
  while (response.size() < limit) {
    if (!tls.read(response, limit - response.size())) {
      break; // EOF, error or deadline: judged below by what arrived
    }
  }
  if (remainingMs(deadline) == 0) {
    // A read cut by the deadline is not a whole policy.
    result.error = "timed out after " + std::to_string(d_options.timeout.count()) + " ms";
    return result;
  }
  const auto headerEnd = response.find("\r\n\r\n");
  if (headerEnd == std::string::npos || headerEnd > s_maxHttpHeader) {
    result.error =
        response.empty() ? "no HTTP response" : "malformed or oversized HTTP response header";
    return result;
  }
  const std::string_view header = std::string_view(response).substr(0, headerEnd);
  std::string_view body = std::string_view(response).substr(headerEnd + 4);
  // Status line: HTTP/1.x NNN reason
  const auto space = header.find(' ');
  if (header.substr(0, 5) != "HTTP/" || space == std::string_view::npos ||
      header.size() < space + 4) {
    result.error = "malformed HTTP status line";
    return result;
  }
  result.status = std::atoi(std::string(header.substr(space + 1, 3)).c_str());
  bool chunked = false;
  std::size_t pos = header.find("\r\n");
  while (pos != std::string_view::npos) {
    const auto next = header.find("\r\n", pos + 2);
    const std::string_view line =
        header.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
    pos = next;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    const std::string name = toLowerAscii(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') {
      value.remove_prefix(1);
    }
    if (name == "content-type") {
      result.contentType = toLowerAscii(value);
    } else if (name == "location") {
      result.location = std::string(value.substr(0, 500));
    } else if (name == "transfer-encoding" &&
               toLowerAscii(value).find("chunked") != std::string::npos) {
      chunked = true;
    }
  }
  if (result.status >= 300 && result.status < 400) {
    result.error = "HTTP " + std::to_string(result.status) + " redirect to '" + result.location +
                   "': redirects are not followed (RFC 8461 §3.3)";
    return result;
  }
  if (result.status != 200) {
    result.error = "HTTP status " + std::to_string(result.status) + " (only 200 is a policy)";
    return result;
  }
  if (chunked) {
    std::string plain;
    if (!dechunk(body, plain, maxBody)) {
      result.error = "malformed or oversized chunked body";
      return result;
    }
    result.body = std::move(plain);
  } else {
    if (body.size() > maxBody) {
      result.error =
          "policy larger than " + std::to_string(maxBody) + " bytes (RFC 8461 §3.3 limit)";
      return result;
    }
    result.body = std::string(body);
  }
  result.ok = true;
  return result;
}

StarttlsResult OpenSslStarttlsProber::probe(const TlsEndpoint& endpoint)
{
  StarttlsResult result;
  const auto deadline = Clock::now() + d_options.timeout;
  const SslCtxPtr context = makeContext(d_options, result.error);
  if (!context) {
    return result;
  }
  const FileDescriptor fd = connectTcp(endpoint, deadline, result.error);
  if (!fd.valid()) {
    return result;
  }
  result.connected = true;
  PlainSmtp smtp{fd.get(), deadline, {}};
  int code = 0;
  std::string text;
  if (!smtp.reply(code, text) || code != 220) {
    result.error = "no 220 greeting (got " + std::to_string(code) + ")";
    return result;
  }
  if (!smtp.send("EHLO " + d_heloName + "\r\n") || !smtp.reply(code, text) || code != 250) {
    result.error = "EHLO refused (" + std::to_string(code) + ")";
    return result;
  }
  std::string capabilities = toLowerAscii(text);
  result.starttlsOffered = capabilities.find("\nstarttls\n") != std::string::npos ||
                           capabilities.find("\nstarttls ") != std::string::npos;
  if (!result.starttlsOffered) {
    result.error = "STARTTLS not offered";
    smtp.send("QUIT\r\n");
    return result;
  }
  if (!smtp.send("STARTTLS\r\n") || !smtp.reply(code, text) || code != 220) {
    result.error = "STARTTLS refused (" + std::to_string(code) + ")";
    return result;
  }
  if (!smtp.buffer.empty()) {
    // Bytes after the 220 before the handshake: the plaintext injection
    // flaw (CVE-2011-0411 class); never carried into the TLS session.
    result.error = "server sent data after its STARTTLS reply";
    return result;
  }
  TlsStream tls;
  if (!tls.start(context.get(), fd.get(), endpoint.host, deadline, result.error)) {
    return result;
  }
  result.handshake = true;
  result.tlsVersion = tls.version();
  result.cipher = tls.cipher();
  const std::string invalid = tls.verifyError();
  result.certificateValid = invalid.empty();
  if (!invalid.empty()) {
    result.error = "certificate not valid for " + endpoint.host + ": " + invalid;
  }
  tls.write("QUIT\r\n");
  return result;
}
} // namespace dmarc
