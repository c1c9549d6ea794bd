// https_client.hh: one HTTP/1.1 request over TLS (RFC 9110, RFC 9112), the
// single HTTPS client of dmarc-reports: `check` fetches MTA-STS policies
// with it (tls_probe, RFC 8461 §3.3) and `send` POSTs reports to https rua
// destinations with it (https_poster). libcurl speaks HTTP and TLS; this
// adapter gives it our addresses, our limits and our refusals.
//
// Trusts the caller's endpoint (addresses from our DnsResolver) and request
// (method, target and header values are checked anyway: nothing with a
// control character is written). Does not trust the server: nothing is sent
// before its certificate is verified for the host name, redirects are
// returned to the caller and never followed, the response header and body
// are bounded in bytes, and the whole exchange in time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "reporting/transport/tls_client.hh"

namespace dmarc
{
struct HttpsRequest
{
  std::string method = "GET";
  std::string target = "/"; // origin-form: absolute path and optional query
  std::vector<std::pair<std::string, std::string>> headers; // besides Host, Connection, length
  std::istream* body = nullptr;                             // streamed as the request body when set
  std::uint64_t bodyLength = 0;                             // its Content-Length
};

struct HttpsResponse
{
  bool complete = false; // a well-formed response arrived whole (body within maxBody)
  int status = 0;        // of the final response, 0 when no status line arrived
  std::string contentType;
  std::string location; // of a redirect, which is never followed
  std::string body;     // at most maxBody bytes
  bool bodyTooLarge = false;
  bool certificateRejected = false; // nothing was sent: the server's certificate is not valid
  std::string error; // connection, certificate, HTTP or size problem; "" when complete
};

// Sends `request` to the endpoint and reads the response, at most maxBody
// bytes of body. `options.connectTimeout` bounds TCP connect and TLS
// handshake, `options.timeout` the whole exchange.
HttpsResponse httpsExchange(const TlsEndpoint& endpoint, const TlsClientOptions& options,
                            const HttpsRequest& request, std::size_t maxBody);

// The "host[:port]" of a Host header field (the port only when not 443).
std::string httpsHostField(const TlsEndpoint& endpoint);
} // namespace dmarc
