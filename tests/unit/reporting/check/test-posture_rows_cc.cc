// test-posture_rows_cc.cc: the findings of a check as the rows stored per
// check: the worst level, every finding in order, a remedy only to act on.
#include <boost/test/unit_test.hpp>

#include "reporting/check/posture_rows.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_posture_rows_cc)

BOOST_AUTO_TEST_CASE(test_PostureRows_OneRowPerCheckWorstLevel)
{
  DomainPosture posture;
  posture.domain = "ours.example";
  posture.findings = {
      {Finding::Level::Warning, "DMARC", "policy none: monitoring only"},
      {Finding::Level::Ok, "SPF", "record valid"},
      {Finding::Level::Ok, "DMARC", "rua mailto:d@ours.example is in the domain"},
      {Finding::Level::Error, "MTA-STS", "policy mode is 'strict'"},
      {Finding::Level::Warning, "MTA-STS", "policy served as 'text/html'"},
  };
  const auto rows = postureRows(posture);
  BOOST_REQUIRE_EQUAL(rows.size(), 3U);
  BOOST_CHECK_EQUAL(rows[0].check, "DMARC");
  BOOST_CHECK_EQUAL(rows[0].status, "warning");
  BOOST_CHECK_EQUAL(rows[0].finding, "warning: policy none: monitoring only\n"
                                     "ok: rua mailto:d@ours.example is in the domain");
  BOOST_CHECK(rows[0].fix.find("_dmarc.ours.example") != std::string::npos);
  BOOST_CHECK_EQUAL(rows[1].check, "SPF");
  BOOST_CHECK_EQUAL(rows[1].status, "ok");
  BOOST_CHECK_EQUAL(rows[1].fix, "");
  BOOST_CHECK_EQUAL(rows[2].check, "MTA-STS");
  BOOST_CHECK_EQUAL(rows[2].status, "error"); // an error outweighs a later warning
  BOOST_CHECK(rows[2].fix.find("https://mta-sts.ours.example/.well-known/mta-sts.txt") !=
              std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_PostureRemedy_EveryCheckHasOne)
{
  for (const char* check : {"DMARC", "SPF", "MX", "MTA-STS", "STARTTLS", "TLS-RPT"}) {
    BOOST_CHECK_MESSAGE(!postureRemedy(check, "d.example").empty(), check);
  }
  BOOST_CHECK_EQUAL(postureRemedy("DKIM", "d.example"), "");
}

BOOST_AUTO_TEST_SUITE_END()
