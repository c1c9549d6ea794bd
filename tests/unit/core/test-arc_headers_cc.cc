// test-arc_headers_cc.cc: the three ARC fields (RFC 8617 §4.1) parsed into
// values, and the malformed ones that must make a chain fail.
#include <boost/test/unit_test.hpp>

#include "lib/core/arc_headers.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_arc_headers_cc)

BOOST_AUTO_TEST_CASE(test_parseArcSeal_Valid)
{
  auto seal = parseArcSeal(" i=2; a=rsa-sha256; cv=pass; d=Lists.Example.org; s=arc;\r\n"
                           "\tt=12345; b=Zm9v\r\n YmFy");
  BOOST_REQUIRE(seal);
  BOOST_CHECK_EQUAL(seal->instance, 2U);
  BOOST_CHECK(seal->algorithm == DkimKeyType::Rsa);
  BOOST_CHECK(seal->cv == ArcResult::Pass);
  BOOST_CHECK_EQUAL(seal->domain, "lists.example.org");
  BOOST_CHECK_EQUAL(seal->selector, "arc");
  BOOST_CHECK_EQUAL(seal->signature, "foobar");
  BOOST_CHECK_EQUAL(*seal->timestamp, 12345U);
}

BOOST_AUTO_TEST_CASE(test_parseArcSeal_Refusals)
{
  const std::string good = "a=ed25519-sha256; cv=none; d=example.org; s=sel; b=Zm9v";
  BOOST_CHECK(parseArcSeal("i=1; " + good));
  for (const std::string& bad : std::vector<std::string>{
           good, "i=0; " + good, "i=x; " + good, "i=1; i=1; " + good, "I=1; " + good,
           "i=1; a=rsa-sha1; cv=none; d=example.org; s=sel; b=Zm9v",
           "i=1; a=rsa-sha256; cv=PASS; d=example.org; s=sel; b=Zm9v",
           "i=1; a=rsa-sha256; cv=:); d=example.org; s=sel; b=Zm9v",
           "i=1; a=rsa-sha256; d=example.org; s=sel; b=Zm9v",
           "i=1; a=rsa-sha256; cv=none; d=example...; s=sel; b=Zm9v",
           "i=1; a=rsa-sha256; cv=none; d=example.org; s=; b=Zm9v",
           "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=",
           "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=Zm9",
           "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=Zm9v; t=-123.4",
           "i=1; a=rsa-sha256; cv=none; d=example.org; s=sel; b=Zm9v; h=from"}) {
    std::string why;
    BOOST_CHECK_MESSAGE(!parseArcSeal(bad, &why), "accepted: " << bad);
    BOOST_CHECK(!why.empty());
  }
}

BOOST_AUTO_TEST_CASE(test_parseArcMessageSignature_Valid)
{
  auto ams = parseArcMessageSignature(
      "i=1; a=rsa-sha256; c=relaxed/simple; d=example.org; s=sel;\r\n\th=From : to:Subject; "
      "bh=Zm9v; b=YmFy; l=42");
  BOOST_REQUIRE(ams);
  BOOST_CHECK(ams->canons.header == DkimCanon::Relaxed);
  BOOST_CHECK(ams->canons.body == DkimCanon::Simple);
  std::vector<std::string> want = {"From", "to", "Subject"};
  BOOST_CHECK_EQUAL_COLLECTIONS(ams->signedHeaders.begin(), ams->signedHeaders.end(), want.begin(),
                                want.end());
  BOOST_CHECK_EQUAL(ams->bodyHash, "foo");
  BOOST_CHECK_EQUAL(*ams->bodyLength, 42U);
  // c= absent: RFC 6376 §3.5 simple/simple.
  auto plain =
      parseArcMessageSignature("i=1; a=rsa-sha256; d=example.org; s=sel; h=; bh=Zm9v; b=YmFy");
  BOOST_REQUIRE(plain);
  BOOST_CHECK(plain->canons.header == DkimCanon::Simple);
  BOOST_CHECK(plain->signedHeaders.empty());
}

BOOST_AUTO_TEST_CASE(test_parseArcMessageSignature_Refusals)
{
  const std::string base = "i=1; a=rsa-sha256; d=example.org; s=sel; b=YmFy";
  BOOST_CHECK(parseArcMessageSignature(base + "; h=from; bh=Zm9v"));
  for (const std::string& bad : std::vector<std::string>{
           base + "; h=from", base + "; bh=Zm9v", base + "; h=from; bh=", base + "; h=from; bh=Zm9",
           base + "; h=from:arc-seal; bh=Zm9v", base + "; h=from; bh=Zm9v; c=pancake/waffle",
           base + "; h=from; bh=Zm9v; l=x", base + "; h=from; bh=Zm9v; t="}) {
    BOOST_CHECK_MESSAGE(!parseArcMessageSignature(bad), "accepted: " << bad);
  }
}

BOOST_AUTO_TEST_CASE(test_parseArcAuthResults_Forms)
{
  auto aar = parseArcAuthResults(" i=3; mx.example.net;\r\n\tdmarc=pass header.from=example.org");
  BOOST_REQUIRE(aar);
  BOOST_CHECK_EQUAL(aar->instance, 3U);
  BOOST_REQUIRE(aar->results);
  BOOST_CHECK_EQUAL(aar->results->authservId, "mx.example.net");
  BOOST_REQUIRE_EQUAL(aar->results->results.size(), 1U);
  BOOST_CHECK_EQUAL(aar->results->results[0].method, "dmarc");
  // A payload that is not RFC 8601 syntax keeps the set, without results.
  auto odd = parseArcAuthResults("i=1; ((");
  BOOST_REQUIRE(odd);
  BOOST_CHECK(!odd->results);
  for (const char* bad : {"i=1 mx.example; none", "mx.example; i=1; none", "i=squanch; none",
                          "i=0; none", "i; none", ""}) {
    BOOST_CHECK_MESSAGE(!parseArcAuthResults(bad), "accepted: " << bad);
  }
}

BOOST_AUTO_TEST_CASE(test_arcFieldKind_Names)
{
  BOOST_CHECK(arcFieldKind("arc-seal") == ArcFieldKind::Seal);
  BOOST_CHECK(arcFieldKind("ARC-MESSAGE-SIGNATURE") == ArcFieldKind::MessageSignature);
  BOOST_CHECK(arcFieldKind("Arc-Authentication-Results") == ArcFieldKind::AuthResults);
  BOOST_CHECK(!arcFieldKind("ARC-Seal2"));
  BOOST_CHECK(!arcFieldKind("Authentication-Results"));
}

BOOST_AUTO_TEST_SUITE_END()
