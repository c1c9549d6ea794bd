// tls_client.hh: the client side of a TLS connection over a non-blocking
// TCP socket, for the one conversation libcurl cannot have for us: the MX
// STARTTLS probe of `check` (tls_probe), which names the step where an MX
// fails. The endpoint and option types are also those of the HTTPS client
// (https_client, on libcurl).
//
// Trusts the CA file (or the system store) and the caller's addresses.
// Does not trust the server: every wait is a poll() bounded by a deadline,
// TLS 1.2 is the minimum (RFC 8461 §7.2), and the certificate is checked
// for the name we asked for, without partial wildcards (RFC 6125 §6.4.3).
// The handshake does not abort on a bad certificate so that callers can say
// why it is bad; they must call verifyError() before sending anything.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <openssl/ssl.h>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
struct TlsEndpoint
{
  std::string host;                   // the name the certificate must match (and SNI)
  std::vector<std::string> addresses; // tried in order
  std::uint16_t port = 0;
};

struct TlsClientOptions
{
  // PEM file of trusted CAs; empty: the system's default store.
  std::string caFile;
  // The whole conversation (RFC 8461 §3.3 suggests one minute for a policy fetch).
  std::chrono::milliseconds timeout{60000};
  // TCP connect and TLS handshake, within `timeout`.
  std::chrono::milliseconds connectTimeout{60000};
};

using TlsClock = std::chrono::steady_clock;
using SslCtxPtr = CHandle<SSL_CTX, &SSL_CTX_free>;
using SslPtr = CHandle<SSL, &SSL_free>;

// The first queued OpenSSL error as text (and the queue cleared).
std::string opensslError();

// Milliseconds left until the deadline, 0 when it has passed.
int remainingMs(TlsClock::time_point deadline);

// Waits for `events` on fd until the deadline; false on timeout or error.
bool waitFd(int fd, short events, TlsClock::time_point deadline);

// A non-blocking TCP connection to the first of the endpoint's addresses
// that answers before the deadline; invalid with `error` set otherwise.
FileDescriptor connectTcp(const TlsEndpoint& endpoint, TlsClock::time_point deadline,
                          std::string& error);

// A client context: TLS 1.2 or later, the CA file or the system's store.
SslCtxPtr makeTlsContext(const TlsClientOptions& options, std::string& error);

// TLS over a connected socket, every operation bounded by the deadline.
class TlsStream
{
public:
  // Handshake with SNI `host`; the certificate is checked against `host`.
  bool start(SSL_CTX* context, int fd, const std::string& host, TlsClock::time_point deadline,
             std::string& error);
  void setDeadline(TlsClock::time_point deadline) { d_deadline = deadline; }

  // The verification outcome, "" when the certificate is valid for the host.
  std::string verifyError() const;
  std::string version() const;
  std::string cipher() const;

  bool write(std::string_view data);
  // Appends up to `limit` more bytes; false at EOF, error or timeout.
  bool read(std::string& out, std::size_t limit);

  // Why the last start(), write() or read() returned false.
  const std::string& failure() const { return d_failure; }

private:
  // Each TLS call starts with an empty error queue, as SSL_get_error()
  // requires: an error left over from elsewhere in the thread would
  // otherwise fail a call that only wants more data, and be reported.
  bool retry(int rc);

  SslPtr d_ssl;
  TlsClock::time_point d_deadline;
  std::string d_failure;
  bool d_timedOut = false;
};
} // namespace dmarc
