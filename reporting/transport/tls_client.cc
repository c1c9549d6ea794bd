// tls_client.cc: TCP connect, TLS context and TLS stream, all driven with
// poll() against a deadline; see tls_client.hh.
#include "reporting/transport/tls_client.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

namespace dmarc
{
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

namespace
{
// Before each TLS call: SSL_get_error() reads both the error queue and errno.
void clearErrors()
{
  ERR_clear_error();
  errno = 0;
}
} // namespace

int remainingMs(TlsClock::time_point deadline)
{
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - TlsClock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

bool waitFd(int fd, short events, TlsClock::time_point deadline)
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

FileDescriptor connectTcp(const TlsEndpoint& endpoint, TlsClock::time_point deadline,
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

SslCtxPtr makeTlsContext(const TlsClientOptions& options, std::string& error)
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
  // result is read afterwards (TlsStream::verifyError) so that the caller
  // can say why, before it sends anything.
  SSL_CTX_set_verify(context.get(), SSL_VERIFY_NONE, nullptr);
  return context;
}

bool TlsStream::start(SSL_CTX* context, int fd, const std::string& host,
                      TlsClock::time_point deadline, std::string& error)
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
    clearErrors();
    const int rc = SSL_connect(d_ssl.get());
    if (rc == 1) {
      return true;
    }
    if (!retry(rc)) {
      error = d_timedOut ? "TLS handshake timed out" : "TLS handshake failed: " + d_failure;
      return false;
    }
  }
}

std::string TlsStream::verifyError() const
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

std::string TlsStream::version() const
{
  return SSL_get_version(d_ssl.get());
}

std::string TlsStream::cipher() const
{
  return SSL_get_cipher_name(d_ssl.get());
}

bool TlsStream::write(std::string_view data)
{
  while (!data.empty()) {
    std::size_t written = 0;
    clearErrors();
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

bool TlsStream::read(std::string& out, std::size_t limit)
{
  std::array<char, 16384> buffer{};
  while (true) {
    std::size_t got = 0;
    clearErrors();
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

bool TlsStream::retry(int rc)
{
  const int savedErrno = errno;
  const int code = SSL_get_error(d_ssl.get(), rc);
  d_timedOut = false;
  if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) {
    if (waitFd(SSL_get_fd(d_ssl.get()), code == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT,
               d_deadline)) {
      return true;
    }
    d_timedOut = true;
    d_failure = "timed out";
    return false;
  }
  if (code == SSL_ERROR_ZERO_RETURN) {
    d_failure = "closed by the peer";
  } else if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
    // No TLS error: the connection itself ended or failed.
    d_failure = savedErrno != 0 ? std::strerror(savedErrno) : "connection closed by the peer";
  } else {
    d_failure = opensslError();
  }
  return false;
}
} // namespace dmarc
