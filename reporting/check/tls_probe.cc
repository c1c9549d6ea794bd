// tls_probe.cc: the MTA-STS policy fetch, on the HTTPS client
// (https_client), and the MX STARTTLS probe, on libcurl; see tls_probe.hh.
// libcurl holds the probe's SMTP session up to the end of the TLS handshake
// (CURLOPT_CONNECT_ONLY); the replies it traces say where an MX stopped,
// and the OpenSSL session it hands over says what was negotiated.
#include "reporting/check/tls_probe.hh"

#include <array>
#include <cctype>
#include <map>

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "lib/core/ascii_text.hh"
#include "reporting/transport/curl_easy.hh"
#include "reporting/transport/https_client.hh"

namespace dmarc
{
namespace
{
// An EHLO reply has a few dozen lines; more is not an MX worth reading.
constexpr std::size_t s_maxReplyText = 64U * 1024U;

// The session as libcurl traces it: each reply under the verb of the
// command it answers ("" for the greeting).
struct ProbeTrace
{
  std::string verb{};
  std::map<std::string, std::string> replies{};
  bool replyEnded = true;
  // The name the certificate must carry, and the CAs it must chain to.
  std::string host{};
  std::string caFile{};
  StarttlsResult* result = nullptr; // filled from the TLS session once it exists
};

void traceLine(curl_infotype type, std::string_view text, ProbeTrace& trace)
{
  if (type == CURLINFO_HEADER_OUT) {
    trace.verb = toLowerAscii(text.substr(0, text.find_first_of(" \r\n")));
    trace.replyEnded = true;
    return;
  }
  if (type != CURLINFO_HEADER_IN) {
    return;
  }
  std::string& reply = trace.replies[trace.verb];
  if (trace.replyEnded) {
    reply.clear();
  }
  if (reply.size() < s_maxReplyText) {
    reply += std::string(text.substr(0, text.find_first_of("\r\n"))) + "\n";
  }
  trace.replyEnded = text.size() < 4 || text[3] != '-';
}

int replyCode(const std::string& reply)
{
  return reply.size() >= 3 && std::isdigit(static_cast<unsigned char>(reply[0])) != 0
             ? std::stoi(reply.substr(0, 3))
             : 0;
}

// What the handshake gave: version, cipher, and whether the certificate
// chains to a trusted CA and names the host.
void readSession(CURL* curl, const std::string& host, StarttlsResult& result)
{
  curl_tlssessioninfo* session = nullptr;
  if (curl_easy_getinfo(curl, CURLINFO_TLS_SSL_PTR, &session) != CURLE_OK || session == nullptr ||
      session->backend != CURLSSLBACKEND_OPENSSL || session->internals == nullptr) {
    result.error = "the TLS session is not an OpenSSL one";
    return;
  }
  const auto* ssl = static_cast<const SSL*>(session->internals);
  result.handshake = true;
  result.tlsVersion = SSL_get_version(ssl);
  result.cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl));
  const long verify = SSL_get_verify_result(ssl);
  result.certificateValid = verify == X509_V_OK && SSL_get0_peer_certificate(ssl) != nullptr;
  if (!result.certificateValid) {
    result.error = "certificate not valid for " + host + ": " +
                   (verify != X509_V_OK ? X509_verify_cert_error_string(verify) : "none sent");
  }
}
int onProbeTrace(CURL* curl, curl_infotype type, char* data, std::size_t size, void* user)
{
  auto& trace = *static_cast<ProbeTrace*>(user);
  try {
    // The first command after a 220 to STARTTLS goes over TLS: the session
    // is read then, as libcurl no longer shows it once the transfer ended.
    if (type == CURLINFO_HEADER_OUT && !trace.result->handshake &&
        replyCode(trace.replies["starttls"]) == 220) {
      readSession(curl, trace.host, *trace.result);
    }
    traceLine(type, std::string_view(data, size), trace);
  } catch (...) {
    // A reply lost from the trace only makes the diagnosis vaguer.
  }
  return 0;
}

// Before the handshake: the certificate is checked by OpenSSL for the MX
// name (no partial wildcards, RFC 6125 §6.4.3) against our CAs, and the
// outcome is read afterwards rather than ending the handshake, so that a
// bad certificate is reported with the TLS version that was negotiated.
CURLcode onSslContext(CURL* /*curl*/, void* context, void* user)
{
  const auto& trace = *static_cast<const ProbeTrace*>(user);
  auto* ctx = static_cast<SSL_CTX*>(context);
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  if (X509_VERIFY_PARAM_set1_host(param, trace.host.c_str(), trace.host.size()) != 1) {
    return CURLE_SSL_CERTPROBLEM;
  }
  const int loaded = trace.caFile.empty()
                         ? SSL_CTX_set_default_verify_paths(ctx)
                         : SSL_CTX_load_verify_locations(ctx, trace.caFile.c_str(), nullptr);
  return loaded == 1 ? CURLE_OK : CURLE_SSL_CACERT_BADFILE;
}

// Whether one line of the EHLO reply (after "250-" or "250 ") is STARTTLS.
bool offersStarttls(const std::string& ehloReply)
{
  std::size_t start = 0;
  while (start < ehloReply.size()) {
    const auto end = ehloReply.find('\n', start);
    const std::string keyword =
        toLowerAscii(ehloReply.substr(start + 4, end == std::string::npos ? end : end - start - 4));
    if (keyword == "starttls" || keyword.rfind("starttls ", 0) == 0) {
      return true;
    }
    start = end == std::string::npos ? ehloReply.size() : end + 1;
  }
  return false;
}

// Where a session that did not reach TLS stopped, from the replies traced.
void explainFailure(const ProbeTrace& trace, CURLcode code, const char* detail,
                    StarttlsResult& result)
{
  const auto reply = [&](const char* verb) {
    const auto found = trace.replies.find(verb);
    return found != trace.replies.end() ? found->second : std::string();
  };
  const int greeting = replyCode(reply(""));
  const int ehlo = replyCode(reply("ehlo"));
  const int starttls = replyCode(reply("starttls"));
  result.starttlsOffered = ehlo == 250 && offersStarttls(reply("ehlo"));
  if (greeting != 220) {
    result.error = "no 220 greeting (got " + std::to_string(greeting) + ")";
  } else if (ehlo != 250) {
    result.error = "EHLO refused (" + std::to_string(ehlo) + ")";
  } else if (!result.starttlsOffered) {
    result.error = "STARTTLS not offered";
  } else if (starttls != 220) {
    result.error = "STARTTLS refused (" + std::to_string(starttls) + ")";
  } else if (code == CURLE_WEIRD_SERVER_REPLY) {
    // Bytes after the 220 before the handshake: the plaintext injection
    // flaw (CVE-2011-0411 class); libcurl refuses to carry them into TLS.
    result.error = "server sent data after its STARTTLS reply";
  } else {
    result.error = *detail != '\0' ? detail : curl_easy_strerror(code);
  }
}

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

StarttlsResult CurlStarttlsProber::probe(const TlsEndpoint& endpoint)
{
  StarttlsResult result;
  ProbeTrace trace;
  trace.host = endpoint.host;
  trace.caFile = d_options.caFile;
  trace.result = &result;
  const CurlPtr curl = newCurlHandle("smtp");
  const CurlListPtr resolve =
      curlList({curlResolveEntry(endpoint.host, endpoint.port, endpoint.addresses)});
  if (!curl || !resolve || endpoint.addresses.empty()) {
    result.error = endpoint.addresses.empty() ? "no address" : "cannot set up libcurl";
    return result;
  }
  std::array<char, CURL_ERROR_SIZE> detail{};
  const std::string url =
      "smtp://" + endpoint.host + ":" + std::to_string(endpoint.port) + "/" + d_heloName;
  curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl.get(), CURLOPT_RESOLVE, resolve.get());
  curl_easy_setopt(curl.get(), CURLOPT_CONNECT_ONLY, 1L); // greeting, EHLO, STARTTLS, handshake
  curl_easy_setopt(curl.get(), CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
  curl_easy_setopt(curl.get(), CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  // Verified by OpenSSL in onSslContext and read afterwards, not refused
  // by libcurl during the handshake.
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_CTX_FUNCTION, &onSslContext);
  curl_easy_setopt(curl.get(), CURLOPT_SSL_CTX_DATA, &trace);
  curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(d_options.timeout.count()));
  curl_easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, detail.data());
  curl_easy_setopt(curl.get(), CURLOPT_DEBUGFUNCTION, &onProbeTrace);
  curl_easy_setopt(curl.get(), CURLOPT_DEBUGDATA, &trace);
  curl_easy_setopt(curl.get(), CURLOPT_VERBOSE, 1L); // the trace callback sees the replies
  const CURLcode code = curl_easy_perform(curl.get());
  result.connected = trace.replies.count("") != 0;
  if (code != CURLE_OK) {
    if (!result.connected) {
      result.error = *detail.data() != '\0' ? detail.data() : curl_easy_strerror(code);
    } else {
      explainFailure(trace, code, detail.data(), result);
    }
    return result;
  }
  result.starttlsOffered = true;
  if (!result.handshake && result.error.empty()) {
    result.error = "no TLS session after STARTTLS";
  }
  return result; // libcurl says QUIT when the handle goes
}
} // namespace dmarc
