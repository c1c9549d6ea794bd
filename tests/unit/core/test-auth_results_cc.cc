// test-auth_results_cc.cc: Authentication-Results composing and parsing
// (RFC 8601 §2.2, §2.7, §5; RFC 9989 §9.1 policy.dmarc; RFC 6008 header.b)
// and the CVE-2020-12272 regression.
#include <boost/test/unit_test.hpp>

#include "lib/core/auth_results.hh"

using namespace dmarc;

namespace
{
Verdict dmarcOnly(DmarcResult result, std::string from)
{
  Verdict v;
  v.result = result;
  v.fromDomain = std::move(from);
  return v;
}

std::string dmarcField(const Verdict& v)
{
  // the vectors show the unfolded field
  AuthResultsFormat unfolded;
  unfolded.width = 1000;
  AuthResultsBuilder builder("mx.example.net");
  builder.addDmarc(v);
  return builder.field(unfolded);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_auth_results_cc)

BOOST_AUTO_TEST_CASE(test_compose_DmarcVectors)
{
  // dmarcbis-vectors.yaml authentication_results
  BOOST_CHECK_EQUAL(dmarcField(dmarcOnly(DmarcResult::Pass, "example.com")),
                    "Authentication-Results: mx.example.net; dmarc=pass header.from=example.com");
  Verdict fail = dmarcOnly(DmarcResult::Fail, "example.com");
  fail.effectivePolicy = Policy::Reject;
  BOOST_CHECK_EQUAL(dmarcField(fail), "Authentication-Results: mx.example.net; dmarc=fail "
                                      "policy.dmarc=reject header.from=example.com");
  fail.effectivePolicy = Policy::Quarantine; // p=reject; t=y
  BOOST_CHECK_EQUAL(dmarcField(fail), "Authentication-Results: mx.example.net; dmarc=fail "
                                      "policy.dmarc=quarantine header.from=example.com");
  BOOST_CHECK_EQUAL(dmarcField(dmarcOnly(DmarcResult::None, "example.org")),
                    "Authentication-Results: mx.example.net; dmarc=none header.from=example.org");
  BOOST_CHECK_EQUAL(
      dmarcField(dmarcOnly(DmarcResult::Temperror, "example.com")),
      "Authentication-Results: mx.example.net; dmarc=temperror header.from=example.com");
  BOOST_CHECK_EQUAL(AuthResultsBuilder("mx.example.net").field(),
                    "Authentication-Results: mx.example.net; none");
}

// A failure let through by a local rule says which rule, in a comment, and
// stays a valid field.
BOOST_AUTO_TEST_CASE(test_compose_LocalOverrideInComment)
{
  Verdict fail = dmarcOnly(DmarcResult::Fail, "example.com");
  fail.effectivePolicy = Policy::Reject;
  fail.applied = Disposition::None;
  fail.overrides.push_back(Override{OverrideReason::TrustedForwarder, "trusted forwarder"});
  fail.overrides.push_back(Override{OverrideReason::LocalPolicy, "monitor mode"});
  auto field = dmarcField(fail);
  BOOST_CHECK_EQUAL(field, "Authentication-Results: mx.example.net; dmarc=fail (dis=none "
                           "override=trusted_forwarder,local_policy) policy.dmarc=reject "
                           "header.from=example.com");
  auto parsed = parseAuthResults(field.substr(field.find(':') + 1));
  BOOST_REQUIRE_MESSAGE(parsed, "got no parse of " << field << ", want a valid field");
  BOOST_REQUIRE_EQUAL(parsed->results.size(), 1u);
  BOOST_CHECK_EQUAL(parsed->results[0].result, "fail");
  BOOST_CHECK_EQUAL(parsed->results[0].properties.size(), 2u);
  // t=y is no local rule: policy.dmarc already shows it.
  Verdict testing = dmarcOnly(DmarcResult::Fail, "example.com");
  testing.effectivePolicy = Policy::Quarantine;
  testing.applied = Disposition::Quarantine;
  testing.overrides.push_back(Override{OverrideReason::PolicyTestMode, "t=y"});
  BOOST_CHECK_EQUAL(dmarcField(testing), "Authentication-Results: mx.example.net; dmarc=fail "
                                         "policy.dmarc=quarantine header.from=example.com");
}

BOOST_AUTO_TEST_CASE(test_compose_FoldsAt78Columns)
{
  // RFC 5322 §2.1.1: lines SHOULD be at most 78 characters; fold with a TAB
  Verdict fail = dmarcOnly(DmarcResult::Temperror, "example.com");
  AuthResultsBuilder builder("mx.example.net");
  builder.addDmarc(fail);
  BOOST_CHECK_EQUAL(builder.field(), "Authentication-Results: mx.example.net; dmarc=temperror\r\n"
                                     "\theader.from=example.com");
  AuthResultsFormat milter;
  milter.newline = "\n";
  BOOST_CHECK_EQUAL(builder.value(milter),
                    "mx.example.net; dmarc=temperror\n\theader.from=example.com");
}

BOOST_AUTO_TEST_CASE(test_compose_SpfDkimDmarc)
{
  // RFC 8601 §2.7.1, §2.7.2; SPECS.md §7 first example
  Verdict v = dmarcOnly(DmarcResult::Pass, "example.com");
  v.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "example.com", ""};
  DkimSignatureOutcome sig;
  sig.result = DkimResult::Pass;
  sig.domain = "example.com";
  sig.selector = "sel";
  v.dkim.push_back(sig);
  AuthResultsFormat wide;
  wide.width = 1000;
  BOOST_CHECK_EQUAL(composeAuthResults("mx.example.net", v, wide),
                    "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.com; "
                    "dkim=pass header.d=example.com header.s=sel; dmarc=pass "
                    "header.from=example.com");
  v.spf.scope = SpfScope::Helo;
  v.dkim.clear();
  std::string helo = composeAuthResults("mx.example.net", v, wide);
  BOOST_CHECK(helo.find("spf=pass smtp.helo=example.com; dkim=none;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_compose_QuotingAndFolding)
{
  // header.b holds base64 ('/', '+', '='): a quoted-string; hostile values
  // cannot inject ';' or line breaks
  Verdict v = dmarcOnly(DmarcResult::Fail, "example.com");
  DkimSignatureOutcome sig;
  sig.result = DkimResult::Fail;
  sig.domain = "evil.example; dmarc=pass";
  sig.selector = "s\r\nX-Injected: 1";
  sig.bPrefix = "ab/cd+ef==more";
  v.dkim.push_back(sig);
  std::string field = composeAuthResults("mx.example.net", v);
  BOOST_CHECK(field.find("header.b=\"ab/cd+ef\"") != std::string::npos);
  BOOST_CHECK(field.find("header.d=\"evil.example; dmarc=pass\"") != std::string::npos);
  BOOST_CHECK(field.find("X-Injected") == std::string::npos ||
              field.find("\r\nX-Injected") == std::string::npos);
  // every line fits in 78 columns and continuation lines start with a TAB
  std::size_t start = 0;
  while (start < field.size()) {
    std::size_t end = field.find("\r\n", start);
    std::string line = field.substr(start, end == std::string::npos ? end : end - start);
    BOOST_CHECK_MESSAGE(line.size() <= 78, "line of " << line.size() << ": " << line);
    if (start != 0) {
      BOOST_CHECK(line.front() == '\t');
    }
    start = end == std::string::npos ? field.size() : end + 2;
  }
  auto parsed = parseAuthResults(std::string_view(field).substr(24));
  BOOST_REQUIRE(parsed);
  BOOST_REQUIRE_EQUAL(parsed->results.size(), 3U);
  BOOST_CHECK_EQUAL(parsed->results[1].properties[0].value, "evil.example; dmarc=pass");
  BOOST_CHECK_EQUAL(parsed->results[2].method, "dmarc");
  BOOST_CHECK_EQUAL(parsed->results[2].result, "fail");
}

BOOST_AUTO_TEST_CASE(test_parse_Rfc8601Examples)
{
  // RFC 8601 Appendix B examples (shapes)
  auto none = parseAuthResults("example.org 1; none");
  BOOST_REQUIRE(none);
  BOOST_CHECK(none->noResult);
  BOOST_CHECK_EQUAL(none->version, "1");
  auto full =
      parseAuthResults("example.com;\r\n\t spf=pass smtp.mailfrom=example.net\r\n (comment);\r\n"
                       " dkim/1=pass reason=\"good signature\" header.i=@mail-router.example.net;"
                       " dkim=fail header.i=@newyork.example.com");
  BOOST_REQUIRE(full);
  BOOST_REQUIRE_EQUAL(full->results.size(), 3U);
  BOOST_CHECK_EQUAL(full->results[1].version, "1");
  BOOST_CHECK_EQUAL(full->results[1].reason, "good signature");
  BOOST_CHECK_EQUAL(full->results[1].properties[0].value, "@mail-router.example.net");
  BOOST_CHECK(!parseAuthResults("example.com"));
  BOOST_CHECK(!parseAuthResults("example.com; spf"));
  BOOST_CHECK(!parseAuthResults("; spf=pass"));
}

BOOST_AUTO_TEST_CASE(test_parseAuthservId_CommentsAndQuotes)
{
  BOOST_CHECK_EQUAL(*parseAuthservId("  (c) mx.example.net; none"), "mx.example.net");
  BOOST_CHECK_EQUAL(*parseAuthservId("\"mx.example.net\"; none"), "mx.example.net");
  BOOST_CHECK(!parseAuthservId("   "));
  BOOST_CHECK(!parseAuthservId("(unterminated mx.example.net"));
}

BOOST_AUTO_TEST_CASE(test_CVE_2020_12272_ForgedResultsAreFoundAndNotBelieved)
{
  // OpenDMARC misparsed "example.net(.example.com" and credited the wrong
  // domain. Our parser drops comments properly, and every field claiming our
  // authserv-id is recognised (RFC 8601 §5) whatever its disguise.
  auto parsed =
      parseAuthResults("attacker.example; spf=pass smtp.mailfrom=example.net(.example.com)");
  BOOST_REQUIRE(parsed);
  BOOST_CHECK_EQUAL(parsed->results[0].properties[0].value, "example.net");
  BOOST_CHECK(
      !parseAuthResults("attacker.example; spf=pass smtp.mailfrom=example.net(.example.com"));

  const std::string ours = "mx.example.net";
  BOOST_CHECK(claimsAuthservId("mx.example.net; dmarc=pass header.from=bank.example", ours));
  BOOST_CHECK(claimsAuthservId("MX.Example.NET; dmarc=pass", ours));
  BOOST_CHECK(claimsAuthservId("\"mx.example.net\"; dmarc=pass", ours));
  BOOST_CHECK(claimsAuthservId("(forged)\r\n\tmx.example.net 1; dmarc=pass", ours));
  // unparseable: a reader might still attribute it to us, so it counts
  BOOST_CHECK(claimsAuthservId("(x mx.example.net; dmarc=pass", ours));
  // someone else's well-formed field stays
  BOOST_CHECK(!claimsAuthservId("other.example; dmarc=pass header.from=mx.example.net", ours));
  BOOST_CHECK(!claimsAuthservId("mx.example.net.evil.example; dmarc=pass", ours));
}

BOOST_AUTO_TEST_CASE(test_limits_BoundedInput)
{
  std::string deep = "mx.example.net; spf=pass " + std::string(40, '(') + std::string(40, ')');
  BOOST_CHECK(!parseAuthResults(deep));
  std::string many = "mx.example.net";
  for (int i = 0; i < 70; ++i) {
    many += "; spf=pass";
  }
  BOOST_CHECK(!parseAuthResults(many));
  BOOST_CHECK(!parseAuthResults(std::string(10000, 'a') + "; none"));
}

BOOST_AUTO_TEST_CASE(test_ArcClause_SealersInACommentNothingEscapes)
{
  AuthResultsBuilder builder("mx.example.net");
  ArcClause arc;
  arc.result = "pass";
  arc.oldestPass = 0;
  arc.remoteIp = "192.0.2.1";
  arc.sealers = {"a.example", "b.example) dmarc=pass (x\\", "c.example\r\nX-Injected: 1"};
  builder.addArc(arc);
  std::string value = builder.value();
  BOOST_CHECK_EQUAL(value, "mx.example.net; arc=pass (as[1].d=a.example\r\n"
                           "\tas[2].d=b.example dmarc=pass x as[3].d=c.exampleX-Injected: 1)\r\n"
                           "\theader.oldest-pass=0 smtp.remote-ip=192.0.2.1");
  auto parsed = parseAuthResults(value);
  BOOST_REQUIRE(parsed);
  BOOST_REQUIRE_EQUAL(parsed->results.size(), 1u);
  BOOST_CHECK_EQUAL(parsed->results[0].method, "arc");
  BOOST_CHECK_EQUAL(parsed->results[0].properties.size(), 2u);
}

BOOST_AUTO_TEST_SUITE_END()
