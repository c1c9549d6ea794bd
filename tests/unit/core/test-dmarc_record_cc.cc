// test-dmarc_record_cc.cc: DMARC record parsing (RFC 9989 §4.7, §4.8,
// §4.10.1; RFC 7489 §6.3, §6.4, §6.6.3 step 6) and rua/ruf URIs.
#include <boost/test/unit_test.hpp>

#include "lib/core/dmarc_record.hh"

using namespace dmarc;

namespace
{
DmarcRecord bis(std::string_view text)
{
  return parseDmarcRecord(text, DmarcMode::Rfc9989);
}
DmarcRecord legacy(std::string_view text)
{
  return parseDmarcRecord(text, DmarcMode::Rfc7489);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_dmarc_record_cc)

BOOST_AUTO_TEST_CASE(test_parse_MinimalDefaults)
{
  // RFC 9989 §4.7 defaults
  DmarcRecord r = bis("v=DMARC1; p=none");
  BOOST_REQUIRE(r.status == RecordStatus::Valid);
  BOOST_CHECK(r.policy.p == Policy::None);
  BOOST_CHECK(!r.policy.sp && !r.policy.np);
  BOOST_CHECK(r.policy.adkim == AlignmentMode::Relaxed && r.policy.aspf == AlignmentMode::Relaxed);
  BOOST_CHECK_EQUAL(r.policy.fo, "0");
  BOOST_CHECK(!r.policy.testing);
  BOOST_CHECK(r.policy.psd == PsdFlag::Unknown);
  BOOST_CHECK(r.rua.empty() && r.ruf.empty());
}

BOOST_AUTO_TEST_CASE(test_parse_AllDmarcbisTags)
{
  DmarcRecord r = bis("v=DMARC1;p=reject;sp=quarantine;np=reject;adkim=s;aspf=s;t=y;psd=n;fo=1:d;"
                      "rua=mailto:agg@example.com;ruf=mailto:fail@example.com");
  BOOST_REQUIRE(r.status == RecordStatus::Valid);
  BOOST_CHECK(r.policy.p == Policy::Reject);
  BOOST_CHECK(r.policy.sp == Policy::Quarantine);
  BOOST_CHECK(r.policy.np == Policy::Reject);
  BOOST_CHECK(r.policy.adkim == AlignmentMode::Strict && r.policy.aspf == AlignmentMode::Strict);
  BOOST_CHECK(r.policy.testing);
  BOOST_CHECK(r.policy.psd == PsdFlag::No);
  BOOST_CHECK_EQUAL(r.policy.fo, "1:d");
  BOOST_REQUIRE_EQUAL(r.rua.size(), 1U);
  BOOST_CHECK_EQUAL(r.rua[0].uri, "mailto:agg@example.com");
  BOOST_CHECK_EQUAL(r.rua[0].domain, "example.com");
  BOOST_REQUIRE_EQUAL(r.ruf.size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_parse_WhitespaceAndCase)
{
  // RFC 9989 §4.8: *WSP around ';' and '='; trailing ';'; tag names and
  // keywords case-insensitive, "DMARC1" case-sensitive
  DmarcRecord r = bis("v = DMARC1 ;  p = quarantine ; adkim = s ;");
  BOOST_REQUIRE(r.status == RecordStatus::Valid);
  BOOST_CHECK(r.policy.p == Policy::Quarantine);
  BOOST_CHECK(r.policy.adkim == AlignmentMode::Strict);
  BOOST_CHECK(bis("V=DMARC1; P=Reject").policy.p == Policy::Reject);
  BOOST_CHECK(bis("v=dmarc1; p=none").status == RecordStatus::NotDmarc);
  BOOST_CHECK(bis("p=none; v=DMARC1").status == RecordStatus::NotDmarc);
  BOOST_CHECK(bis("google-site-verification=abc").status == RecordStatus::NotDmarc);
  BOOST_CHECK(bis("v=DMARC1p=none").status == RecordStatus::NotDmarc);
}

BOOST_AUTO_TEST_CASE(test_parse_UnknownAndBadValuesUseDefaults)
{
  // RFC 9989 §4.7 unknown tags ignored; §4.8 bad values give defaults
  BOOST_CHECK(bis("v=DMARC1; p=none; foo=bar; x-ext=1").status == RecordStatus::Valid);
  BOOST_CHECK(bis("v=DMARC1; p=none; adkim=x").policy.adkim == AlignmentMode::Relaxed);
  BOOST_CHECK_EQUAL(bis("v=DMARC1; p=none; fo=0:1; ruf=mailto:f@example.com").policy.fo, "0");
  BOOST_CHECK(bis("v=DMARC1; p=none; psd=maybe").policy.psd == PsdFlag::Unknown);
  // a repeated tag keeps its first value
  BOOST_CHECK(bis("v=DMARC1; p=reject; p=none").policy.p == Policy::Reject);
}

BOOST_AUTO_TEST_CASE(test_parse_InvalidPolicyRule)
{
  // RFC 9989 §4.10.1 / RFC 7489 §6.6.3 step 6
  DmarcRecord withRua = bis("v=DMARC1; p=bogus; rua=mailto:d@example.com");
  BOOST_CHECK(withRua.status == RecordStatus::Valid);
  BOOST_CHECK(withRua.policyRewritten);
  BOOST_CHECK(withRua.policy.p == Policy::None);
  BOOST_CHECK(bis("v=DMARC1; p=bogus").status == RecordStatus::Unusable);
  DmarcRecord badSp = bis("v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.com");
  BOOST_CHECK(badSp.status == RecordStatus::Valid);
  BOOST_CHECK(badSp.policy.p == Policy::None && badSp.policy.sp == Policy::None &&
              badSp.policy.np == Policy::None);
  BOOST_CHECK(bis("v=DMARC1; p=reject; np=bogus").status == RecordStatus::Unusable);
  // an unsupported rua scheme is not a valid URI for this rule
  BOOST_CHECK(bis("v=DMARC1; p=bogus; rua=ftp://x.example").status == RecordStatus::Unusable);
}

BOOST_AUTO_TEST_CASE(test_parse_MissingP)
{
  // RFC 9989 §4.7: no p means p=none (our choice for "missing-p-without-rua")
  DmarcRecord r = bis("v=DMARC1; adkim=s");
  BOOST_CHECK(r.status == RecordStatus::Valid);
  BOOST_CHECK(r.policy.p == Policy::None);
  // RFC 7489 §6.6.3 step 6: p=none only with a valid rua
  BOOST_CHECK(legacy("v=DMARC1; adkim=s").status == RecordStatus::Unusable);
  BOOST_CHECK(legacy("v=DMARC1; rua=mailto:d@example.com").status == RecordStatus::Valid);
}

BOOST_AUTO_TEST_CASE(test_parse_PMustBeSecondInRfc7489)
{
  // RFC 7489 §6.3: p immediately after v; RFC 9989 only requires v first
  std::string_view text = "v=DMARC1; rua=mailto:d@example.com; p=reject";
  BOOST_CHECK(bis(text).policy.p == Policy::Reject);
  BOOST_CHECK(legacy(text).status == RecordStatus::Unusable);
}

BOOST_AUTO_TEST_CASE(test_parse_RemovedTagsByMode)
{
  // RFC 9989 Appendix A.6: pct, rf, ri removed; RFC 7489 §6.3 parses them
  std::string_view text = "v=DMARC1; p=reject; pct=50; rf=afrf; ri=3600; t=y; psd=y";
  DmarcRecord modern = bis(text);
  BOOST_CHECK_EQUAL(modern.policy.pct, 100U);
  BOOST_CHECK(modern.policy.testing);
  BOOST_CHECK(modern.policy.psd == PsdFlag::Yes);
  DmarcRecord old = legacy(text);
  BOOST_CHECK_EQUAL(old.policy.pct, 50U);
  BOOST_CHECK_EQUAL(old.ri, 3600U);
  // recorded as published; the RFC 7489 engine mode does not act on them
  BOOST_CHECK(old.policy.testing);
  BOOST_CHECK(old.policy.psd == PsdFlag::Yes);
  BOOST_CHECK_EQUAL(legacy("v=DMARC1; p=reject; pct=500").policy.pct, 100U);
  BOOST_CHECK_EQUAL(legacy("v=DMARC1; p=reject; pct=0").policy.pct, 0U);
}

BOOST_AUTO_TEST_CASE(test_parse_NpIsUnknownInRfc7489)
{
  // RFC 7489 has no np tag: §6.3 unknown tags MUST be ignored, and the
  // §6.6.3 step 6 invalid-policy rule names only p and sp. So an invalid np
  // neither makes the record unusable nor rewrites it to p=none, and a
  // valid np is not part of the policy either.
  DmarcRecord bogus = legacy("v=DMARC1; p=reject; np=bogus");
  BOOST_CHECK_MESSAGE(bogus.status == RecordStatus::Valid,
                      "got " << toString(bogus.status) << ", want valid");
  BOOST_CHECK(bogus.policy.p == Policy::Reject);
  BOOST_CHECK(!bogus.policy.np);
  DmarcRecord withRua = legacy("v=DMARC1; p=reject; np=bogus; rua=mailto:d@example.com");
  BOOST_CHECK(!withRua.policyRewritten);
  BOOST_CHECK(withRua.policy.p == Policy::Reject);
  BOOST_CHECK(!withRua.policy.sp && !withRua.policy.np);
  BOOST_CHECK(!legacy("v=DMARC1; p=none; sp=quarantine; np=reject").policy.np);
  // an invalid sp still rewrites, and the rewrite does not invent an np
  DmarcRecord badSp = legacy("v=DMARC1; p=reject; sp=bogus; rua=mailto:d@example.com");
  BOOST_CHECK(badSp.policyRewritten && badSp.policy.p == Policy::None);
  BOOST_CHECK(!badSp.policy.np);
  // RFC 9989 mode is unchanged: np is a policy tag there
  BOOST_CHECK(bis("v=DMARC1; p=reject; np=bogus").status == RecordStatus::Unusable);
  BOOST_CHECK(bis("v=DMARC1; p=none; np=reject").policy.np == Policy::Reject);
}

BOOST_AUTO_TEST_CASE(test_parse_ErrorsCiteTheModesStandard)
{
  // The error (which the engine's permerror reason carries into logs and
  // the trace) names the text that decided, in the mode that decided.
  auto cites = [](const DmarcRecord& record, std::string_view rfc) {
    return record.error.find(rfc) != std::string::npos;
  };
  DmarcRecord oldBadP = legacy("v=DMARC1; p=bogus");
  BOOST_CHECK_MESSAGE(cites(oldBadP, "RFC 7489 §6.6.3"), "got " << oldBadP.error);
  BOOST_CHECK(!cites(oldBadP, "RFC 9989") && oldBadP.error.find("np") == std::string::npos);
  DmarcRecord oldBadSp = legacy("v=DMARC1; p=none; sp=bogus; rua=mailto:d@example.com");
  BOOST_CHECK_MESSAGE(cites(oldBadSp, "RFC 7489 §6.6.3"), "got " << oldBadSp.error);
  BOOST_CHECK(oldBadSp.error.find("np") == std::string::npos);
  BOOST_CHECK(cites(legacy("v=DMARC1; adkim=s"), "RFC 7489 §6.6.3"));
  DmarcRecord bisBadNp = bis("v=DMARC1; adkim=s; np=bogus");
  BOOST_CHECK_MESSAGE(cites(bisBadNp, "RFC 9989 §4.10.1"), "got " << bisBadNp.error);
  BOOST_CHECK(!cites(bisBadNp, "RFC 7489"));
  BOOST_CHECK(cites(bis("v=DMARC1; p=bogus; rua=mailto:d@example.com"), "RFC 9989 §4.10.1"));
}

BOOST_AUTO_TEST_CASE(test_parseReportUri_SizesAndSchemes)
{
  // RFC 7489 §6.4: "!" size with k/m/g/t units, powers of two
  auto uri = parseReportUri("mailto:a@example.com!10m");
  BOOST_REQUIRE(uri);
  BOOST_CHECK_EQUAL(uri->uri, "mailto:a@example.com");
  BOOST_CHECK_EQUAL(*uri->maxSize, 10485760U);
  BOOST_CHECK_EQUAL(*parseReportUri("mailto:a@example.com!512")->maxSize, 512U);
  auto https = parseReportUri("https://Reports.Example.net:8443/dmarc?x=1");
  BOOST_REQUIRE(https);
  BOOST_CHECK_EQUAL(https->domain, "reports.example.net");
  BOOST_CHECK(!parseReportUri("mailto:noat"));
  BOOST_CHECK(!parseReportUri("ftp://x.example"));
  BOOST_CHECK(!parseReportUri("mailto:a@example.com!10x"));
  BOOST_CHECK(!parseReportUri("mailto:a@example.com!99999999999999999999t"));
  BOOST_CHECK(!parseReportUri("https://user@host.example/"));
  BOOST_CHECK_EQUAL(parseReportUri("mailto:a%40b@example.com")->target, "a@b@example.com");
  DmarcRecord r = bis("v=DMARC1; p=none; rua=mailto:a@example.com!10m, mailto:b@example.net");
  BOOST_REQUIRE_EQUAL(r.policy.rua.size(), 2U);
  BOOST_CHECK_EQUAL(r.policy.rua[0], "mailto:a@example.com");
  BOOST_CHECK_EQUAL(r.policy.rua[1], "mailto:b@example.net");
}

BOOST_AUTO_TEST_CASE(test_limits_LongRecordsAndManyTags)
{
  std::string text = "v=DMARC1; p=none; x=" + std::string(g_maxRecordLength, 'a');
  BOOST_CHECK(bis(text).status == RecordStatus::Unusable);
  std::string tags = "v=DMARC1; p=none";
  for (std::size_t i = 0; i < g_maxRecordTags; ++i) {
    tags += "; x" + std::to_string(i) + "=1";
  }
  BOOST_CHECK(bis(tags).status == RecordStatus::Unusable);
  std::string uris = "v=DMARC1; p=none; rua=";
  for (std::size_t i = 0; i < 40; ++i) {
    uris += "mailto:a" + std::to_string(i) + "@example.com,";
  }
  BOOST_CHECK_EQUAL(bis(uris).rua.size(), g_maxReportUris);
}

BOOST_AUTO_TEST_SUITE_END()
