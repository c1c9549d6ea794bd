// tls_probe.cc: the MTA-STS policy fetch, on the HTTPS client
// (https_client), and the MX STARTTLS probe, on tls_client; see tls_probe.hh.
#include "reporting/check/tls_probe.hh"

#include <array>
#include <cctype>
#include <cerrno>
#include <poll.h>
#include <sys/socket.h>

#include "lib/core/ascii_text.hh"
#include "reporting/transport/https_client.hh"

namespace dmarc
{
namespace
{
using Clock = TlsClock;

// Reply bounds: an SMTP reply line is at most 512 octets
// (RFC 5321 §4.5.3.1.5), an EHLO reply has a few dozen lines.
constexpr std::size_t s_maxSmtpReply = 64U * 1024U;

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

HttpsFetchResult CurlHttpsFetcher::get(const TlsEndpoint& endpoint, std::string_view path,
                                       std::size_t maxBody)
{
  HttpsFetchResult result;
  HttpsRequest request;
  request.target = std::string(path);
  request.headers = {{"Accept", "text/plain"}};
  // RFC 8461 §3.3: the policy host's certificate must be valid; the shared
  // client sends nothing over a connection it would not trust.
  const HttpsResponse response = httpsExchange(endpoint, d_options, request, maxBody);
  result.status = response.status;
  result.contentType = response.contentType;
  result.location = response.location;
  if (response.status == 0) {
    result.error = response.error;
    return result;
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
  if (response.bodyTooLarge) {
    result.error = "policy larger than " + std::to_string(maxBody) + " bytes (RFC 8461 §3.3 limit)";
    return result;
  }
  if (!response.complete) {
    result.error = response.error;
    return result;
  }
  result.body = response.body;
  result.ok = true;
  return result;
}

StarttlsResult OpenSslStarttlsProber::probe(const TlsEndpoint& endpoint)
{
  StarttlsResult result;
  const auto deadline = Clock::now() + d_options.timeout;
  const SslCtxPtr context = makeTlsContext(d_options, result.error);
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
