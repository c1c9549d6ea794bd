// test-dmarc_report_parser_cc.cc: unit tests of
// reporting/ingest/dmarc_report_parser.cc: every shared sample against the expected
// table, the leniencies of SPECS.md §5.3 one by one, and hostile XML
// (entity expansion, external entities, depth, size).
#include <boost/test/unit_test.hpp>

#include "reporting/ingest/decompress.hh"
#include "reporting/ingest/dmarc_report_parser.hh"
#include "tests/unit/reporting/ingest/ingest_expected.hh"

using namespace dmarc;

namespace
{
std::string minimalReport(const std::string& recordBody, const std::string& extra = "")
{
  return "<?xml version=\"1.0\"?><feedback><report_metadata><org_name>rx.example</org_name>"
         "<email>r@rx.example</email><report_id>id-1</report_id><date_range><begin>1700000000</"
         "begin>"
         "<end>1700086399</end></date_range></"
         "report_metadata><policy_published><domain>example.com</domain>"
         "<p>reject</p>" +
         extra + "</policy_published><record>" + recordBody + "</record></feedback>";
}

const std::string s_goodRecord =
    "<row><source_ip>192.0.2.1</source_ip><count>3</count><policy_evaluated><disposition>none</"
    "disposition>"
    "<dkim>pass</dkim><spf>fail</spf></policy_evaluated></"
    "row><identifiers><header_from>example.com</header_from>"
    "</identifiers><auth_results><dkim><domain>example.com</domain><selector>s1</"
    "selector><result>pass</result>"
    "</dkim><spf><domain>example.com</domain><result>fail</result></spf></auth_results>";
} // namespace

BOOST_AUTO_TEST_SUITE(test_dmarc_report_parser_cc)

BOOST_AUTO_TEST_CASE(test_parse_EverySharedSample)
{
  const std::string shared = test::sharedDataDir();
  for (const auto& sample : test::expectedSamples("dmarc")) {
    BOOST_TEST_CONTEXT(sample.path)
    {
      const auto payload = decompressReport(test::readFile(shared + "/" + sample.path));
      BOOST_REQUIRE_MESSAGE(payload.ok, "got decompression error " << payload.error);
      const auto result = parseDmarcAggregateReport(payload.data);
      if (sample.outcome == "reject") {
        BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a rejection");
        BOOST_CHECK_MESSAGE(result.error.find(sample.reason) != std::string::npos,
                            "got reason '" << result.error << "', want one with '" << sample.reason
                                           << "'");
        continue;
      }
      BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
      BOOST_CHECK_EQUAL(result.report.records.size(), sample.records);
      std::uint64_t messages = 0;
      for (const auto& record : result.report.records) {
        messages += record.count;
      }
      BOOST_CHECK_EQUAL(messages, sample.messages);
      BOOST_CHECK(!result.report.reportId.empty());
      BOOST_CHECK(!result.report.policy.domain.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(test_parse_Rfc9990Namespaced)
{
  const auto result = parseDmarcAggregateReport(
      test::readFile(test::sharedDataDir() + "/dmarc-aggregate-samples/cry-inc/gmxnet.xml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  BOOST_CHECK(result.report.namespaced);
  BOOST_CHECK(result.report.shape == AggregateShape::Rfc9990);
  BOOST_CHECK_EQUAL(result.report.policy.discoveryMethod, "psl");
  BOOST_CHECK_EQUAL(result.report.policy.testing, "n");
}

BOOST_AUTO_TEST_CASE(test_parse_Rfc9990WithoutNamespace)
{
  const auto result = parseDmarcAggregateReport(test::readFile(
      test::sharedDataDir() + "/dmarc-aggregate-samples/parsedmarc/"
                              "rfc9990-example.net!example.com!1700000000!1700086399.xml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  BOOST_CHECK(!result.report.namespaced);
  BOOST_CHECK(result.report.shape == AggregateShape::Rfc9990);
  BOOST_CHECK_EQUAL(result.report.policy.testing, "y");
  BOOST_CHECK_EQUAL(result.report.version, "2.0");
}

BOOST_AUTO_TEST_CASE(test_parse_FractionalEpochAndUpperCase)
{
  const auto result = parseDmarcAggregateReport(test::readFile(
      test::sharedDataDir() + "/dmarc-aggregate-samples/opendmarc/"
                              "163.com!example.com!1337270400!1337356799.20120518163.xml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  BOOST_CHECK_EQUAL(result.report.begin, 1337270400);
  BOOST_CHECK_EQUAL(result.report.end, 1337356799);
  const auto upper = parseDmarcAggregateReport(test::readFile(
      test::sharedDataDir() + "/dmarc-aggregate-samples/parsedmarc/invalid_upper_cased_pass.xml"));
  BOOST_REQUIRE_MESSAGE(upper.ok, "got rejection: " << upper.error);
  for (const auto& record : upper.report.records) {
    BOOST_CHECK(record.dkim.empty() || record.dkim == "pass" || record.dkim == "fail");
  }
}

BOOST_AUTO_TEST_CASE(test_parse_FieldsAndCanonicalIp)
{
  const auto result = parseDmarcAggregateReport(minimalReport(
      "<row><source_ip> 2001:DB8:0::1 </source_ip><count>7</count><policy_evaluated>"
      "<disposition>Quarantine</disposition><dkim>fail</dkim><spf>pass</spf><reason><type>"
      "local_policy</type><comment>x</comment></reason></policy_evaluated></row><identifiers>"
      "<header_from>Example.COM</header_from><envelope_from></envelope_from></identifiers>"
      "<auth_results/>"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got rejection: " << result.error);
  const auto& record = result.report.records.at(0);
  BOOST_CHECK_EQUAL(record.sourceIp, "2001:db8::1");
  BOOST_CHECK_EQUAL(record.count, 7U);
  BOOST_CHECK_EQUAL(record.disposition, "quarantine");
  BOOST_CHECK_EQUAL(record.headerFrom, "example.com");
  BOOST_REQUIRE_EQUAL(record.reasons.size(), 1U);
  BOOST_CHECK_EQUAL(record.reasons[0].type, "local_policy");
  BOOST_CHECK(result.report.shape == AggregateShape::Rfc7489);
}

BOOST_AUTO_TEST_CASE(test_parse_RejectsWithReason)
{
  struct Case
  {
    std::string xml;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {minimalReport(s_goodRecord)
           .replace(minimalReport(s_goodRecord).find("<report_id>id-1</report_id>"), 27, ""),
       "no report_id"},
      {minimalReport(
           std::string(s_goodRecord).replace(s_goodRecord.find("192.0.2.1"), 9, "999.1.1.1")),
       "not an IP address"},
      {minimalReport(std::string(s_goodRecord).replace(s_goodRecord.find(">3<"), 3, ">-3<")),
       "count"},
      {minimalReport(
           std::string(s_goodRecord).replace(s_goodRecord.find("<dkim>pass"), 10, "<dkim>maybe")),
       "dkim 'maybe'"},
      {"<?xml version=\"1.0\"?><other/>", "not <feedback>"},
      {"<feedback><report_metadata>", "not well-formed"},
      {minimalReport(s_goodRecord, "<pct>150</pct>"), "pct"},
  };
  for (const auto& c : cases) {
    const auto result = parseDmarcAggregateReport(c.xml);
    BOOST_CHECK_MESSAGE(!result.ok, "got ok, want rejection with '" << c.reason << "'");
    BOOST_CHECK_MESSAGE(result.error.find(c.reason) != std::string::npos,
                        "got '" << result.error << "', want '" << c.reason << "'");
    BOOST_CHECK(result.report.records.empty());
  }
}

BOOST_AUTO_TEST_CASE(test_parse_BillionLaughsRefused)
{
  std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY a \"aaaaaaaaaa\">";
  for (int i = 1; i < 10; ++i) {
    xml += "<!ENTITY " + std::string(1, static_cast<char>('a' + i)) + " \"";
    for (int j = 0; j < 10; ++j) {
      xml += "&" + std::string(1, static_cast<char>('a' + i - 1)) + ";";
    }
    xml += "\">";
  }
  xml += "]>" + minimalReport(s_goodRecord).substr(21);
  xml.replace(xml.find("rx.example</org_name>"), 10, "&j;");
  const auto result = parseDmarcAggregateReport(xml);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want the DTD refused");
  BOOST_CHECK_MESSAGE(result.error.find("DTD") != std::string::npos, "got " << result.error);
}

BOOST_AUTO_TEST_CASE(test_parse_ExternalEntityRefused)
{
  const std::string xml =
      "<?xml version=\"1.0\"?><!DOCTYPE feedback [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>" +
      minimalReport(s_goodRecord).substr(21);
  const auto result = parseDmarcAggregateReport(xml);
  BOOST_CHECK(!result.ok);
}

BOOST_AUTO_TEST_CASE(test_parse_DeepNestingRefused)
{
  std::string xml = "<feedback>";
  for (int i = 0; i < 100000; ++i) {
    xml += "<a>";
  }
  const auto result = parseDmarcAggregateReport(xml);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a depth error");
}

BOOST_AUTO_TEST_CASE(test_parse_SizeAndCountLimits)
{
  DmarcParseLimits limits;
  limits.maxBytes = 100;
  BOOST_CHECK(!parseDmarcAggregateReport(minimalReport(s_goodRecord), limits).ok);
  limits = DmarcParseLimits{};
  limits.maxRecords = 1;
  std::string two = minimalReport(s_goodRecord);
  two.insert(two.find("</feedback>"), "<record>" + s_goodRecord + "</record>");
  const auto result = parseDmarcAggregateReport(two, limits);
  BOOST_CHECK_MESSAGE(!result.ok && result.error.find("more than 1 records") != std::string::npos,
                      "got '" << result.error << "'");
  BOOST_CHECK(parseDmarcAggregateReport(two).ok);
}

BOOST_AUTO_TEST_SUITE_END()
