// test-tlsrpt_parser_cc.cc: unit tests of reporting/ingest/tlsrpt_parser.cc: every
// shared TLS-RPT sample against the expected table, RFC 8460 §4 fields, and
// hostile JSON (nesting, wrong types, sizes).
#include <boost/test/unit_test.hpp>

#include "reporting/ingest/tlsrpt_parser.hh"
#include "tests/unit/reporting/ingest/ingest_expected.hh"

using namespace dmarc;

namespace
{
const std::string s_report = R"({
 "organization-name": "Company-X", "date-range": {"start-datetime": "2016-04-01T00:00:00Z",
 "end-datetime": "2016-04-01T23:59:59+02:00"}, "contact-info": "sts@company-x.example",
 "report-id": "5065427c-23d3", "policies": [{"policy": {"policy-type": "sts",
 "policy-string": ["version: STSv1", "mode: testing"], "policy-domain": "Company-Y.example",
 "mx-host": ["*.mail.company-y.example"]}, "summary": {"total-successful-session-count": 5326,
 "total-failure-session-count": 303}, "failure-details": [{"result-type": "certificate-expired",
 "sending-mta-ip": "2001:db8:abcd:0012::1", "receiving-mx-hostname": "mx1.mail.company-y.example",
 "failed-session-count": 100}]}]})";
} // namespace

BOOST_AUTO_TEST_SUITE(test_tlsrpt_parser_cc)

BOOST_AUTO_TEST_CASE(test_parse_EverySharedSample)
{
  const std::string shared = test::sharedDataDir();
  for (const auto& sample : test::expectedSamples("tlsrpt")) {
    BOOST_TEST_CONTEXT(sample.path)
    {
      const auto result = parseTlsRptReport(test::readFile(shared + "/" + sample.path));
      BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
      BOOST_CHECK_EQUAL(result.report.policies.size(), sample.records);
      std::uint64_t details = 0;
      for (const auto& policy : result.report.policies) {
        details += policy.failures.size();
      }
      BOOST_CHECK_EQUAL(details, sample.messages);
    }
  }
}

BOOST_AUTO_TEST_CASE(test_parse_Rfc8460Fields)
{
  const auto result = parseTlsRptReport(s_report);
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  const auto& report = result.report;
  BOOST_CHECK_EQUAL(report.begin, 1459468800);
  BOOST_CHECK_EQUAL(report.end, 1459468800 + 86399 - 7200);
  BOOST_REQUIRE_EQUAL(report.policies.size(), 1U);
  const auto& policy = report.policies[0];
  BOOST_CHECK_EQUAL(policy.policyDomain, "company-y.example");
  BOOST_CHECK_EQUAL(policy.successfulSessions, 5326U);
  BOOST_CHECK_EQUAL(policy.failedSessions, 303U);
  BOOST_CHECK_EQUAL(policy.policyStrings.size(), 2U);
  BOOST_REQUIRE_EQUAL(policy.failures.size(), 1U);
  BOOST_CHECK_EQUAL(policy.failures[0].sendingMtaIp, "2001:db8:abcd:12::1");
  BOOST_CHECK_EQUAL(policy.failures[0].failedSessionCount, 100U);
}

BOOST_AUTO_TEST_CASE(test_parse_MxHostAsStringAccepted)
{
  const auto result = parseTlsRptReport(
      test::readFile(test::sharedDataDir() + "/tlsrpt-samples/parsedmarc/rfc8460.json"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  BOOST_CHECK_EQUAL(result.report.policies.at(0).mxHosts.size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_parse_RejectsWithReason)
{
  auto mutate = [](const std::string& from, const std::string& to) {
    std::string copy = s_report;
    copy.replace(copy.find(from), from.size(), to);
    return copy;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {mutate("\"report-id\": \"5065427c-23d3\",", ""), "no report-id"},
      {R"({"organization-name": "x", "report-id": "r", "date-range": {"start-datetime": "2016-04-01T00:00:00Z", "end-datetime": "2016-04-01T00:00:00Z"}, "policies": {}})",
       "policies"},
      {mutate("5326", "-1"), "non-negative"},
      {mutate("2001:db8:abcd:0012::1", "not-an-ip"), "not an IP address"},
      {mutate("2016-04-01T00:00:00Z", "yesterday"), "RFC 3339"},
      {mutate("\"sts\"", "\"other\""), "policy-type"},
      {"{\"a\":", "not valid JSON"},
      {"[]", "not a JSON object"},
  };
  for (const auto& [json, reason] : cases) {
    const auto result = parseTlsRptReport(json);
    BOOST_CHECK_MESSAGE(!result.ok, "got ok, want '" << reason << "'");
    BOOST_CHECK_MESSAGE(result.error.find(reason) != std::string::npos,
                        "got '" << result.error << "', want '" << reason << "'");
  }
}

BOOST_AUTO_TEST_CASE(test_parse_HugeNestingRefusedBeforeParsing)
{
  const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
  const auto result = parseTlsRptReport(deep);
  BOOST_CHECK_MESSAGE(!result.ok && result.error.find("nested deeper") != std::string::npos,
                      "got " << result.error);
  // Brackets inside strings do not count.
  BOOST_CHECK_EQUAL(jsonNestingDepth("{\"a\":\"[[[[[[\"}", 32), 1);
}

BOOST_AUTO_TEST_CASE(test_parseRfc3339_Forms)
{
  std::int64_t epoch = 0;
  BOOST_CHECK(parseRfc3339("1970-01-01T00:00:00Z", epoch) && epoch == 0);
  BOOST_CHECK(parseRfc3339("1970-01-01T01:00:00.123+01:00", epoch) && epoch == 0);
  BOOST_CHECK(!parseRfc3339("1970-01-01T00:00:00", epoch));
  BOOST_CHECK(!parseRfc3339("1970-13-01T00:00:00Z", epoch));
  BOOST_CHECK(!parseRfc3339("", epoch));
}

BOOST_AUTO_TEST_SUITE_END()
