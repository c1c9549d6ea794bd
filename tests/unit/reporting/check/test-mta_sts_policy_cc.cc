// test-mta_sts_policy_cc.cc: unit tests of reporting/check/mta_sts_policy.cc:
// the _mta-sts and _smtp._tls records, the policy file and MX matching
// (RFC 8461 §3.1, §3.2, §4.1; RFC 8460 §3).
#include <boost/test/unit_test.hpp>

#include "reporting/check/mta_sts_policy.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_mta_sts_policy_cc)

BOOST_AUTO_TEST_CASE(test_checkStsTxtRecords_Forms)
{
  auto good = checkStsTxtRecords({"v=STSv1; id=20160831085700Z;"});
  BOOST_CHECK_MESSAGE(good.valid, "got error " << good.error);
  BOOST_CHECK_EQUAL(good.id, "20160831085700Z");
  BOOST_CHECK(checkStsTxtRecords({"v=spf1 -all", "v=STSv1;id=abc"}).valid);
  // §3.1: more than one record means no policy.
  BOOST_CHECK(!checkStsTxtRecords({"v=STSv1; id=a", "v=STSv1; id=b"}).valid);
  BOOST_CHECK(!checkStsTxtRecords({"v=STSv1;"}).valid);                            // no id
  BOOST_CHECK(!checkStsTxtRecords({"v=STSv1; id=" + std::string(33, 'a')}).valid); // 1*32
  BOOST_CHECK(!checkStsTxtRecords({"v=STSv1; id=a-b"}).valid);
  BOOST_CHECK(!checkStsTxtRecords({"v=stsv1; id=a"}).valid); // %s: case-sensitive
  BOOST_CHECK(!checkStsTxtRecords({}).valid);
}

BOOST_AUTO_TEST_CASE(test_parseStsPolicy_Valid)
{
  const auto policy =
      parseStsPolicy("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: "
                     "*.Example.net\r\nmax_age: 604800\r\n");
  BOOST_CHECK_MESSAGE(policy.valid(),
                      "got errors " << (policy.errors.empty() ? "" : policy.errors.front()));
  BOOST_CHECK_EQUAL(policy.mode, "enforce");
  BOOST_CHECK_EQUAL(*policy.maxAge, 604800U);
  BOOST_REQUIRE_EQUAL(policy.mx.size(), 2U);
  BOOST_CHECK_EQUAL(policy.mx[1], "*.example.net");
  // LF endings, unknown keys ignored, mode none needs no mx.
  BOOST_CHECK(parseStsPolicy("version: STSv1\nmode: none\nmax_age: 86400\nextension: x\n").valid());
}

BOOST_AUTO_TEST_CASE(test_parseStsPolicy_Errors)
{
  struct Case
  {
    std::string text;
    std::string error;
  };
  const std::vector<Case> cases = {
      {"mode: enforce\nmx: a.example\nmax_age: 1\n", "no version"},
      {"version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1\n", "must be STSv1"},
      {"version: STSv1\nmode: on\nmx: a.example\nmax_age: 1\n", "mode is 'on'"},
      {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601\n", "above the maximum"},
      {"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 12345678901\n", "1 to 10 digits"},
      {"version: STSv1\nmode: enforce\nmax_age: 86400\n", "no mx line"},
      {"version: STSv1\nmode: enforce\nmx: mail.*.example\nmax_age: 86400\n", "wildcard"},
      {"version: STSv1\nmode: enforce\ngarbage\nmx: a.example\nmax_age: 86400\n",
       "not a 'key: value'"},
  };
  for (const auto& c : cases) {
    const auto policy = parseStsPolicy(c.text);
    BOOST_CHECK_MESSAGE(!policy.valid(), "got valid, want '" << c.error << "'");
    bool found = false;
    for (const auto& error : policy.errors) {
      found = found || error.find(c.error) != std::string::npos;
    }
    BOOST_CHECK_MESSAGE(found, "no error with '" << c.error << "' for: " << c.text);
  }
  // §3.2: for a duplicated key the first wins (a warning, not an error).
  const auto twice =
      parseStsPolicy("version: STSv1\nmode: enforce\nmode: none\nmx: a.example\nmax_age: 86400\n");
  BOOST_CHECK(twice.valid());
  BOOST_CHECK_EQUAL(twice.mode, "enforce");
  BOOST_CHECK_EQUAL(twice.warnings.size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_stsMxMatches_OneLabelWildcard)
{
  // RFC 8461 §4.1 examples.
  BOOST_CHECK(stsMxMatches("*.example.com", "mail.example.com"));
  BOOST_CHECK(!stsMxMatches("*.example.com", "example.com"));
  BOOST_CHECK(!stsMxMatches("*.example.com", "foo.bar.example.com"));
  BOOST_CHECK(stsMxMatches("mail.example.com", "MAIL.Example.com."));
  BOOST_CHECK(!stsMxMatches("mail.example.com", "mail2.example.com"));
  BOOST_CHECK(!stsMxMatches("*.example.com", ".example.com"));
  BOOST_CHECK(!stsMxMatches("*.example.com", "xexample.com"));
}

BOOST_AUTO_TEST_CASE(test_checkTlsRptTxtRecords_Forms)
{
  const auto good =
      checkTlsRptTxtRecords({"v=TLSRPTv1; rua=mailto:tlsrpt@example.com,https://r.example.com/v1"});
  BOOST_CHECK_MESSAGE(good.valid, "got error " << good.error);
  BOOST_CHECK_EQUAL(good.rua.size(), 2U);
  BOOST_CHECK(!checkTlsRptTxtRecords({"v=TLSRPTv1;"}).valid);
  BOOST_CHECK(!checkTlsRptTxtRecords({"v=TLSRPTv1; rua=ftp://x"}).valid);
  BOOST_CHECK(
      !checkTlsRptTxtRecords({"v=TLSRPTv1; rua=mailto:a@b", "v=TLSRPTv1; rua=mailto:c@d"}).valid);
  BOOST_CHECK(!checkTlsRptTxtRecords({"v=TLSRPTv2; rua=mailto:a@b"}).valid);
}

BOOST_AUTO_TEST_CASE(test_suggestStsPolicy_ParsesBack)
{
  const auto text = suggestStsPolicy({"MX1.example.com.", "mx2.example.com"}, "testing");
  const auto policy = parseStsPolicy(text);
  BOOST_CHECK(policy.valid());
  BOOST_CHECK_EQUAL(policy.mode, "testing");
  BOOST_REQUIRE_EQUAL(policy.mx.size(), 2U);
  BOOST_CHECK_EQUAL(policy.mx[0], "mx1.example.com");
}

BOOST_AUTO_TEST_SUITE_END()
