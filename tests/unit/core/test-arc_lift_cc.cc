// test-arc_lift_cc.cc: a trusted sealer's ARC record lifts a DMARC failure,
// and nothing else does.
#include <boost/test/unit_test.hpp>

#include "lib/core/arc_lift.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_arc_lift_cc)

namespace
{
struct Fixture
{
  Fixture()
  {
    site.trustedArcSealers = {"lists.example.org"};
    verdict.result = DmarcResult::Fail;
    verdict.fromDomain = "example.com";
    verdict.fromDomains = {"example.com"};
    verdict.policy.emplace();
    verdict.policy->domain = "example.com";
    verdict.policy->p = Policy::Reject;
    arc.result = ArcResult::Pass;
  }
  void addSet(const std::string& sealer, const std::string& record)
  {
    ArcSetSummary set;
    set.instance = static_cast<unsigned>(arc.sets.size() + 1);
    set.sealDomain = sealer;
    set.authResults = parseAuthResults(record);
    arc.sets.push_back(set);
    arc.instances = set.instance;
  }
  ArcLiftCheck check()
  {
    OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
    return checkArcLift(arc, verdict, site, finder);
  }

  test::FakeResolver dns;
  SitePolicy site;
  Verdict verdict;
  ArcValidation arc;
};
} // namespace

BOOST_FIXTURE_TEST_CASE(test_TrustedDmarcPass_LiftsWithSealerAndInstance, Fixture)
{
  addSet("origin.example", "origin.example; dkim=pass header.d=example.com");
  addSet("lists.example.org", "mx.lists.example.org; dmarc=pass header.from=example.com");
  auto result = check();
  BOOST_REQUIRE(result.lift);
  BOOST_CHECK_EQUAL(result.lift->instance, 2u);
  BOOST_CHECK_EQUAL(result.lift->sealer, "lists.example.org");
  BOOST_CHECK_EQUAL(result.lift->comment, "arc=pass as[2].d=lists.example.org");
}

BOOST_FIXTURE_TEST_CASE(test_AlignedSpfOrDkimPass_Lifts, Fixture)
{
  addSet("lists.example.org", "mx; spf=pass smtp.mailfrom=bounce@example.com");
  BOOST_CHECK(check().lift);
  arc.sets.clear();
  addSet("lists.example.org", "mx; dkim=pass header.i=@example.com");
  BOOST_CHECK(check().lift);
}

BOOST_FIXTURE_TEST_CASE(test_UnalignedPass_DoesNotLift, Fixture)
{
  addSet("lists.example.org", "mx; spf=pass smtp.mailfrom=lists.example.org; "
                              "dkim=pass header.d=lists.example.org");
  BOOST_CHECK(!check().lift);
}

BOOST_FIXTURE_TEST_CASE(test_SealerRecordedFailure_NeverLifts, Fixture)
{
  addSet("lists.example.org", "mx; dkim=pass header.d=example.com; dmarc=fail "
                              "header.from=example.com");
  auto result = check();
  BOOST_CHECK(!result.lift);
  BOOST_CHECK_EQUAL(result.why, "as[1].d=lists.example.org recorded dmarc=fail");
}

BOOST_FIXTURE_TEST_CASE(test_ChainNotPassing_DoesNotLift, Fixture)
{
  addSet("lists.example.org", "mx; dmarc=pass header.from=example.com");
  arc.result = ArcResult::Fail;
  BOOST_CHECK(!check().lift);
  arc.result = ArcResult::None;
  BOOST_CHECK(!check().lift);
}

BOOST_FIXTURE_TEST_CASE(test_UntrustedSealer_DoesNotLift, Fixture)
{
  addSet("lists.example.org.evil.example", "mx; dmarc=pass header.from=example.com");
  addSet("evil.example", "mx; dmarc=pass header.from=example.com");
  BOOST_CHECK(!check().lift);
}

BOOST_FIXTURE_TEST_CASE(test_PassingMessage_NeverTouched, Fixture)
{
  addSet("lists.example.org", "mx; dmarc=pass header.from=example.com");
  verdict.result = DmarcResult::Pass;
  BOOST_CHECK(!check().lift);
}

BOOST_FIXTURE_TEST_CASE(test_ChangedAfterTrustedSealer_DoesNotLift, Fixture)
{
  addSet("lists.example.org", "mx; dmarc=pass header.from=example.com");
  addSet("relay.example", "relay.example; dmarc=fail header.from=example.com");
  arc.oldestPass = 2;
  BOOST_CHECK(!check().lift);
  arc.oldestPass = 1;
  BOOST_CHECK(check().lift);
  arc.oldestPass = 0;
  BOOST_CHECK(check().lift);
}

BOOST_AUTO_TEST_SUITE_END()
