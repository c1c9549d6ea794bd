// test-report_naming_cc.cc: Report-ID, filename and Subject follow RFC 9990
// "Report Delivery" -> "Email", and hostile names are refused.
#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "reporting/report_naming.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_report_naming_cc)

BOOST_AUTO_TEST_CASE(test_Filename_FollowsRfc9990)
{
  // RFC 9990: receiver "!" policy-domain "!" begin "!" end ["!" unique-id] ".xml.gz"
  BOOST_CHECK_EQUAL(
      reportFilename("mail.receiver.example", "example.com", 1013662812, 1013749130, "abc123"),
      "mail.receiver.example!example.com!1013662812!1013749130!abc123.xml.gz");
  BOOST_CHECK_EQUAL(reportFilename("r.example", "example.com", 1, 2, "x", false),
                    "r.example!example.com!1!2!x.xml");
}

BOOST_AUTO_TEST_CASE(test_Filename_RefusesPathsAndOddIds)
{
  BOOST_CHECK_THROW(reportFilename("r.example", "../../etc/passwd", 1, 2, "x"), Error);
  BOOST_CHECK_THROW(reportFilename("r.example", "a/b.example", 1, 2, "x"), Error);
  BOOST_CHECK_THROW(reportFilename("r.example", "example.com", 1, 2, "a.b"), Error);
  BOOST_CHECK_THROW(reportFilename("r.example", "example.com", 1, 2, ""), Error);
}

BOOST_AUTO_TEST_CASE(test_Subject_FollowsRfc9990)
{
  BOOST_CHECK_EQUAL(reportSubject("example.com", "mail.receiver.example", "abc123"),
                    "Report Domain: example.com Submitter: mail.receiver.example "
                    "Report-ID: <abc123>");
  BOOST_CHECK_THROW(reportSubject("example.com\r\nBcc: victim@example.net", "r.example", "x"),
                    Error);
}

BOOST_AUTO_TEST_CASE(test_ReportId_AlnumAndDated)
{
  // 1795737600 = 2026-11-27T00:00:00Z
  auto id = makeReportId(1795737600, 42, "k9z");
  BOOST_CHECK_EQUAL(id, "20261127r42xk9z");
  BOOST_CHECK_EQUAL(makeReportId(1795737600, 1, "a-b_c"), "20261127r1xabc");
  BOOST_CHECK_EQUAL(alnumFromBytes(std::string("\x00\x01\x23", 3)), "ab9");
}

BOOST_AUTO_TEST_CASE(test_PlainDomainName_Bounds)
{
  BOOST_CHECK(isPlainDomainName("example.com"));
  BOOST_CHECK(isPlainDomainName("_report._dmarc.example.com"));
  BOOST_CHECK(!isPlainDomainName(""));
  BOOST_CHECK(!isPlainDomainName("a..b"));
  BOOST_CHECK(!isPlainDomainName(".a"));
  BOOST_CHECK(!isPlainDomainName("a b.example"));
  BOOST_CHECK(!isPlainDomainName(std::string(64, 'a') + ".example"));
  BOOST_CHECK(isPlainDomainName(std::string(63, 'a') + ".example"));
  std::string long254;
  while (long254.size() < 254) {
    long254 += "abcdefghi.";
  }
  BOOST_CHECK(!isPlainDomainName(long254.substr(0, 254)));
}

BOOST_AUTO_TEST_SUITE_END()
