// test-arc_chain_cc.cc: RFC 8617 §5.2 steps 1-3, the structure of an ARC
// chain before any signature is checked.
#include <boost/test/unit_test.hpp>

#include "lib/core/arc_chain.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_arc_chain_cc)

namespace
{
// Fields of syntactically valid sets (the signatures are not checked here).
std::string aar(unsigned i)
{
  return "ARC-Authentication-Results: i=" + std::to_string(i) + "; mx" + std::to_string(i) +
         ".example; dmarc=pass header.from=example.org";
}
std::string ams(unsigned i)
{
  return "ARC-Message-Signature: i=" + std::to_string(i) +
         "; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=sel; h=from; bh=Zm9v; b=YmFy";
}
std::string seal(unsigned i, const char* cv)
{
  return "ARC-Seal: i=" + std::to_string(i) + "; a=rsa-sha256; cv=" + cv + "; d=sealer" +
         std::to_string(i) + ".example; s=sel; b=YmFy";
}

// Sets 1..n, newest on top, above an ordinary header.
std::vector<std::string> chain(unsigned n)
{
  std::vector<std::string> fields;
  for (unsigned i = n; i >= 1; --i) {
    fields.push_back(seal(i, i == 1 ? "none" : "pass"));
    fields.push_back(ams(i));
    fields.push_back(aar(i));
  }
  fields.push_back("From: a@example.org");
  fields.push_back("Subject: x");
  return fields;
}

ArcChainShape check(const std::vector<std::string>& fields)
{
  std::vector<std::string_view> views(fields.begin(), fields.end());
  return checkArcChain(views);
}
} // namespace

BOOST_AUTO_TEST_CASE(test_checkArcChain_NoArcFields)
{
  auto shape = check({"From: a@example.org", "Subject: x"});
  BOOST_CHECK(shape.status == ArcResult::None);
  BOOST_CHECK_EQUAL(shape.highestInstance, 0U);
}

BOOST_AUTO_TEST_CASE(test_checkArcChain_ThreeSets)
{
  auto fields = chain(3);
  auto shape = check(fields);
  BOOST_REQUIRE_MESSAGE(shape.status == ArcResult::Pass, shape.reason);
  BOOST_REQUIRE_EQUAL(shape.sets.size(), 3U);
  BOOST_CHECK_EQUAL(shape.highestInstance, 3U);
  // sets[0] is i=1, at the bottom; field indices point at the fields.
  BOOST_CHECK_EQUAL(shape.sets[0].seal.domain, "sealer1.example");
  BOOST_CHECK_EQUAL(fields[shape.sets[0].sealField], seal(1, "none"));
  BOOST_CHECK_EQUAL(fields[shape.sets[2].authResultsField], aar(3));
  auto summaries = summarizeArcSets(shape.sets);
  BOOST_REQUIRE_EQUAL(summaries.size(), 3U);
  BOOST_CHECK_EQUAL(summaries[1].instance, 2U);
  BOOST_CHECK_EQUAL(summaries[1].sealDomain, "sealer2.example");
  BOOST_REQUIRE(summaries[1].authResults);
  BOOST_CHECK_EQUAL(summaries[1].authResults->authservId, "mx2.example");
}

BOOST_AUTO_TEST_CASE(test_checkArcChain_OrderOfFieldsDoesNotMatter)
{
  auto fields = chain(2);
  std::swap(fields[0], fields[5]);
  BOOST_CHECK(check(fields).status == ArcResult::Pass);
}

BOOST_AUTO_TEST_CASE(test_checkArcChain_StructureFailures)
{
  auto expectFail = [](std::vector<std::string> fields, const std::string& what) {
    auto shape = check(fields);
    BOOST_CHECK_MESSAGE(shape.status == ArcResult::Fail,
                        what << ": got " << toString(shape.status));
    BOOST_CHECK_MESSAGE(!shape.reason.empty(), what);
    BOOST_CHECK(shape.sets.empty());
  };
  auto missingSeal = chain(2);
  missingSeal.erase(missingSeal.begin());
  expectFail(missingSeal, "no seal for i=2");
  auto missingAar = chain(1);
  missingAar.erase(missingAar.begin() + 2);
  expectFail(missingAar, "no AAR");
  auto duplicate = chain(1);
  duplicate.push_back(ams(1));
  expectFail(duplicate, "two AMS with i=1");
  auto gap = chain(3);
  gap.erase(gap.begin() + 3, gap.begin() + 6);
  expectFail(gap, "i=2 missing");
  auto noOne = chain(2);
  noOne.erase(noOne.begin() + 3, noOne.begin() + 6);
  expectFail(noOne, "only i=2");
  auto firstPass = chain(1);
  firstPass[0] = seal(1, "pass");
  expectFail(firstPass, "cv=pass on i=1");
  auto laterNone = chain(2);
  laterNone[0] = seal(2, "none");
  expectFail(laterNone, "cv=none on i=2");
  auto middleFail = chain(3);
  middleFail[3] = seal(2, "fail");
  expectFail(middleFail, "cv=fail on i=2");
  auto malformed = chain(2);
  malformed[1] = "ARC-Message-Signature: i=2; a=rsa-sha256";
  expectFail(malformed, "malformed AMS");
}

BOOST_AUTO_TEST_CASE(test_checkArcChain_NewestSealFailedTerminates)
{
  auto fields = chain(2);
  fields[0] = seal(2, "fail");
  auto shape = check(fields);
  BOOST_CHECK(shape.status == ArcResult::Fail);
  BOOST_CHECK(shape.terminated);
  BOOST_CHECK_EQUAL(shape.highestInstance, 2U);
}

BOOST_AUTO_TEST_CASE(test_checkArcChain_FiftySetsAndMore)
{
  BOOST_CHECK(check(chain(50)).status == ArcResult::Pass);
  auto tooMany = chain(50);
  tooMany.insert(tooMany.begin(), {seal(51, "pass"), ams(51), aar(51)});
  auto shape = check(tooMany);
  BOOST_CHECK(shape.status == ArcResult::Fail);
  BOOST_CHECK_NE(shape.reason.find("more than 50"), std::string::npos);
  // A hostile instance number costs nothing and fails the same way.
  auto huge = chain(1);
  huge.push_back(seal(999999999, "pass"));
  BOOST_CHECK(check(huge).status == ArcResult::Fail);
}

BOOST_AUTO_TEST_SUITE_END()
