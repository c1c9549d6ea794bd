// https_client.cc: one HTTP/1.1 exchange over a verified TLS connection,
// made by libcurl; see https_client.hh.
#include "reporting/transport/https_client.hh"

#include <algorithm>
#include <array>
#include <string_view>

#include <openssl/x509.h>

#include "lib/core/ascii_text.hh"
#include "reporting/transport/curl_easy.hh"

namespace dmarc
{
namespace
{
// The header block of a response: a status line and a few fields, well
// under 16 KiB for any server we talk to (a static policy file, a report
// collector's reply). Anything longer is refused, not buffered.
constexpr std::size_t s_maxHttpHeader = 16U * 1024U;

// What the callbacks share with the exchange: the response being filled,
// its bounds, and the request body being streamed.
struct Transfer
{
  HttpsResponse& response;
  std::size_t maxBody;
  std::size_t headerBytes = 0;
  bool headerTooLarge = false;
  std::istream* body = nullptr;
  std::uint64_t bodyLeft = 0;
  bool bodyEndedEarly = false;
};

// One header line of a response. A status line starts a new response
// (after an interim 1xx one), so the fields kept are the final response's.
std::size_t keepHeader(std::string_view line, Transfer& transfer)
{
  if (line.substr(0, 5) == "HTTP/") {
    transfer.headerBytes = 0;
    transfer.response.contentType.clear();
    transfer.response.location.clear();
  }
  transfer.headerBytes += line.size();
  if (transfer.headerBytes > s_maxHttpHeader) {
    transfer.headerTooLarge = true;
    return 0; // ends the transfer
  }
  const auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    const std::string name = toLowerAscii(line.substr(0, colon));
    const std::string_view value = trimSpace(line.substr(colon + 1));
    if (name == "content-type") {
      transfer.response.contentType = toLowerAscii(value.substr(0, 200));
    } else if (name == "location") {
      transfer.response.location = std::string(value.substr(0, 500));
    }
  }
  return line.size();
}

// libcurl's callbacks: no exception may leave them; one that would ends
// the transfer instead (returning less than was given).
std::size_t onHeader(char* data, std::size_t size, std::size_t count, void* user)
{
  try {
    return keepHeader(std::string_view(data, size * count), *static_cast<Transfer*>(user));
  } catch (...) {
    return 0;
  }
}

std::size_t onBody(char* data, std::size_t size, std::size_t count, void* user)
{
  auto& transfer = *static_cast<Transfer*>(user);
  const std::size_t bytes = size * count;
  if (transfer.response.body.size() + bytes > transfer.maxBody) {
    transfer.response.bodyTooLarge = true;
    return 0; // ends the transfer
  }
  try {
    transfer.response.body.append(data, bytes);
  } catch (...) {
    return 0;
  }
  return bytes;
}

std::size_t onRequestBody(char* buffer, std::size_t size, std::size_t count, void* user)
{
  auto& transfer = *static_cast<Transfer*>(user);
  const auto want = static_cast<std::streamsize>(
      std::min<std::uint64_t>(transfer.bodyLeft, static_cast<std::uint64_t>(size * count)));
  if (want == 0) {
    return 0;
  }
  std::streamsize got = 0;
  try {
    transfer.body->read(buffer, want);
    got = transfer.body->gcount();
  } catch (...) {
    got = 0;
  }
  if (got <= 0) {
    transfer.bodyEndedEarly = true;
    return CURL_READFUNC_ABORT;
  }
  transfer.bodyLeft -= static_cast<std::uint64_t>(got);
  return static_cast<std::size_t>(got);
}

bool safeFieldText(std::string_view text)
{
  return std::all_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

bool safeTarget(std::string_view target)
{
  return !target.empty() && target.front() == '/' &&
         std::all_of(target.begin(), target.end(), [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u > 0x20 && u < 0x7f;
         });
}

// Every field of the request is printable ASCII without the separators of
// its place, so that nothing from a report's URI can add a header or a line.
bool safeRequest(const TlsEndpoint& endpoint, const HttpsRequest& request)
{
  bool safe = safeTarget(request.target) && safeFieldText(request.method) &&
              safeFieldText(endpoint.host) && request.method.find(' ') == std::string::npos &&
              endpoint.host.find_first_of("/:@[]") == std::string::npos;
  for (const auto& [name, value] : request.headers) {
    safe = safe && !name.empty() && name.find(':') == std::string::npos &&
           name.find(' ') == std::string::npos && safeFieldText(name) && safeFieldText(value);
  }
  return safe;
}

// The request's method and body: GET, a POST of the body stream (or of
// nothing, with Content-Length 0), or another method without a body.
void setMethod(CURL* curl, const HttpsRequest& request, Transfer& transfer)
{
  if (request.method == "GET") {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    if (request.body == nullptr) {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t{0});
      return;
    }
    transfer.body = request.body;
    transfer.bodyLeft = request.bodyLength;
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, &onRequestBody);
    curl_easy_setopt(curl, CURLOPT_READDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.bodyLength));
    return;
  }
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
}

// The header lines we add: the caller's, Connection: close (one request per
// connection), and an empty Expect so that a body is sent without waiting
// for a 100 Continue the server may never send.
std::vector<std::string> headerLines(const HttpsRequest& request)
{
  std::vector<std::string> lines{"Connection: close", "Expect:"};
  for (const auto& [name, value] : request.headers) {
    lines.push_back(name + ": " + value);
  }
  return lines;
}

// Why the exchange ended without a whole response, in the words the
// callers log and store.
std::string failureText(CURL* curl, CURLcode code, const char* detail, const TlsEndpoint& endpoint,
                        const TlsClientOptions& options, const Transfer& transfer,
                        std::size_t maxBody)
{
  if (transfer.response.bodyTooLarge) {
    return "response body larger than " + std::to_string(maxBody) + " bytes";
  }
  if (transfer.headerTooLarge) {
    return "oversized HTTP response header";
  }
  if (transfer.bodyEndedEarly) {
    return "the request body ended early";
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    curl_off_t secured = 0;
    curl_easy_getinfo(curl, CURLINFO_APPCONNECT_TIME_T, &secured);
    if (secured == 0) {
      return "connection or TLS handshake with " + endpoint.host + " timed out";
    }
    return "timed out after " + std::to_string(options.timeout.count()) + " ms";
  }
  if (code == CURLE_PEER_FAILED_VERIFICATION) {
    long verify = X509_V_OK;
    curl_easy_getinfo(curl, CURLINFO_SSL_VERIFYRESULT, &verify);
    const std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : detail;
    return "certificate of " + endpoint.host + " not valid: " + why;
  }
  return *detail != '\0' ? std::string(detail) : std::string(curl_easy_strerror(code));
}

// The handle's connection settings: our addresses for the host, TLS 1.2
// or later verified against the CA file or the system's store, the limits.
void setConnection(CURL* curl, const TlsEndpoint& endpoint, const TlsClientOptions& options,
                   const HttpsRequest& request, curl_slist* resolve)
{
  const std::string url =
      "https://" + endpoint.host + ":" + std::to_string(endpoint.port) + request.target;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_RESOLVE, resolve);
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
  curl_easy_setopt(curl, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options.caFile.empty()) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, options.caFile.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(options.connectTimeout, options.timeout).count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "dmarc-reports");
}
} // namespace

std::string httpsHostField(const TlsEndpoint& endpoint)
{
  return endpoint.port == 443 ? endpoint.host : endpoint.host + ":" + std::to_string(endpoint.port);
}

HttpsResponse httpsExchange(const TlsEndpoint& endpoint, const TlsClientOptions& options,
                            const HttpsRequest& request, std::size_t maxBody)
{
  HttpsResponse response;
  if (!safeRequest(endpoint, request)) {
    response.error = "refusing to send a request with unsafe characters";
    return response;
  }
  if (endpoint.addresses.empty()) {
    response.error = "no address for " + endpoint.host;
    return response;
  }
  const CurlPtr curl = newCurlHandle("https");
  const CurlListPtr resolve =
      curlList({curlResolveEntry(endpoint.host, endpoint.port, endpoint.addresses)});
  const CurlListPtr headers = curlList(headerLines(request));
  if (!curl || !resolve || !headers) {
    response.error = "cannot set up libcurl";
    return response;
  }
  Transfer transfer{response, maxBody};
  std::array<char, CURL_ERROR_SIZE> detail{};
  setConnection(curl.get(), endpoint, options, request, resolve.get());
  setMethod(curl.get(), request, transfer);
  curl_easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, detail.data());
  curl_easy_setopt(curl.get(), CURLOPT_HEADERFUNCTION, &onHeader);
  curl_easy_setopt(curl.get(), CURLOPT_HEADERDATA, &transfer);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, &onBody);
  curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &transfer);

  const CURLcode code = curl_easy_perform(curl.get());
  long status = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  // A server may answer (413, 503...) before taking the whole body: its
  // status is kept and judged by the caller.
  response.status = static_cast<int>(status);
  if (code == CURLE_OK) {
    response.complete = true;
    return response;
  }
  response.certificateRejected = code == CURLE_PEER_FAILED_VERIFICATION;
  response.error =
      failureText(curl.get(), code, detail.data(), endpoint, options, transfer, maxBody);
  return response;
}
} // namespace dmarc
