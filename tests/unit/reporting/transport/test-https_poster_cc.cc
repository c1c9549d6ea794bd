// test-https_poster_cc.cc: delivery of reports to https rua URIs: the
// request (POST, application/gzip, filename, Subject), what a collector's
// answer means for the retry logic, DNS outcomes, and the shared client's
// time limit and refusal of unsafe requests.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/c_handles.hh"
#include "reporting/transport/https_poster.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
RuaUri httpsUri(const char* text)
{
  auto uri = parseRuaUri(text);
  BOOST_REQUIRE(uri.has_value());
  return *uri;
}

HttpsResponse answered(int status, std::string body = "")
{
  HttpsResponse response;
  response.status = status;
  response.complete = true;
  response.body = std::move(body);
  return response;
}

std::string header(const HttpsRequest& request, const std::string& name)
{
  for (const auto& [field, value] : request.headers) {
    if (field == name) {
      return value;
    }
  }
  return "(absent)";
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_https_poster_cc)

BOOST_AUTO_TEST_CASE(test_Request_PostOfTheGzipWithNameAndSubject)
{
  ReportUpload upload{"/tmp/x.xml.gz", "receiver.example!d.example!1!2!abc.xml.gz",
                      "Report Domain: d.example Submitter: receiver.example Report-ID: <abc>"};
  const HttpsRequest request =
      reportUploadRequest(httpsUri("https://r.example:8443/v1/dmarc?k=v"), upload);
  BOOST_CHECK_EQUAL(request.method, "POST");
  BOOST_CHECK_EQUAL(request.target, "/v1/dmarc?k=v");
  BOOST_CHECK_EQUAL(header(request, "Content-Type"), "application/gzip");
  BOOST_CHECK_EQUAL(header(request, "Content-Disposition"),
                    "attachment; filename=\"receiver.example!d.example!1!2!abc.xml.gz\"");
  BOOST_CHECK_EQUAL(header(request, "Subject"), upload.subject);
}

BOOST_AUTO_TEST_CASE(test_Outcome_2xxDeliveredOthersByClass)
{
  struct Case
  {
    int status;
    Delivery::Outcome want;
  };
  for (const Case c :
       {Case{200, Delivery::Outcome::Delivered}, Case{201, Delivery::Outcome::Delivered},
        Case{204, Delivery::Outcome::Delivered}, Case{301, Delivery::Outcome::Permfail},
        Case{308, Delivery::Outcome::Permfail}, Case{400, Delivery::Outcome::Permfail},
        Case{404, Delivery::Outcome::Permfail}, Case{413, Delivery::Outcome::Permfail},
        Case{408, Delivery::Outcome::Tempfail}, Case{429, Delivery::Outcome::Tempfail},
        Case{500, Delivery::Outcome::Tempfail}, Case{503, Delivery::Outcome::Tempfail}}) {
    const Delivery got = httpsDeliveryOutcome(answered(c.status));
    BOOST_CHECK_MESSAGE(got.outcome == c.want, "HTTP " << c.status << ": got outcome "
                                                       << static_cast<int>(got.outcome) << ", want "
                                                       << static_cast<int>(c.want));
    BOOST_CHECK_EQUAL(got.detail.rfind("HTTP " + std::to_string(c.status), 0), 0U);
  }
}

BOOST_AUTO_TEST_CASE(test_Outcome_NoAnswerIsTemporary)
{
  HttpsResponse response;
  response.certificateRejected = true;
  response.error = "certificate of r.example not valid: hostname mismatch";
  const Delivery got = httpsDeliveryOutcome(response);
  BOOST_CHECK(got.outcome == Delivery::Outcome::Tempfail);
  BOOST_CHECK_EQUAL(got.detail, response.error);
}

BOOST_AUTO_TEST_CASE(test_Outcome_HostileReplyIsSanitisedAndBounded)
{
  const Delivery got =
      httpsDeliveryOutcome(answered(500, "  oops\x01\x7f" + std::string(5000, 'x') + "\r\nnext"));
  BOOST_CHECK(got.outcome == Delivery::Outcome::Tempfail);
  BOOST_CHECK_EQUAL(got.detail.substr(0, 15), "HTTP 500 oops??");
  BOOST_CHECK_LT(got.detail.size(), 300U);
  BOOST_CHECK(got.detail.find("next") == std::string::npos);
  HttpsResponse redirect = answered(302);
  redirect.location = "https://elsewhere.example/\x1b[2J";
  const Delivery moved = httpsDeliveryOutcome(redirect);
  BOOST_CHECK(moved.outcome == Delivery::Outcome::Permfail);
  BOOST_CHECK(moved.detail.find('\x1b') == std::string::npos);
  BOOST_CHECK(moved.detail.find("not followed") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Post_DnsOutcomes)
{
  FakeResolver resolver;
  resolver.fail("down.example");
  resolver.addEmpty("noaddr.example");
  HttpsReportPoster poster(resolver, TlsClientOptions{});
  ReportUpload upload{"/nonexistent", "f.xml.gz", "s"};
  const Delivery failed = poster.post(httpsUri("https://down.example/"), upload);
  BOOST_CHECK(failed.outcome == Delivery::Outcome::Tempfail);
  BOOST_CHECK_EQUAL(failed.detail, "DNS lookup of down.example failed");
  const Delivery missing = poster.post(httpsUri("https://missing.example/"), upload);
  BOOST_CHECK(missing.outcome == Delivery::Outcome::Permfail);
  BOOST_CHECK_EQUAL(missing.detail, "DNS lookup of missing.example: no such name");
  const Delivery noAddress = poster.post(httpsUri("https://noaddr.example/"), upload);
  BOOST_CHECK(noAddress.outcome == Delivery::Outcome::Permfail);
  BOOST_CHECK_EQUAL(noAddress.detail, "DNS lookup of noaddr.example: no address");
}

BOOST_AUTO_TEST_CASE(test_Exchange_SilentServerTimesOut)
{
  // A listener that never answers: the TCP connect completes (the kernel's
  // backlog), the TLS handshake must end at the connect time limit.
  FileDescriptor listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  BOOST_REQUIRE(listener.valid());
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE_EQUAL(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)),
                      0);
  BOOST_REQUIRE_EQUAL(listen(listener.get(), 4), 0);
  socklen_t length = sizeof(address);
  BOOST_REQUIRE_EQUAL(getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length),
                      0);
  TlsClientOptions options;
  options.timeout = std::chrono::milliseconds(5000);
  options.connectTimeout = std::chrono::milliseconds(200);
  const TlsEndpoint endpoint{"r.example", {"127.0.0.1"}, ntohs(address.sin_port)};
  const auto start = std::chrono::steady_clock::now();
  const HttpsResponse response = httpsExchange(endpoint, options, HttpsRequest{}, 1024);
  const auto took = std::chrono::steady_clock::now() - start;
  BOOST_CHECK(!response.complete);
  BOOST_CHECK_EQUAL(response.status, 0);
  BOOST_CHECK_EQUAL(response.error, "connection or TLS handshake with r.example timed out");
  BOOST_CHECK_LT(std::chrono::duration_cast<std::chrono::milliseconds>(took).count(), 4000);
}

BOOST_AUTO_TEST_CASE(test_Exchange_UnsafeRequestNotSent)
{
  // CR/LF in a header value or a target would split the request: refused
  // before any connection is made (the endpoint has no address at all).
  const TlsEndpoint endpoint{"r.example", {}, 443};
  HttpsRequest request;
  request.headers = {{"Subject", "x\r\nEvil: 1"}};
  BOOST_CHECK_EQUAL(httpsExchange(endpoint, TlsClientOptions{}, request, 1024).error,
                    "refusing to send a request with unsafe characters");
  request.headers.clear();
  request.target = "/a b";
  BOOST_CHECK_EQUAL(httpsExchange(endpoint, TlsClientOptions{}, request, 1024).error,
                    "refusing to send a request with unsafe characters");
}

BOOST_AUTO_TEST_CASE(test_HostField_PortOnlyWhenNotDefault)
{
  BOOST_CHECK_EQUAL(httpsHostField({"r.example", {}, 443}), "r.example");
  BOOST_CHECK_EQUAL(httpsHostField({"r.example", {}, 8443}), "r.example:8443");
}

BOOST_AUTO_TEST_SUITE_END()
