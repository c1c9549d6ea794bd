// test-feedback_report_parser_cc.cc: the message/feedback-report part of a
// failure report others send us, and such a report found in a mail by the
// extractor (its reporter and Message-ID from the mail's header).
#include <boost/test/unit_test.hpp>

#include "reporting/ingest/feedback_report_parser.hh"
#include "reporting/ingest/report_extractor.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_feedback_report_parser_cc)

BOOST_AUTO_TEST_CASE(test_parseFeedbackReport_Rfc6591Fields)
{
  std::string error;
  auto report = parseFeedbackReport("Feedback-Type: auth-failure\r\n"
                                    "User-Agent: x/1\r\nVersion: 1\r\n"
                                    "Auth-Failure: DMARC\r\n"
                                    "Original-Mail-From: <a@sender.example>\r\n"
                                    "Reported-Domain: Example.COM\r\n"
                                    "Source-IP: 192.0.2.1\r\n"
                                    "Authentication-Results: mx.example; dmarc=fail\r\n"
                                    "\theader.from=example.com\r\n"
                                    "Delivery-Result: reject\r\n"
                                    "Reported-Domain: second.example\r\n",
                                    error);
  BOOST_REQUIRE_MESSAGE(report, "got " << error << ", want a report");
  BOOST_CHECK_EQUAL(report->feedbackType, "auth-failure");
  BOOST_CHECK_EQUAL(report->authFailure, "dmarc");
  BOOST_CHECK_EQUAL(report->originalMailFrom, "a@sender.example");
  BOOST_CHECK_EQUAL(report->reportedDomain, "example.com"); // the first one counts
  BOOST_CHECK_EQUAL(report->sourceIp, "192.0.2.1");
  BOOST_CHECK_EQUAL(report->authenticationResults,
                    "mx.example; dmarc=fail header.from=example.com");
  BOOST_CHECK_EQUAL(report->deliveryResult, "reject");
}

BOOST_AUTO_TEST_CASE(test_parseFeedbackReport_RefusesWhatIsNotOne)
{
  std::string error;
  BOOST_CHECK(!parseFeedbackReport("Auth-Failure: dmarc\n", error));
  BOOST_CHECK(error.find("Feedback-Type") != std::string::npos);
  BOOST_CHECK(!parseFeedbackReport(std::string(s_maxFeedbackPart + 1, 'x'), error));
  std::string flood = "Feedback-Type: auth-failure\n";
  for (std::size_t i = 0; i < s_maxFeedbackFields + 1; ++i) {
    flood += "X-" + std::to_string(i) + ": y\n";
  }
  BOOST_CHECK(!parseFeedbackReport(flood, error));
}

BOOST_AUTO_TEST_CASE(test_parseFeedbackReport_HostileValuesBoundedAndPrintable)
{
  std::string error;
  auto report = parseFeedbackReport("Feedback-Type: auth-failure\nReported-Domain: a\x01\xff" +
                                        std::string(5000, 'b') + "\n",
                                    error);
  BOOST_REQUIRE(report);
  BOOST_CHECK_LE(report->reportedDomain.size(), s_maxFeedbackValue + 3);
  BOOST_CHECK_EQUAL(report->reportedDomain.find('\x01'), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_extractFromMessage_FindsTheFeedbackPart)
{
  const std::string mail = "From: Reporter <reports@receiver.example>\r\n"
                           "Message-ID: <r1@receiver.example>\r\n"
                           "MIME-Version: 1.0\r\n"
                           "Content-Type: multipart/report; report-type=feedback-report;\r\n"
                           " boundary=\"b\"\r\n\r\n"
                           "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
                           "--b\r\nContent-Type: message/feedback-report\r\n\r\n"
                           "Feedback-Type: auth-failure\r\nAuth-Failure: dmarc\r\n"
                           "Reported-Domain: example.com\r\n"
                           "--b\r\nContent-Type: text/rfc822-headers\r\n\r\nFrom: x@y\r\n"
                           "--b--\r\n";
  auto input = extractFromMessage(mail, "m1");
  BOOST_REQUIRE_MESSAGE(input.ok, "got " << input.error);
  BOOST_REQUIRE_EQUAL(input.reports.size(), 1u);
  const auto& report = input.reports[0];
  BOOST_CHECK(report.kind == ExtractedKind::Failure);
  BOOST_CHECK(report.ok);
  BOOST_CHECK_EQUAL(report.failure.reporter, "reports@receiver.example");
  BOOST_CHECK_EQUAL(report.failure.reportMessageId, "r1@receiver.example");
  BOOST_CHECK_EQUAL(report.failure.reportedDomain, "example.com");
}

BOOST_AUTO_TEST_SUITE_END()
