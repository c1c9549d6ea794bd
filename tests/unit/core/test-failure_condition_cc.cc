// test-failure_condition_cc.cc: fo= evaluation (RFC 9989 §4.7 "fo"; RFC
// 9991): each option reports exactly the messages it names, ruf is needed,
// only final results count.
#include <boost/test/unit_test.hpp>

#include "lib/core/failure_condition.hh"

using namespace dmarc;

namespace
{
// A verdict with a ruf and the given fo, alignment and mechanism results.
Verdict verdictWith(std::string fo, bool dkimAligned, bool spfAligned,
                    DkimResult dkim = DkimResult::Pass, SpfResult spf = SpfResult::Pass)
{
  Verdict verdict;
  verdict.fromDomain = "example.com";
  verdict.result = dkimAligned || spfAligned ? DmarcResult::Pass : DmarcResult::Fail;
  verdict.dkimAligned = dkimAligned;
  verdict.spfAligned = spfAligned;
  PublishedPolicy policy;
  policy.domain = "example.com";
  policy.fo = std::move(fo);
  policy.ruf = {"mailto:ruf@example.com"};
  verdict.policy = policy;
  DkimSignatureOutcome signature;
  signature.result = dkim;
  signature.domain = "example.com";
  verdict.dkim = {signature};
  verdict.spf.result = spf;
  return verdict;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_failure_condition_cc)

BOOST_AUTO_TEST_CASE(test_parseFailureOptions_Values)
{
  auto zero = parseFailureOptions("0");
  BOOST_CHECK(zero.allFailed && !zero.anyFailed && !zero.dkimFailed && !zero.spfFailed);
  auto one = parseFailureOptions("1");
  BOOST_CHECK(!one.allFailed && one.anyFailed);
  auto ds = parseFailureOptions("d:s");
  BOOST_CHECK(!ds.allFailed && !ds.anyFailed && ds.dkimFailed && ds.spfFailed);
  auto oneD = parseFailureOptions("1:d");
  BOOST_CHECK(oneD.anyFailed && oneD.dkimFailed && !oneD.spfFailed);
}

BOOST_AUTO_TEST_CASE(test_parseFailureOptions_BadOrEmptyIsDefault)
{
  for (const char* fo : {"", "x", "0:1", "2", "d:", ":s", "0::d"}) {
    auto options = parseFailureOptions(fo);
    BOOST_CHECK_MESSAGE(options.allFailed && !options.anyFailed && !options.dkimFailed &&
                            !options.spfFailed,
                        "fo='" << fo << "' got something else, want the default fo=0");
  }
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_Fo0OnlyWhenDmarcFails)
{
  BOOST_CHECK(failureReportRequested(verdictWith("0", false, false)));
  BOOST_CHECK(!failureReportRequested(verdictWith("0", true, false)));
  BOOST_CHECK(!failureReportRequested(verdictWith("0", false, true)));
  BOOST_CHECK(!failureReportRequested(verdictWith("0", true, true)));
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_Fo1WhenAnyMechanismNotAlignedPass)
{
  BOOST_CHECK(failureReportRequested(verdictWith("1", false, false)));
  BOOST_CHECK(failureReportRequested(verdictWith("1", true, false)));
  BOOST_CHECK(failureReportRequested(verdictWith("1", false, true)));
  BOOST_CHECK(!failureReportRequested(verdictWith("1", true, true)));
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_FoDWhenASignatureFailedAlignedOrNot)
{
  // DMARC passes through SPF; an unaligned third-party signature failed.
  BOOST_CHECK(failureReportRequested(verdictWith("d", false, true, DkimResult::Fail)));
  BOOST_CHECK(failureReportRequested(verdictWith("d", false, true, DkimResult::Permerror)));
  BOOST_CHECK(failureReportRequested(verdictWith("d", false, true, DkimResult::Policy)));
  for (auto result :
       {DkimResult::Pass, DkimResult::None, DkimResult::Temperror, DkimResult::Neutral}) {
    BOOST_CHECK_MESSAGE(!failureReportRequested(verdictWith("d", false, false, result)),
                        "fo=d reported dkim=" << toString(result) << ", want no report");
  }
  auto unsigned_ = verdictWith("d", false, false);
  unsigned_.dkim.clear();
  BOOST_CHECK(!failureReportRequested(unsigned_));
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_FoSWhenSpfFailedAlignedOrNot)
{
  BOOST_CHECK(
      failureReportRequested(verdictWith("s", true, false, DkimResult::Pass, SpfResult::Fail)));
  BOOST_CHECK(failureReportRequested(
      verdictWith("s", true, false, DkimResult::Pass, SpfResult::Permerror)));
  for (auto result : {SpfResult::Pass, SpfResult::Softfail, SpfResult::Neutral, SpfResult::None,
                      SpfResult::Temperror}) {
    BOOST_CHECK_MESSAGE(
        !failureReportRequested(verdictWith("s", false, false, DkimResult::Pass, result)),
        "fo=s reported spf=" << toString(result) << ", want no report");
  }
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_CombinedOptionsAreOr)
{
  BOOST_CHECK(
      failureReportRequested(verdictWith("d:s", true, true, DkimResult::Pass, SpfResult::Fail)));
  BOOST_CHECK(
      failureReportRequested(verdictWith("d:s", true, true, DkimResult::Fail, SpfResult::Pass)));
  BOOST_CHECK(
      !failureReportRequested(verdictWith("d:s", false, false, DkimResult::None, SpfResult::None)));
  BOOST_CHECK(
      failureReportRequested(verdictWith("0:s", false, false, DkimResult::None, SpfResult::None)));
}

BOOST_AUTO_TEST_CASE(test_failureReportRequested_NeedsRufAndAFinalResult)
{
  auto noRuf = verdictWith("1", false, false);
  noRuf.policy->ruf.clear();
  BOOST_CHECK(!failureReportRequested(noRuf));
  auto noPolicy = verdictWith("1", false, false);
  noPolicy.policy.reset();
  BOOST_CHECK(!failureReportRequested(noPolicy));
  for (auto result : {DmarcResult::None, DmarcResult::Temperror, DmarcResult::Permerror}) {
    auto verdict = verdictWith("1", false, false);
    verdict.result = result;
    BOOST_CHECK_MESSAGE(!failureReportRequested(verdict),
                        "reported dmarc=" << toString(result) << ", want no report");
  }
  auto tempfailed = verdictWith("1", false, false);
  tempfailed.applied = Disposition::Tempfail;
  BOOST_CHECK(!failureReportRequested(tempfailed));
}

BOOST_AUTO_TEST_SUITE_END()
