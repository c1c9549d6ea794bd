// https_client.cc: one HTTP/1.1 exchange over a verified TLS connection;
// see https_client.hh.
#include "reporting/transport/https_client.hh"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// The header block of a response: a status line and a few fields, well
// under 16 KiB for any server we talk to (a static policy file, a report
// collector's reply). Anything longer is refused, not buffered.
constexpr std::size_t s_maxHttpHeader = 16U * 1024U;
// Room for the chunk-size lines of a chunked body of maxBody bytes.
constexpr std::size_t s_chunkOverhead = 4096;
// Body bytes written per TLS record batch.
constexpr std::size_t s_bodyChunk = 64U * 1024U;

// RFC 9112 §7.1 chunked body, decoded into out (at most maxBody bytes).
// NeedMore while the last chunk and the trailer section have not arrived.
HttpParse dechunk(std::string_view body, std::string& out, std::size_t maxBody, bool& tooLarge)
{
  out.clear();
  while (true) {
    const auto lineEnd = body.find("\r\n");
    if (lineEnd == std::string_view::npos) {
      return HttpParse::NeedMore;
    }
    std::size_t size = 0;
    std::size_t i = 0;
    for (; i < lineEnd && hexDigitValue(body[i]) >= 0; ++i) {
      if (size > maxBody) {
        tooLarge = true;
        return HttpParse::Bad;
      }
      size = size * 16 + static_cast<std::size_t>(hexDigitValue(body[i]));
    }
    if (i == 0) {
      return HttpParse::Bad;
    }
    body.remove_prefix(lineEnd + 2);
    if (size == 0) {
      // Trailer fields (ignored), then an empty line.
      while (true) {
        const auto end = body.find("\r\n");
        if (end == std::string_view::npos) {
          return HttpParse::NeedMore;
        }
        if (end == 0) {
          return HttpParse::Done;
        }
        body.remove_prefix(end + 2);
      }
    }
    if (out.size() + size > maxBody) {
      tooLarge = true;
      return HttpParse::Bad;
    }
    if (body.size() < size + 2) {
      return HttpParse::NeedMore;
    }
    if (body.substr(size, 2) != "\r\n") {
      return HttpParse::Bad;
    }
    out.append(body.substr(0, size));
    body.remove_prefix(size + 2);
  }
}

// What the response header says about its body.
struct Head
{
  std::size_t bodyStart = 0;
  std::optional<std::uint64_t> contentLength;
  bool chunked = false;
};

// Parses the final response header of `data` (interim 1xx responses are
// skipped); NeedMore until the header ends.
HttpParse parseHead(std::string_view data, HttpsResponse& response, Head& head, std::string& error)
{
  std::size_t start = 0;
  while (true) {
    const auto headerEnd = data.find("\r\n\r\n", start);
    if (headerEnd == std::string_view::npos) {
      if (data.size() - start > s_maxHttpHeader) {
        error = "oversized HTTP response header";
        return HttpParse::Bad;
      }
      return HttpParse::NeedMore;
    }
    if (headerEnd - start > s_maxHttpHeader) {
      error = "oversized HTTP response header";
      return HttpParse::Bad;
    }
    const std::string_view header = data.substr(start, headerEnd - start);
    // Status line: HTTP/1.x NNN reason
    const auto space = header.find(' ');
    if (header.substr(0, 5) != "HTTP/" || space == std::string_view::npos ||
        header.size() < space + 4 ||
        std::isdigit(static_cast<unsigned char>(header[space + 1])) == 0 ||
        std::isdigit(static_cast<unsigned char>(header[space + 2])) == 0 ||
        std::isdigit(static_cast<unsigned char>(header[space + 3])) == 0) {
      error = "malformed HTTP status line";
      return HttpParse::Bad;
    }
    const int status = (header[space + 1] - '0') * 100 + (header[space + 2] - '0') * 10 +
                       (header[space + 3] - '0');
    if (status >= 100 && status < 200) {
      start = headerEnd + 4; // 100 Continue and the like: the final response follows
      continue;
    }
    response.status = status;
    head = {};
    head.bodyStart = headerEnd + 4;
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
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
        value.remove_prefix(1);
      }
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) {
        value.remove_suffix(1);
      }
      if (name == "content-type") {
        response.contentType = toLowerAscii(value.substr(0, 200));
      } else if (name == "location") {
        response.location = std::string(value.substr(0, 500));
      } else if (name == "transfer-encoding" &&
                 toLowerAscii(value).find("chunked") != std::string::npos) {
        head.chunked = true;
      } else if (name == "content-length") {
        std::uint64_t length = 0;
        bool digits = !value.empty() && value.size() <= 18;
        for (const char c : value) {
          digits = digits && c >= '0' && c <= '9';
          length = length * 10 + static_cast<std::uint64_t>(c - '0');
        }
        if (!digits || (head.contentLength && *head.contentLength != length)) {
          error = "malformed Content-Length";
          return HttpParse::Bad;
        }
        head.contentLength = length;
      }
    }
    return HttpParse::Done;
  }
}

// Whether the body after the header has fully arrived; fills response.body.
HttpParse bodyProgress(std::string_view data, const Head& head, std::size_t maxBody,
                       HttpsResponse& response)
{
  const std::string_view body = data.substr(head.bodyStart);
  if (response.status == 204 || response.status == 304) {
    response.body.clear();
    return HttpParse::Done;
  }
  if (head.chunked) {
    return dechunk(body, response.body, maxBody, response.bodyTooLarge);
  }
  if (head.contentLength) {
    if (*head.contentLength > maxBody) {
      response.bodyTooLarge = true;
      return HttpParse::Bad;
    }
    if (body.size() < *head.contentLength) {
      return HttpParse::NeedMore;
    }
    response.body = std::string(body.substr(0, *head.contentLength));
    return HttpParse::Done;
  }
  // Delimited by the end of the connection (RFC 9112 §6.3 item 8).
  if (body.size() > maxBody) {
    response.bodyTooLarge = true;
    return HttpParse::Bad;
  }
  response.body = std::string(body);
  return HttpParse::NeedMore;
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
              safeFieldText(endpoint.host) && request.method.find(' ') == std::string::npos;
  for (const auto& [name, value] : request.headers) {
    safe = safe && !name.empty() && name.find(':') == std::string::npos &&
           name.find(' ') == std::string::npos && safeFieldText(name) && safeFieldText(value);
  }
  return safe;
}
} // namespace

std::string httpsHostField(const TlsEndpoint& endpoint)
{
  return endpoint.port == 443 ? endpoint.host : endpoint.host + ":" + std::to_string(endpoint.port);
}

namespace
{
// The request line and header section; one request per connection, and a
// Content-Length whenever there is a body or the method expects one.
std::string requestHead(const TlsEndpoint& endpoint, const HttpsRequest& request)
{
  std::string head = request.method + " " + request.target +
                     " HTTP/1.1\r\nHost: " + httpsHostField(endpoint) +
                     "\r\nUser-Agent: dmarc-reports\r\nConnection: close\r\n";
  for (const auto& [name, value] : request.headers) {
    head += name + ": " + value + "\r\n";
  }
  if (request.body != nullptr || request.method == "POST" || request.method == "PUT") {
    head += "Content-Length: " + std::to_string(request.body != nullptr ? request.bodyLength : 0) +
            "\r\n";
  }
  head += "\r\n";
  return head;
}
} // namespace

HttpsResponse httpsExchange(const TlsEndpoint& endpoint, const TlsClientOptions& options,
                            const HttpsRequest& request, std::size_t maxBody)
{
  HttpsResponse response;
  const auto start = TlsClock::now();
  const auto deadline = start + options.timeout;
  const auto connectDeadline = std::min(deadline, start + options.connectTimeout);

  if (!safeRequest(endpoint, request)) {
    response.error = "refusing to send a request with unsafe characters";
    return response;
  }

  const SslCtxPtr context = makeTlsContext(options, response.error);
  if (!context) {
    return response;
  }
  const FileDescriptor fd = connectTcp(endpoint, connectDeadline, response.error);
  if (!fd.valid()) {
    return response;
  }
  TlsStream tls;
  if (!tls.start(context.get(), fd.get(), endpoint.host, connectDeadline, response.error)) {
    return response;
  }
  tls.setDeadline(deadline);
  if (const std::string invalid = tls.verifyError(); !invalid.empty()) {
    // Nothing is sent over a connection we would not trust.
    response.certificateRejected = true;
    response.error = "certificate of " + endpoint.host + " not valid: " + invalid;
    return response;
  }

  bool sent = tls.write(requestHead(endpoint, request));
  if (sent && request.body != nullptr) {
    std::string chunk(s_bodyChunk, '\0');
    std::uint64_t left = request.bodyLength;
    while (sent && left > 0) {
      const auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(left, chunk.size()));
      request.body->read(chunk.data(), want);
      const std::streamsize got = request.body->gcount();
      if (got <= 0) {
        response.error = "the request body ended early";
        return response;
      }
      sent = tls.write(std::string_view(chunk.data(), static_cast<std::size_t>(got)));
      left -= static_cast<std::uint64_t>(got);
    }
  }
  // A server may answer (413, 503...) and close before taking the whole
  // body: whatever it said is read and judged below.
  const std::string sendError =
      sent ? std::string()
           : (remainingMs(deadline) == 0 ? "timed out sending the request"
                                         : "sending the request failed: " + tls.failure());

  std::string data;
  const std::size_t limit = s_maxHttpHeader + maxBody + s_chunkOverhead;
  HttpParse state = HttpParse::NeedMore;
  while (true) {
    const bool more = data.size() < limit && tls.read(data, limit - data.size());
    // The peer closed the connection (not our deadline, not our limit).
    const bool closed = !more && data.size() < limit && remainingMs(deadline) > 0;
    state = parseHttpResponse(data, maxBody, closed, response);
    if (state != HttpParse::NeedMore || !more) {
      break;
    }
  }
  if (state != HttpParse::NeedMore) {
    return response;
  }
  if (remainingMs(deadline) == 0) {
    response.error = "timed out after " + std::to_string(options.timeout.count()) + " ms";
  } else if (!sendError.empty() && response.status == 0) {
    response.error = sendError;
  } else {
    response.error = data.empty() ? "no HTTP response" : "incomplete HTTP response";
  }
  return response;
}

HttpParse parseHttpResponse(std::string_view data, std::size_t maxBody, bool closed,
                            HttpsResponse& response)
{
  response.complete = false;
  response.bodyTooLarge = false;
  Head head;
  std::string error;
  const HttpParse headState = parseHead(data, response, head, error);
  if (headState != HttpParse::Done) {
    response.error = error;
    return headState;
  }
  HttpParse bodyState = bodyProgress(data, head, maxBody, response);
  if (bodyState == HttpParse::NeedMore && closed && !head.chunked && !head.contentLength) {
    bodyState = HttpParse::Done; // the end of the connection ended the body
  }
  if (bodyState == HttpParse::Done) {
    response.complete = true;
    response.error.clear();
  } else if (bodyState == HttpParse::Bad) {
    response.error = response.bodyTooLarge
                         ? "response body larger than " + std::to_string(maxBody) + " bytes"
                         : "malformed chunked body";
  }
  return bodyState;
}
} // namespace dmarc
