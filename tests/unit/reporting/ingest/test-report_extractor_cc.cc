// test-report_extractor_cc.cc: unit tests of reporting/ingest/report_extractor.cc:
// which parts of a report mail are reports, and the body deciding the kind
// (RFC 8460 §5.6).
#include <boost/test/unit_test.hpp>

#include "reporting/ingest/report_extractor.hh"
#include "tests/unit/reporting/ingest/ingest_expected.hh"

using namespace dmarc;

namespace
{
const std::string s_json =
    R"({"organization-name": "x", "report-id": "r1", "date-range": {"start-datetime":
 "2026-01-01T00:00:00Z", "end-datetime": "2026-01-01T23:59:59Z"}, "policies": []})";
} // namespace

BOOST_AUTO_TEST_SUITE(test_report_extractor_cc)

BOOST_AUTO_TEST_CASE(test_extractFromMessage_GoogleZipMail)
{
  const std::string path =
      test::sharedDataDir() +
      "/dmarc-aggregate-samples/parsedmarc/google-report-mail-borschow.com-949348866075514174.eml";
  const auto input = extractFromFile(test::readFile(path), "mail.eml");
  BOOST_REQUIRE_MESSAGE(input.ok, "got error " << input.error);
  BOOST_REQUIRE_EQUAL(input.reports.size(), 1U);
  const auto& report = input.reports[0];
  BOOST_CHECK(report.kind == ExtractedKind::Dmarc);
  BOOST_REQUIRE_MESSAGE(report.ok, "got rejection " << report.error);
  BOOST_CHECK_EQUAL(report.dmarc.reportId, "949348866075514174");
  BOOST_CHECK_EQUAL(report.source, "mail.eml/google.com!borschow.com!1549929600!1550015999.zip");
}

BOOST_AUTO_TEST_CASE(test_extractFromMessage_TlsRptMailKeepsHeaders)
{
  const auto input = extractFromMessage(
      test::readFile(test::sharedDataDir() +
                     "/tlsrpt-samples/parsedmarc/google.com_smtp_tls_report.eml"),
      "<stdin>");
  BOOST_REQUIRE_MESSAGE(input.ok, "got error " << input.error);
  BOOST_CHECK_EQUAL(input.headerDomain, "cardinalhealth.ca");
  BOOST_CHECK_EQUAL(input.headerSubmitter, "google.com");
  BOOST_REQUIRE_EQUAL(input.reports.size(), 1U); // the text/plain part is not a report
  BOOST_CHECK(input.reports[0].kind == ExtractedKind::TlsRpt);
  BOOST_CHECK(input.reports[0].ok);
}

BOOST_AUTO_TEST_CASE(test_extractFromMessage_NoAttachment)
{
  const auto input = extractFromMessage("Subject: hello\r\n\r\njust text\r\n", "m");
  BOOST_CHECK(!input.ok);
  BOOST_CHECK_MESSAGE(input.error.find("no report attachment") != std::string::npos,
                      "got " << input.error);
}

BOOST_AUTO_TEST_CASE(test_extractFromFile_BodyDecidesKind)
{
  // RFC 8460 §5.6: a JSON body named .xml is still a TLS-RPT report.
  const auto json = extractFromFile(s_json, "misnamed.xml");
  BOOST_REQUIRE(json.ok);
  BOOST_CHECK(json.reports.at(0).kind == ExtractedKind::TlsRpt);
  BOOST_CHECK_MESSAGE(json.reports.at(0).ok, "got " << json.reports.at(0).error);
  const auto garbage = extractFromFile(std::string("\x01\x02garbage"), "x.bin");
  BOOST_REQUIRE(garbage.ok);
  BOOST_CHECK(!garbage.reports.at(0).ok);
  BOOST_CHECK_EQUAL(garbage.reports.at(0).error, "neither XML nor JSON");
}

BOOST_AUTO_TEST_CASE(test_extractFromMessage_TooManyAttachments)
{
  std::string message = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 20; ++i) {
    message += "--b\r\nContent-Type: application/json\r\n\r\n" + s_json + "\r\n";
  }
  message += "--b--\r\n";
  const auto input = extractFromMessage(message, "m");
  BOOST_CHECK(!input.ok);
  BOOST_CHECK(input.reports.empty());
}

BOOST_AUTO_TEST_SUITE_END()
