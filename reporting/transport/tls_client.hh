// tls_client.hh: what every TLS conversation of dmarc-reports is given: the
// server's name and addresses, the CA file and the time limits. The
// conversations themselves are libcurl's: the HTTPS client (https_client)
// and the MX STARTTLS probe of `check` (tls_probe).
//
// Trusts nothing: plain values, checked where they are used.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

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
} // namespace dmarc
