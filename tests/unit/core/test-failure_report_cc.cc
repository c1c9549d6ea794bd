// test-failure_report_cc.cc: the AFRF message of a failure report (RFC
// 9991; RFC 6591 §3; RFC 5965 §2-3): structure, every field, redaction,
// and hostile values that must not add a header or break the MIME.
// (tests/integration/test_failure_reports.py parses sent reports with
// Python's email package as well.)
#include <algorithm>

#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "lib/core/failure_report.hh"
#include "tests/unit/sample_message_record.hh"

using namespace dmarc;

namespace
{
LocalPartRedactor::KeyedHash fakeHash()
{
  return [](std::string_view data) {
    std::string out(16, '\0');
    for (std::size_t i = 0; i < data.size(); ++i) {
      out[i % 16] = static_cast<char>(out[i % 16] * 31 + data[i] + 1);
    }
    return out;
  };
}

FailureReportInfo info()
{
  FailureReportInfo info;
  info.from = "dmarc-reports@receiver.example";
  info.to = {"ruf@example.com"};
  info.reportingMta = "mx1.receiver.example";
  info.authservId = "mx1.receiver.example";
  info.userAgent = "dmarc-reports/1.0";
  info.messageId = "failure.1@receiver.example";
  info.boundary = "dmarc-failure-b1";
  info.date = 1795000000;
  return info;
}

// The field lines of the message/feedback-report part.
std::string feedbackSection(const std::string& message)
{
  auto start = message.find("Content-Type: message/feedback-report\n\n");
  BOOST_REQUIRE(start != std::string::npos);
  start = message.find("\n\n", start) + 2;
  return message.substr(start, message.find("\n--", start) - start);
}

std::size_t count(const std::string& text, const std::string& needle)
{
  std::size_t n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_failure_report_cc)

BOOST_AUTO_TEST_CASE(test_compose_StructureAndTopHeaders)
{
  auto message = composeFailureReport(info(), sampleFailureRecord(), nullptr);
  BOOST_CHECK(message.starts_with("From: dmarc-reports@receiver.example\n"
                                  "To: ruf@example.com\n"
                                  "Date: "));
  BOOST_CHECK(message.find("\nSubject: DMARC failure report for example.com from 2001:db8::25\n") !=
              std::string::npos);
  BOOST_CHECK(message.find("\nMessage-ID: <failure.1@receiver.example>\n") != std::string::npos);
  BOOST_CHECK(message.find("\nAuto-Submitted: auto-generated\n") != std::string::npos);
  BOOST_CHECK(message.find("\nContent-Type: multipart/report; report-type=feedback-report;\n "
                           "boundary=\"dmarc-failure-b1\"\n") != std::string::npos);
  BOOST_CHECK_EQUAL(count(message, "\n--dmarc-failure-b1\n"), 3u);
  BOOST_CHECK(message.ends_with("\n--dmarc-failure-b1--\n"));
  auto text = message.find("Content-Type: text/plain");
  auto feedback = message.find("Content-Type: message/feedback-report");
  auto headers = message.find("Content-Type: text/rfc822-headers");
  BOOST_CHECK(text < feedback && feedback < headers && headers != std::string::npos);
  BOOST_CHECK_EQUAL(message.find('\r'), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_FeedbackFields)
{
  auto record = sampleFailureRecord();
  auto fields = feedbackSection(composeFailureReport(info(), record, nullptr));
  for (const char* want :
       {"Feedback-Type: auth-failure\n", "User-Agent: dmarc-reports/1.0\n", "Version: 1\n",
        "Auth-Failure: dmarc\n", "Identity-Alignment: spf\n", "Delivery-Result: spam\n",
        "Reported-Domain: example.com\n", "Source-IP: 2001:db8::25\n",
        "Arrival-Date: Wed, 18 Nov 2026 11:06:40 +0000\n",
        "Reporting-MTA: dns; mx1.receiver.example\n",
        "Original-Mail-From: <alice.sender@bounce.example.com>\n",
        "Authentication-Results: mx1.receiver.example;", "DKIM-Domain: example.com\n",
        "DKIM-Selector: s1\n"}) {
    BOOST_CHECK_MESSAGE(fields.find(want) != std::string::npos, "got no '" << want << "' in:\n"
                                                                           << fields);
  }
  BOOST_CHECK_EQUAL(fields.find("Original-Rcpt-To"), std::string::npos);
  BOOST_CHECK(fields.find("dmarc=fail") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_RecipientsOnlyWhenAllowed)
{
  auto allowed = info();
  allowed.includeRecipients = true;
  auto fields = feedbackSection(composeFailureReport(allowed, sampleFailureRecord(), nullptr));
  BOOST_CHECK(fields.find("Original-Rcpt-To: <bob@example.net>\n"
                          "Original-Rcpt-To: <carol@example.org>\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_NullSenderAndValueMappings)
{
  auto record = sampleFailureRecord();
  record.failure->mailFrom.clear();
  record.verdict.applied = Disposition::Reject;
  record.verdict.dkimAligned = true;
  record.clientIp.clear();
  auto fields = feedbackSection(composeFailureReport(info(), record, nullptr));
  BOOST_CHECK(fields.find("Original-Mail-From: <>\n") != std::string::npos);
  BOOST_CHECK(fields.find("Delivery-Result: reject\n") != std::string::npos);
  BOOST_CHECK(fields.find("Identity-Alignment: dkim, spf\n") != std::string::npos);
  BOOST_CHECK_EQUAL(fields.find("Source-IP"), std::string::npos);
  BOOST_CHECK_EQUAL(toString(deliveryResultOf(Disposition::None)), "delivered");
  BOOST_CHECK_EQUAL(toString(deliveryResultOf(Disposition::Pass)), "delivered");
  BOOST_CHECK_EQUAL(toString(deliveryResultOf(Disposition::Quarantine)), "spam");
  record.verdict.dkimAligned = record.verdict.spfAligned = false;
  BOOST_CHECK_EQUAL(identityAlignment(record.verdict), "none");
}

BOOST_AUTO_TEST_CASE(test_compose_HeaderSectionAttachedBodyNever)
{
  auto record = sampleFailureRecord();
  auto message = composeFailureReport(info(), record, nullptr);
  auto part = message.substr(message.find("Content-Type: text/rfc822-headers"));
  BOOST_CHECK(part.find("Content-Transfer-Encoding: 7bit\n\nFrom: Alice Sender "
                        "<alice.sender@example.com>\nTo: bob@example.net\nSubject: hello\n") !=
              std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_RedactionLeavesNoLocalPart)
{
  auto record = sampleFailureRecord();
  record.failure->headers += "Received: for bob@example.net; from carol\n";
  auto withRecipients = info();
  withRecipients.includeRecipients = true;
  LocalPartRedactor redactor(fakeHash());
  auto message = composeFailureReport(withRecipients, record, &redactor);
  for (const char* local : {"alice.sender", "bob", "carol"}) {
    BOOST_CHECK_MESSAGE(message.find(local) == std::string::npos,
                        "got '" << local << "' in the report, want it redacted");
  }
  BOOST_CHECK(message.find("Original-Mail-From: <" + redactor.token("alice.sender") +
                           "@bounce.example.com>") != std::string::npos);
  BOOST_CHECK(message.find("Original-Rcpt-To: <" + redactor.token("bob") + "@example.net>") !=
              std::string::npos);
  BOOST_CHECK(message.find("From: Alice Sender <" + redactor.token("alice.sender") +
                           "@example.com>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_HostileValuesAddNoHeader)
{
  auto record = sampleFailureRecord();
  record.verdict.dkim[0].selector = "s1\r\nBcc: victim@example.org";
  record.verdict.dkim[0].domain = "x\nX-Injected: 1";
  record.failure->mailFrom = "a\r\nX-Injected: 2@example.com";
  auto message = composeFailureReport(info(), record, nullptr);
  BOOST_CHECK_EQUAL(message.find("\nBcc:"), std::string::npos);
  BOOST_CHECK_EQUAL(message.find("\nX-Injected"), std::string::npos);
  for (std::size_t pos = 0; pos < message.size();) {
    auto end = message.find('\n', pos);
    BOOST_REQUIRE(end != std::string::npos);
    BOOST_CHECK_LE(end - pos, 998u);
    pos = end + 1;
  }
}

BOOST_AUTO_TEST_CASE(test_compose_LongAndEightBitValuesStayWithinLines)
{
  // Found by fuzz_failure_report: an unbreakable selector longer than a
  // line, and 8-bit bytes in the Authentication-Results values.
  auto record = sampleFailureRecord();
  record.verdict.dkim[0].selector = "s\xff" + std::string(3000, 'x');
  auto message = composeFailureReport(info(), record, nullptr);
  for (std::size_t pos = 0; pos < message.size();) {
    auto end = message.find('\n', pos);
    BOOST_REQUIRE(end != std::string::npos);
    BOOST_CHECK_LE(end - pos, 998u);
    pos = end + 1;
  }
  BOOST_CHECK_EQUAL(message.find('\xff'), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_EightBitHeadersQuotedPrintable)
{
  auto record = sampleFailureRecord();
  record.failure->headers = "Subject: caf\xc3\xa9\nX-Long: " + std::string(2000, 'y') + "\n";
  auto message = composeFailureReport(info(), record, nullptr);
  auto part = message.substr(message.find("Content-Type: text/rfc822-headers"));
  BOOST_CHECK(part.find("Content-Transfer-Encoding: quoted-printable\n\nSubject: caf=C3=A9\n") !=
              std::string::npos);
  BOOST_CHECK(std::all_of(message.begin(), message.end(), [](char c) {
    return c == '\n' || c == '\t' ||
           (static_cast<unsigned char>(c) >= 32 && static_cast<unsigned char>(c) < 127);
  }));
}

BOOST_AUTO_TEST_CASE(test_compose_BoundaryNeverInsideAPart)
{
  auto record = sampleFailureRecord();
  record.failure->headers = "X-Trap: --dmarc-failure-b1\n--dmarc-failure-b1--\n";
  auto message = composeFailureReport(info(), record, nullptr);
  BOOST_CHECK(message.find("boundary=\"dmarc-failure-b1_0\"") != std::string::npos);
  BOOST_CHECK_EQUAL(count(message, "\n--dmarc-failure-b1_0\n"), 3u);
}

BOOST_AUTO_TEST_CASE(test_compose_RefusesUnsafeAddressesAndMissingSample)
{
  for (const char* bad : {"", "a b@example.com", "a@example.com\nBcc: x@y", "<a@example.com>",
                          "a@exa mple.com", "a,b@example.com", "@example.com", "a@"}) {
    auto i = info();
    i.to = {bad};
    BOOST_CHECK_THROW(composeFailureReport(i, sampleFailureRecord(), nullptr), Error);
    i = info();
    i.from = bad;
    BOOST_CHECK_THROW(composeFailureReport(i, sampleFailureRecord(), nullptr), Error);
  }
  auto i = info();
  i.to.clear();
  BOOST_CHECK_THROW(composeFailureReport(i, sampleFailureRecord(), nullptr), Error);
  BOOST_CHECK_THROW(composeFailureReport(info(), sampleMessageRecord(), nullptr), Error);
}

BOOST_AUTO_TEST_SUITE_END()
