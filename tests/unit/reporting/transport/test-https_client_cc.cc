// test-https_client_cc.cc: the response side of the shared HTTPS client
// (RFC 9112): status line, fields, bodies delimited by Content-Length,
// chunking (§7.1) or the end of the connection (§6.3), interim 1xx
// responses, and every bound (header size, body size).
#include <boost/test/unit_test.hpp>

#include "reporting/transport/https_client.hh"

using namespace dmarc;

namespace
{
HttpParse parse(std::string_view data, HttpsResponse& response, bool closed = false,
                std::size_t maxBody = 1024)
{
  return parseHttpResponse(data, maxBody, closed, response);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_https_client_cc)

BOOST_AUTO_TEST_CASE(test_Parse_ContentLengthBody)
{
  const std::string full = "HTTP/1.1 200 OK\r\nContent-Type: Text/Plain; charset=utf-8\r\n"
                           "Content-Length: 5\r\n\r\nhello";
  HttpsResponse response;
  BOOST_CHECK(parse(full, response) == HttpParse::Done);
  BOOST_CHECK(response.complete);
  BOOST_CHECK_EQUAL(response.status, 200);
  BOOST_CHECK_EQUAL(response.body, "hello");
  BOOST_CHECK_EQUAL(response.contentType, "text/plain; charset=utf-8");
  // Every prefix is incomplete, even when the server has closed.
  for (std::size_t cut = 0; cut < full.size(); ++cut) {
    HttpsResponse partial;
    BOOST_CHECK_MESSAGE(parse(full.substr(0, cut), partial, true) == HttpParse::NeedMore,
                        "prefix of " << cut << " bytes: got a result, want NeedMore");
    BOOST_CHECK(!partial.complete);
  }
}

BOOST_AUTO_TEST_CASE(test_Parse_ChunkedWithExtensionsAndTrailer)
{
  const std::string full = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5;name=value\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n";
  HttpsResponse response;
  BOOST_CHECK(parse(full, response) == HttpParse::Done);
  BOOST_CHECK_EQUAL(response.body, "hello world");
  HttpsResponse partial;
  BOOST_CHECK(parse(full.substr(0, full.size() - 2), partial) == HttpParse::NeedMore);
}

BOOST_AUTO_TEST_CASE(test_Parse_ChunkedMalformedOrOversized)
{
  HttpsResponse malformed;
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
                    malformed) == HttpParse::Bad);
  BOOST_CHECK_EQUAL(malformed.error, "malformed chunked body");
  HttpsResponse noSize;
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", noSize) ==
              HttpParse::Bad);
  HttpsResponse large;
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n", large) ==
              HttpParse::Bad);
  BOOST_CHECK(large.bodyTooLarge);
  HttpsResponse huge; // a size that would overflow is refused while it is read
  BOOST_CHECK(
      parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(40, 'f') + "\r\n",
            huge) == HttpParse::Bad);
  BOOST_CHECK(huge.bodyTooLarge);
}

BOOST_AUTO_TEST_CASE(test_Parse_InterimContinueSkipped)
{
  HttpsResponse response;
  BOOST_CHECK(
      parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            response) == HttpParse::Done);
  BOOST_CHECK_EQUAL(response.status, 201);
  BOOST_CHECK_EQUAL(response.body, "");
}

BOOST_AUTO_TEST_CASE(test_Parse_BodyEndedByTheConnection)
{
  const std::string data = "HTTP/1.0 200 OK\r\n\r\nsome text";
  HttpsResponse open;
  BOOST_CHECK(parse(data, open, false) == HttpParse::NeedMore);
  HttpsResponse closed;
  BOOST_CHECK(parse(data, closed, true) == HttpParse::Done);
  BOOST_CHECK_EQUAL(closed.body, "some text");
  HttpsResponse noContent; // 204 has no body whatever follows
  BOOST_CHECK(parse("HTTP/1.1 204 No Content\r\n\r\n", noContent, false) == HttpParse::Done);
}

BOOST_AUTO_TEST_CASE(test_Parse_RedirectLocationKept)
{
  HttpsResponse response;
  BOOST_CHECK(parse("HTTP/1.1 302 Found\r\nLocation:  https://elsewhere.example/x \r\n"
                    "Content-Length: 0\r\n\r\n",
                    response) == HttpParse::Done);
  BOOST_CHECK_EQUAL(response.status, 302);
  BOOST_CHECK_EQUAL(response.location, "https://elsewhere.example/x");
}

BOOST_AUTO_TEST_CASE(test_Parse_BoundsAndMalformedHeaders)
{
  HttpsResponse longHeader; // no end of header within 16 KiB
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\nX: " + std::string(17000, 'a'), longHeader) ==
              HttpParse::Bad);
  BOOST_CHECK_EQUAL(longHeader.error, "oversized HTTP response header");
  HttpsResponse largeBody;
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", largeBody) ==
              HttpParse::Bad);
  BOOST_CHECK(largeBody.bodyTooLarge);
  BOOST_CHECK_EQUAL(largeBody.status, 200);
  HttpsResponse largeUnbounded;
  BOOST_CHECK(parse("HTTP/1.1 200 OK\r\n\r\n" + std::string(1025, 'x'), largeUnbounded) ==
              HttpParse::Bad);
  BOOST_CHECK(largeUnbounded.bodyTooLarge);
  for (const char* bad : {"HTTP/1.1 2x0 OK\r\n\r\n", "SMTP 220 hello\r\n\r\n", "HTTP/1.1\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n"}) {
    HttpsResponse response;
    BOOST_CHECK_MESSAGE(parse(bad, response) == HttpParse::Bad,
                        "got a parse of '" << bad << "', want Bad");
    BOOST_CHECK(!response.error.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
