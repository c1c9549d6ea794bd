// test-verdict_cc.cc: the spellings of verdict values match RFC 8601 and the
// RFC 9990 report schema, since the database and reports store them as text.
#include <boost/test/unit_test.hpp>

#include "lib/core/dkim_result.hh"
#include "lib/core/spf_result.hh"
#include "lib/core/verdict.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_verdict_cc)

BOOST_AUTO_TEST_CASE(test_Disposition_SpelledAsRfc9990)
{
  BOOST_CHECK_EQUAL(toString(Disposition::None), "none");
  BOOST_CHECK_EQUAL(toString(Disposition::Pass), "pass");
  BOOST_CHECK_EQUAL(toString(Disposition::Quarantine), "quarantine");
  BOOST_CHECK_EQUAL(toString(Disposition::Reject), "reject");
}

BOOST_AUTO_TEST_CASE(test_OverrideReason_SpelledAsSchema)
{
  BOOST_CHECK_EQUAL(toString(OverrideReason::LocalPolicy), "local_policy");
  BOOST_CHECK_EQUAL(toString(OverrideReason::MailingList), "mailing_list");
  BOOST_CHECK_EQUAL(toString(OverrideReason::TrustedForwarder), "trusted_forwarder");
  BOOST_CHECK_EQUAL(toString(OverrideReason::PolicyTestMode), "policy_test_mode");
  BOOST_CHECK_EQUAL(toString(OverrideReason::SampledOut), "sampled_out");
}

BOOST_AUTO_TEST_CASE(test_SpfResult_RoundTrips)
{
  for (auto result : {SpfResult::None, SpfResult::Neutral, SpfResult::Pass, SpfResult::Fail,
                      SpfResult::Softfail, SpfResult::Temperror, SpfResult::Permerror}) {
    auto parsed = spfResultFromString(toString(result));
    BOOST_REQUIRE(parsed.has_value());
    BOOST_CHECK(*parsed == result);
  }
  BOOST_CHECK(!spfResultFromString("Pass").has_value());
}

BOOST_AUTO_TEST_CASE(test_DkimResult_RoundTrips)
{
  for (auto result : {DkimResult::None, DkimResult::Pass, DkimResult::Fail, DkimResult::Policy,
                      DkimResult::Neutral, DkimResult::Temperror, DkimResult::Permerror}) {
    auto parsed = dkimResultFromString(toString(result));
    BOOST_REQUIRE(parsed.has_value());
    BOOST_CHECK(*parsed == result);
  }
}

BOOST_AUTO_TEST_SUITE_END()
