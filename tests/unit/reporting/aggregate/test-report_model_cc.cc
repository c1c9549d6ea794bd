// test-report_model_cc.cc: rows are shaped for each schema: DKIM order and
// cap (RFC 9990 "Aggregate Reports"), SPF scope, dispositions and override
// reasons per format, IPv6 forms.
#include <boost/test/unit_test.hpp>

#include "reporting/aggregate/report_model.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_report_model_cc)

BOOST_AUTO_TEST_CASE(test_NormaliseRow_DkimOrder)
{
  ReportRow row;
  row.headerFrom = "mail.example.com";
  row.dkim = {{DkimResult::Fail, "mail.example.com", "f", "", "", "", "", 0},
              {DkimResult::Pass, "third.example", "t", "", "", "", "", 0},
              {DkimResult::Pass, "example.com", "r", "", "", "", "", 0},
              {DkimResult::Pass, "mail.example.com", "s", "", "", "", "", 0}};
  normaliseRow(row, ReportFormat::Rfc9990, AlignmentMode::Relaxed);
  std::string order;
  for (const auto& sig : row.dkim) {
    order += sig.selector;
  }
  BOOST_CHECK_EQUAL(order, "srtf"); // strict, relaxed, other pass, fail
}

BOOST_AUTO_TEST_CASE(test_NormaliseRow_FormatVocabulary)
{
  ReportRow row;
  row.disposition = Disposition::Pass;
  row.reasons = {{OverrideReason::Forwarded, ""}, {OverrideReason::SampledOut, ""}};
  row.spf = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "mx.example", ""};
  ReportRow bis = row;
  normaliseRow(bis, ReportFormat::Rfc9990, AlignmentMode::Relaxed);
  BOOST_CHECK(bis.disposition == Disposition::Pass);
  BOOST_CHECK(bis.reasons[0].reason == OverrideReason::Other);
  BOOST_CHECK_EQUAL(bis.reasons[0].comment, "forwarded");
  BOOST_CHECK(bis.reasons[1].reason == OverrideReason::PolicyTestMode);
  BOOST_CHECK(!bis.spf.has_value()); // RFC 9990: scope is mfrom only

  ReportRow old = row;
  normaliseRow(old, ReportFormat::Rfc7489, AlignmentMode::Relaxed);
  BOOST_CHECK(old.disposition == Disposition::None); // 7489 has no "pass"
  BOOST_CHECK(old.reasons[0].reason == OverrideReason::Forwarded);
  BOOST_CHECK(old.spf.has_value()); // 7489 reports helo scope
}

BOOST_AUTO_TEST_CASE(test_FormatSourceIp_PerSchema)
{
  BOOST_CHECK_EQUAL(formatSourceIp("192.0.2.1", ReportFormat::Rfc7489), "192.0.2.1");
  BOOST_CHECK_EQUAL(formatSourceIp("2001:DB8:0::1", ReportFormat::Rfc9990), "2001:db8::1");
  BOOST_CHECK_EQUAL(formatSourceIp("2001:db8::1", ReportFormat::Rfc7489), "2001:db8:0:0:0:0:0:1");
  BOOST_CHECK_EQUAL(formatSourceIp("not an ip", ReportFormat::Rfc7489), "not an ip");
}

BOOST_AUTO_TEST_SUITE_END()
