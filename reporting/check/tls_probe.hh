// tls_probe.hh: the two TLS conversations `dmarc-reports check` has with
// the outside: fetching the MTA-STS policy over HTTPS (RFC 8461 §3.3) and
// trying STARTTLS on each MX (RFC 3207, RFC 8461 §4.2). Interfaces, so that
// the posture checks can be tested with fakes; both are made by libcurl.
//
// Trusts: the CA file (or the system store) and the caller's addresses,
// which come from our DnsResolver. Does not trust the servers: every read
// is bounded in bytes and time, the certificate is checked for the name we
// asked for (no partial wildcards), HTTP redirects are never followed and
// only status 200 is a policy. TLS 1.2 is the minimum (RFC 8461 §7.2).
// The probe says at which step an MX fails (greeting, EHLO, STARTTLS
// offered, data injected after the 220, handshake, certificate): from the
// replies libcurl traces and the OpenSSL session it hands over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "reporting/transport/tls_client.hh"

namespace dmarc
{
// RFC 8461 §3.3 suggests one minute for the whole policy fetch (the default).
using TlsProbeOptions = TlsClientOptions;

struct HttpsFetchResult
{
  bool ok = false; // status 200 with a body within the limit
  int status = 0;
  std::string contentType;
  std::string location; // of a redirect, which is reported, never followed
  std::string body;
  std::string error; // connection, certificate, HTTP or size problem
};

class HttpsFetcher
{
public:
  virtual ~HttpsFetcher() = default;
  virtual HttpsFetchResult get(const TlsEndpoint& endpoint, std::string_view path,
                               std::size_t maxBody) = 0;
};

struct StarttlsResult
{
  bool connected = false;
  bool starttlsOffered = false;
  bool handshake = false;
  bool certificateValid = false; // chains to a trusted CA, not expired, names the host
  std::string tlsVersion;
  std::string cipher;
  std::string error; // the first problem, in plain words
};

class StarttlsProber
{
public:
  virtual ~StarttlsProber() = default;
  virtual StarttlsResult probe(const TlsEndpoint& endpoint) = 0;
};

class CurlHttpsFetcher : public HttpsFetcher
{
public:
  explicit CurlHttpsFetcher(TlsProbeOptions options) : d_options(std::move(options)) {}
  HttpsFetchResult get(const TlsEndpoint& endpoint, std::string_view path,
                       std::size_t maxBody) override;

private:
  TlsProbeOptions d_options;
};

class CurlStarttlsProber : public StarttlsProber
{
public:
  // heloName: the name we give in EHLO.
  CurlStarttlsProber(TlsProbeOptions options, std::string heloName)
      : d_options(std::move(options)), d_heloName(std::move(heloName))
  {}
  StarttlsResult probe(const TlsEndpoint& endpoint) override;

private:
  TlsProbeOptions d_options;
  std::string d_heloName;
};
} // namespace dmarc
