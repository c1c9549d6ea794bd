// test-policy_engine_cc.cc: end-to-end decisions of evaluate(): policy
// selection (RFC 9989 §4.7, §4.10.1; RFC 7489 §6.6.4), results (§9.2, temperror
// never none), override reasons (RFC 9990 PolicyOverrideType), multi-From
// (RFC 9989 §11.5) with the CVE-2019-16378, CVE-2021-34555 and CVE-2019-20790
// regressions.
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "lib/core/policy_engine.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
struct Fixture
{
  FakeResolver dns;
  MessageFacts facts;
  EngineOptions options;
  LocalPolicy local;

  Fixture()
  {
    dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
    facts.fromHeaders = {"Alice <alice@example.com>"};
    facts.mailFrom = "bounce@evil.example";
    facts.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "evil.example", ""};
  }
  void signedBy(std::string domain, DkimResult result = DkimResult::Pass)
  {
    DkimSignatureOutcome signature;
    signature.result = result;
    signature.domain = std::move(domain);
    signature.selector = "sel";
    facts.dkim.push_back(signature);
  }
  Verdict run() { return evaluate(facts, dns, options, local); }
};

class FixedRandom : public RandomSource
{
public:
  explicit FixedRandom(unsigned value) : d_value(value) {}
  unsigned percentRoll() override { return d_value; }

private:
  unsigned d_value;
};

class UpperIdna : public IdnaConverter
{
public:
  std::optional<std::string> toALabel(std::string_view domain) const override
  {
    if (domain == "bücher.example") {
      return "xn--bcher-kva.example";
    }
    return std::nullopt;
  }
};

bool hasOverride(const Verdict& verdict, OverrideReason reason)
{
  for (const auto& o : verdict.overrides) {
    if (o.reason == reason) {
      return true;
    }
  }
  return false;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_policy_engine_cc)

BOOST_FIXTURE_TEST_CASE(test_evaluate_AlignedDkimPasses, Fixture)
{
  // RFC 9989 §4.4: one aligned DKIM pass is enough
  signedBy("example.com");
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.result == DmarcResult::Pass, "got " << toString(v.result) << ", want pass");
  BOOST_CHECK(v.dkimAligned && !v.spfAligned);
  BOOST_CHECK(v.requested == Disposition::Pass && v.applied == Disposition::Pass);
  BOOST_REQUIRE(v.policy);
  BOOST_CHECK_EQUAL(v.policy->domain, "example.com");
  BOOST_CHECK(v.discoveryMethod == DiscoveryMethod::TreeWalk);
}

BOOST_FIXTURE_TEST_CASE(test_evaluate_UnalignedFailsAndRejects, Fixture)
{
  signedBy("evil.example");
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Fail);
  BOOST_CHECK(v.requested == Disposition::Reject);
  BOOST_CHECK(v.applied == Disposition::Reject);
  BOOST_CHECK(v.effectivePolicy == Policy::Reject);
  BOOST_CHECK(v.overrides.empty());
}

BOOST_FIXTURE_TEST_CASE(test_evaluate_PolicyNoneIsNotPassDisposition, Fixture)
{
  // RFC 9990: disposition pass only under an enforcing policy
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  signedBy("example.com");
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Pass);
  BOOST_CHECK(v.applied == Disposition::None);
}

BOOST_FIXTURE_TEST_CASE(test_evaluate_NoRecordIsNone, Fixture)
{
  // RFC 9989 §4.10.1: no record, DMARC MUST NOT be applied
  dns.clear();
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::None);
  BOOST_CHECK(v.applied == Disposition::None);
  BOOST_CHECK(!v.policy);
}

BOOST_FIXTURE_TEST_CASE(test_evaluate_DnsFailureIsTemperrorNeverNone, Fixture)
{
  // RFC 9989 §4.10.1, §9.2
  dns.clear();
  dns.fail("_dmarc.example.com");
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.result == DmarcResult::Temperror,
                      "got " << toString(v.result) << ", want temperror");
  BOOST_CHECK(v.applied == Disposition::None);
  options.tempfailOnTemperror = true;
  BOOST_CHECK(run().applied == Disposition::Tempfail);
  // a failure further up the walk is a temperror too
  dns.clear();
  dns.fail("_dmarc.com");
  BOOST_CHECK(run().result == DmarcResult::Temperror);
}

// A temperror whose outcome cannot be a reject or a quarantine is not
// deferred (RFC 9989 §5.4: a p=none policy must not modify existing mail
// handling; retrying cannot change what happens to the message). The
// record says temperror all the same.
struct TemperrorFixture : Fixture
{
  TemperrorFixture()
  {
    options.tempfailOnTemperror = true;
    signedBy("example.com", DkimResult::Temperror); // aligned, key lookup failed
  }
  void publish(std::string record)
  {
    dns.clear();
    dns.add("_dmarc.example.com", DnsType::TXT, std::move(record));
  }
  // temperror, and deferred (true) or delivered (false)
  bool deferred(const char* what)
  {
    Verdict v = run();
    BOOST_CHECK_MESSAGE(v.result == DmarcResult::Temperror,
                        what << ": got " << toString(v.result) << ", want temperror");
    BOOST_CHECK_MESSAGE(v.applied == Disposition::Tempfail || v.applied == Disposition::None,
                        what << ": got " << toString(v.applied));
    BOOST_CHECK_MESSAGE(v.requested == Disposition::None,
                        what << ": requested " << toString(v.requested));
    return v.applied == Disposition::Tempfail;
  }
};

BOOST_FIXTURE_TEST_CASE(test_temperror_PolicyNoneIsDelivered, TemperrorFixture)
{
  publish("v=DMARC1; p=none");
  BOOST_CHECK_MESSAGE(!deferred("p=none"), "p=none: deferred, want delivered");
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.reason.find("not deferred") != std::string::npos, "got " << v.reason);
  publish("v=DMARC1; p=reject");
  BOOST_CHECK_MESSAGE(deferred("p=reject"), "p=reject: delivered, want deferred");
  publish("v=DMARC1; p=quarantine");
  BOOST_CHECK_MESSAGE(deferred("p=quarantine"), "p=quarantine: delivered, want deferred");
  // the same through an SPF temperror of an aligned MAIL FROM domain
  facts.dkim.clear();
  facts.mailFrom = "bounce@example.com";
  facts.spf = SpfOutcome{SpfResult::Temperror, SpfScope::Mfrom, "example.com", ""};
  publish("v=DMARC1; p=none");
  BOOST_CHECK(!deferred("spf, p=none"));
  publish("v=DMARC1; p=reject");
  BOOST_CHECK(deferred("spf, p=reject"));
  // and through an Organizational Domain walk that fails for alignment
  facts.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "mail.example.com", ""};
  facts.mailFrom = "bounce@mail.example.com";
  publish("v=DMARC1; p=none");
  dns.fail("_dmarc.mail.example.com");
  BOOST_CHECK(!deferred("walk, p=none"));
}

BOOST_FIXTURE_TEST_CASE(test_temperror_TestModeLowersBeforeDeciding, TemperrorFixture)
{
  // RFC 9989 §4.7 t=y: quarantine applied as none, reject as quarantine
  publish("v=DMARC1; p=quarantine; t=y");
  BOOST_CHECK_MESSAGE(!deferred("p=quarantine t=y"), "p=quarantine t=y: deferred");
  publish("v=DMARC1; p=reject; t=y");
  BOOST_CHECK_MESSAGE(deferred("p=reject t=y"), "p=reject t=y: delivered");
}

BOOST_FIXTURE_TEST_CASE(test_temperror_SubdomainPolicies, TemperrorFixture)
{
  // RFC 9989 §4.10.1: an inherited record applies sp, or np when the
  // author domain does not exist; a temperror defers only when the one
  // that applies could act.
  facts.fromHeaders = {"x@news.example.com"};
  facts.dkim.clear();
  signedBy("news.example.com", DkimResult::Temperror);
  publish("v=DMARC1; p=reject; sp=none");
  BOOST_CHECK_MESSAGE(!deferred("sp=none"), "sp=none: deferred");
  publish("v=DMARC1; p=none; sp=reject");
  BOOST_CHECK(deferred("sp=reject"));
  // sp=none, np=reject: it depends on whether the name exists
  publish("v=DMARC1; p=reject; sp=none; np=reject");
  dns.add("news.example.com", DnsType::A, "192.0.2.1");
  BOOST_CHECK_MESSAGE(!deferred("sp=none np=reject, existing"), "existing name: deferred");
  publish("v=DMARC1; p=reject; sp=none; np=reject");
  BOOST_CHECK_MESSAGE(deferred("sp=none np=reject, non-existent"), "non-existent name: delivered");
  // existence unknown (its lookup failed too): the stricter of the two
  dns.fail("news.example.com");
  BOOST_CHECK_MESSAGE(deferred("sp=none np=reject, existence unknown"), "unknown: delivered");
  publish("v=DMARC1; p=reject; sp=none; np=none");
  dns.fail("news.example.com");
  BOOST_CHECK_MESSAGE(!deferred("sp=none np=none"), "sp=none np=none: deferred");
  // no existence lookup when sp and np agree
  BOOST_CHECK(dns.queries().back().second == DnsType::TXT);
}

BOOST_FIXTURE_TEST_CASE(test_temperror_ExistenceLookupFailsUnderMonitoring, Fixture)
{
  // A failing message whose author's existence (for np) cannot be learnt:
  // temperror, but when neither sp nor np could act it is not deferred.
  options.tempfailOnTemperror = true;
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; sp=none; np=quarantine; t=y");
  dns.fail("ghost.example.com");
  facts.fromHeaders = {"x@ghost.example.com"};
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Temperror);
  BOOST_CHECK_MESSAGE(v.applied == Disposition::None, "got " << toString(v.applied));
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; sp=none; np=quarantine");
  dns.fail("ghost.example.com");
  BOOST_CHECK(run().applied == Disposition::Tempfail);
}

BOOST_FIXTURE_TEST_CASE(test_temperror_UnknownPolicyIsDeferred, TemperrorFixture)
{
  // The DMARC record lookup itself failed: the policy is unknown, so any
  // outcome is possible and the message is deferred ...
  dns.clear();
  dns.fail("_dmarc.example.com");
  BOOST_CHECK_MESSAGE(deferred("record lookup failed"), "unknown policy: delivered");
  dns.clear();
  dns.fail("_dmarc.com"); // ... also further up the walk
  BOOST_CHECK(deferred("walk failed"));
  // ... unless local policy would deliver any failure of this message
  local.trustedForwarder = true;
  BOOST_CHECK_MESSAGE(!deferred("trusted forwarder"), "trusted forwarder: deferred");
  local = LocalPolicy{};
  local.forcePolicy = Policy::None;
  BOOST_CHECK_MESSAGE(!deferred("forced none"), "forced none: deferred");
  local = LocalPolicy{};
  local.enforce = false;
  BOOST_CHECK(!deferred("monitor mode"));
  local = LocalPolicy{};
  local.neverReject = true; // still a quarantine
  BOOST_CHECK(deferred("never reject"));
  // and a known p=none with a forced reject is deferred
  local = LocalPolicy{};
  local.forcePolicy = Policy::Reject;
  publish("v=DMARC1; p=none");
  BOOST_CHECK_MESSAGE(deferred("p=none forced reject"), "forced reject: delivered");
}

BOOST_FIXTURE_TEST_CASE(test_temperror_SampledOutIsDelivered, TemperrorFixture)
{
  // RFC 7489 §6.6.4: a message outside the pct sample gets the policy one
  // level lower; pct=0 makes p=quarantine a monitoring policy.
  struct Psl : PublicSuffixList
  {
    std::optional<std::string> registrableDomain(std::string_view d) const override
    {
      return d == "com" ? std::nullopt : std::optional<std::string>("example.com");
    }
  } psl;
  options.mode = DmarcMode::Rfc7489;
  options.psl = &psl;
  FixedRandom roll(60);
  options.random = &roll;
  publish("v=DMARC1; p=quarantine; pct=0");
  BOOST_CHECK_MESSAGE(!deferred("pct=0"), "p=quarantine pct=0: deferred");
  publish("v=DMARC1; p=quarantine; pct=50");
  BOOST_CHECK_MESSAGE(!deferred("sampled out"), "sampled out: deferred");
  FixedRandom inSample(10);
  options.random = &inSample;
  BOOST_CHECK_MESSAGE(deferred("sampled in"), "sampled in: delivered");
  publish("v=DMARC1; p=reject; pct=0"); // reject sampled out is a quarantine
  BOOST_CHECK(deferred("p=reject pct=0"));
  // t=y is not an RFC 7489 tag
  publish("v=DMARC1; p=quarantine; t=y");
  BOOST_CHECK(deferred("rfc7489 t=y"));
}

BOOST_FIXTURE_TEST_CASE(test_temperror_MultiFromStrictestOutcome, Fixture)
{
  // RFC 9989 §11.5, the strictest outcome among author domains. A
  // temperror that could end in a reject outranks a delivered failure of
  // another author domain (it was delivered as that failure) ...
  options.tempfailOnTemperror = true;
  dns.clear();
  dns.add("_dmarc.other.example", DnsType::TXT, "v=DMARC1; p=none");
  dns.fail("_dmarc.example.com");
  facts.fromHeaders = {"a@other.example, b@example.com"};
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.applied == Disposition::Tempfail,
                      "got " << toString(v.applied) << " (" << toString(v.result) << ")");
  BOOST_CHECK_EQUAL(v.fromDomain, "example.com");
  // ... but not a known outcome at least as strict: retrying cannot change it
  dns.clear();
  dns.add("_dmarc.other.example", DnsType::TXT, "v=DMARC1; p=reject");
  dns.fail("_dmarc.example.com");
  v = run();
  BOOST_CHECK_MESSAGE(v.applied == Disposition::Reject, "got " << toString(v.applied));
  dns.clear();
  dns.add("_dmarc.other.example", DnsType::TXT, "v=DMARC1; p=quarantine");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=quarantine");
  signedBy("example.com", DkimResult::Temperror);
  v = run();
  BOOST_CHECK_MESSAGE(v.applied == Disposition::Quarantine && v.result == DmarcResult::Fail,
                      "got " << toString(v.applied) << " (" << toString(v.result) << ")");
  BOOST_CHECK_EQUAL(v.fromDomain, "other.example");
  // a temperror that cannot act changes nothing
  dns.clear();
  dns.add("_dmarc.other.example", DnsType::TXT, "v=DMARC1; p=none");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  v = run();
  BOOST_CHECK(v.applied == Disposition::None);
}

BOOST_FIXTURE_TEST_CASE(test_evaluate_UnusableRecordIsPermerror, Fixture)
{
  // RFC 9989 §4.10.1 second bullet: invalid p without rua, no DMARC
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=bogus");
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Permerror);
  BOOST_CHECK(v.applied == Disposition::None);
}

BOOST_FIXTURE_TEST_CASE(test_policySelection_SpForExistingSubdomain, Fixture)
{
  // RFC 9989 §4.10.1: an inherited record uses sp when the domain exists
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; sp=quarantine; np=none");
  facts.fromHeaders = {"x@news.example.com"};
  facts.authorDomainExists = true;
  Verdict v = run();
  BOOST_CHECK(v.policyTag == PolicyTag::Sp);
  BOOST_CHECK(v.requested == Disposition::Quarantine);
}

BOOST_FIXTURE_TEST_CASE(test_policySelection_NpForNonExistentSubdomain, Fixture)
{
  // RFC 9989 §3.2.13, §4.10.1: np for NXDOMAIN, asked only when it matters
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none; sp=quarantine; np=reject");
  facts.fromHeaders = {"x@ghost.example.com"};
  Verdict v = run();
  BOOST_CHECK(v.policyTag == PolicyTag::Np);
  BOOST_CHECK(!v.authorDomainExists);
  BOOST_CHECK(v.requested == Disposition::Reject);
  BOOST_CHECK(dns.queries().back().second == DnsType::A);
  // existence unknown because DNS failed: temperror, not a guess
  dns.fail("ghost.example.com");
  BOOST_CHECK(run().result == DmarcResult::Temperror);
}

BOOST_FIXTURE_TEST_CASE(test_policySelection_OwnRecordUsesP, Fixture)
{
  dns.add("_dmarc.news.example.com", DnsType::TXT, "v=DMARC1; p=quarantine; sp=reject");
  facts.fromHeaders = {"x@news.example.com"};
  Verdict v = run();
  BOOST_CHECK(v.policyTag == PolicyTag::P);
  BOOST_CHECK(v.requested == Disposition::Quarantine);
}

BOOST_FIXTURE_TEST_CASE(test_testMode_OneLevelLowerWithReason, Fixture)
{
  // RFC 9989 §4.7 t=y; RFC 9990 reason policy_test_mode; A-R policy.dmarc
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; t=y");
  Verdict v = run();
  BOOST_CHECK(v.requested == Disposition::Reject);
  BOOST_CHECK(v.applied == Disposition::Quarantine);
  BOOST_CHECK(v.effectivePolicy == Policy::Quarantine);
  BOOST_CHECK(hasOverride(v, OverrideReason::PolicyTestMode));
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=quarantine; t=y");
  BOOST_CHECK(run().applied == Disposition::None);
}

BOOST_FIXTURE_TEST_CASE(test_pct_SampledOutWithInjectedRandom, Fixture)
{
  // RFC 7489 §6.6.4: outside the pct sample, one level lower, sampled_out
  struct Psl : PublicSuffixList
  {
    std::optional<std::string> registrableDomain(std::string_view d) const override
    {
      return d == "com" ? std::nullopt : std::optional<std::string>("example.com");
    }
  } psl;
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; pct=30");
  options.mode = DmarcMode::Rfc7489;
  options.psl = &psl;
  FixedRandom inSample(29);
  options.random = &inSample;
  Verdict in = run();
  BOOST_CHECK(in.applied == Disposition::Reject);
  BOOST_CHECK(in.discoveryMethod == DiscoveryMethod::Psl);
  FixedRandom outOfSample(30);
  options.random = &outOfSample;
  Verdict out = run();
  BOOST_CHECK(out.applied == Disposition::Quarantine);
  BOOST_CHECK(hasOverride(out, OverrideReason::SampledOut));
  // pct is ignored in RFC 9989 mode (Appendix A.6)
  options.mode = DmarcMode::Rfc9989;
  BOOST_CHECK(run().applied == Disposition::Reject);
}

BOOST_FIXTURE_TEST_CASE(test_rfc7489_NpIsAnUnknownTag, Fixture)
{
  // RFC 7489 §6.3: unknown tags MUST be ignored. np is not an RFC 7489 tag,
  // so it neither spoils the record (permerror, or p=none with a rua) nor
  // chooses the policy for a non-existent subdomain.
  struct Psl : PublicSuffixList
  {
    std::optional<std::string> registrableDomain(std::string_view d) const override
    {
      return d == "example" || d == "com" ? std::nullopt
                                          : std::optional<std::string>("example.com");
    }
  } psl;
  options.mode = DmarcMode::Rfc7489;
  options.psl = &psl;
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; np=bogus");
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.result == DmarcResult::Fail, "got " << toString(v.result) << ", want fail");
  BOOST_CHECK(v.applied == Disposition::Reject);
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT,
          "v=DMARC1; p=reject; np=bogus; rua=mailto:d@example.com");
  v = run();
  BOOST_CHECK_MESSAGE(v.applied == Disposition::Reject,
                      "got " << toString(v.applied) << ", want reject");
  // a valid np is ignored too: sp (here p) applies to a non-existent name
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=quarantine; np=reject");
  facts.fromHeaders = {"x@ghost.example.com"};
  v = run();
  BOOST_CHECK(v.policyTag == PolicyTag::P);
  BOOST_CHECK(v.requested == Disposition::Quarantine);
  facts.authorDomainExists = false;
  BOOST_CHECK(run().policyTag == PolicyTag::P);
}

BOOST_FIXTURE_TEST_CASE(test_rfc7489_ReasonsCiteRfc7489, Fixture)
{
  // The permerror reason (logged, and in the decision trace) names the
  // text of the mode in effect.
  struct Psl : PublicSuffixList
  {
    std::optional<std::string> registrableDomain(std::string_view) const override
    {
      return "example.com";
    }
  } psl;
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject; sp=bogus");
  options.mode = DmarcMode::Rfc7489;
  options.psl = &psl;
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Permerror);
  BOOST_CHECK_MESSAGE(v.reason.find("RFC 7489") != std::string::npos &&
                          v.reason.find("RFC 9989") == std::string::npos,
                      "got " << v.reason);
  facts.fromHeaders = {"a@one.example, b@two.example"};
  options.multiFrom = MultiFromAction::Reject;
  v = run();
  BOOST_CHECK_MESSAGE(v.reason.find("RFC 7489 §6.6.1") != std::string::npos, "got " << v.reason);
  options.mode = DmarcMode::Rfc9989;
  v = run();
  BOOST_CHECK_MESSAGE(v.reason.find("RFC 9989 §11.5") != std::string::npos, "got " << v.reason);
}

BOOST_FIXTURE_TEST_CASE(test_localPolicy_EveryOverrideReason, Fixture)
{
  // RFC 9990 PolicyOverrideType: each local decision gets its own reason
  local.trustedForwarder = true;
  Verdict v = run();
  BOOST_CHECK(v.applied == Disposition::None);
  BOOST_CHECK(hasOverride(v, OverrideReason::TrustedForwarder));
  local = LocalPolicy{};
  local.mailingList = true;
  BOOST_CHECK(hasOverride(run(), OverrideReason::MailingList));
  local = LocalPolicy{};
  local.neverReject = true;
  v = run();
  BOOST_CHECK(v.applied == Disposition::Quarantine);
  BOOST_CHECK(hasOverride(v, OverrideReason::LocalPolicy));
  local = LocalPolicy{};
  local.enforce = false;
  v = run();
  BOOST_CHECK(v.applied == Disposition::None && hasOverride(v, OverrideReason::LocalPolicy));
  local = LocalPolicy{};
  local.forcePolicy = Policy::Quarantine;
  local.comment = "rule 7";
  v = run();
  BOOST_CHECK(v.applied == Disposition::Quarantine);
  BOOST_REQUIRE(!v.overrides.empty());
  BOOST_CHECK(v.overrides.back().comment.find("rule 7") != std::string::npos);
  local = LocalPolicy{};
  local.forwarded = true;
  BOOST_CHECK(hasOverride(run(), OverrideReason::Other));
  options.mode = DmarcMode::Rfc7489;
  struct Psl : PublicSuffixList
  {
    std::optional<std::string> registrableDomain(std::string_view) const override
    {
      return "example.com";
    }
  } psl;
  options.psl = &psl;
  BOOST_CHECK(hasOverride(run(), OverrideReason::Forwarded));
}

BOOST_FIXTURE_TEST_CASE(test_overrides_NoneWhenNothingChanges, Fixture)
{
  // a pass is never overridden; an exemption of a none disposition adds nothing
  signedBy("example.com");
  local.trustedForwarder = true;
  BOOST_CHECK(run().overrides.empty());
}

BOOST_FIXTURE_TEST_CASE(test_spf_HeloOnlyForNullReversePath, Fixture)
{
  // RFC 7489 §3.1.2, RFC 7208 §2.4: HELO stands in only for "<>"
  facts.mailFrom = "";
  facts.helo = "mx.example.com";
  facts.spf = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "mx.example.com", ""};
  Verdict v = run();
  BOOST_CHECK(v.result == DmarcResult::Pass && v.spfAligned);
  BOOST_CHECK(v.spf.scope == SpfScope::Helo);
}

BOOST_FIXTURE_TEST_CASE(test_spf_MailFromInAngleBrackets, Fixture)
{
  facts.mailFrom = "<bounce@Example.COM>";
  facts.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "example.com", ""};
  BOOST_CHECK(run().spfAligned);
  facts.mailFrom = "<>";
  facts.helo = "example.com";
  facts.spfHelo = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "example.com", ""};
  Verdict v = run();
  BOOST_CHECK(v.spfAligned && v.spf.scope == SpfScope::Helo);
}

BOOST_FIXTURE_TEST_CASE(test_CVE_2019_20790_HeloNeverStandsInForMailFrom, Fixture)
{
  // OpenDMARC used a passing HELO result although MAIL FROM was non-null
  facts.mailFrom = "bounce@evil.example";
  facts.helo = "example.com";
  facts.spf = SpfOutcome{SpfResult::Fail, SpfScope::Mfrom, "evil.example", ""};
  facts.spfHelo = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "example.com", ""};
  Verdict v = run();
  BOOST_CHECK(!v.spfAligned);
  BOOST_CHECK(v.result == DmarcResult::Fail);
  // nor an SPF result for another domain than the MAIL FROM domain
  facts.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "example.com", ""};
  BOOST_CHECK(run().result == DmarcResult::Fail);
}

BOOST_FIXTURE_TEST_CASE(test_CVE_2019_16378_MultiFromNoBypass, Fixture)
{
  // OpenDMARC evaluated only one From domain: a message "From: victim, me"
  // signed by the attacker's domain passed. RFC 9989 §11.5: every author
  // domain is evaluated and the strictest result applies.
  dns.add("_dmarc.evil.example", DnsType::TXT, "v=DMARC1; p=none");
  signedBy("evil.example");
  facts.fromHeaders = {"attacker@evil.example, victim@example.com"};
  Verdict v = run();
  BOOST_CHECK_MESSAGE(v.result == DmarcResult::Fail, "got " << toString(v.result) << ", want fail");
  BOOST_CHECK_EQUAL(v.fromDomain, "example.com");
  BOOST_CHECK(v.applied == Disposition::Reject);
  BOOST_CHECK_EQUAL(v.fromDomains.size(), 2U);
  // the same through two From fields
  facts.fromHeaders = {"attacker@evil.example", "victim@example.com"};
  BOOST_CHECK(run().applied == Disposition::Reject);
  // and the configured alternative: reject outright
  options.multiFrom = MultiFromAction::Reject;
  v = run();
  BOOST_CHECK(v.applied == Disposition::Reject && v.result == DmarcResult::Permerror);
  // same domain twice is one author domain
  options.multiFrom = MultiFromAction::Reject;
  facts.fromHeaders = {"a@example.com, b@EXAMPLE.com"};
  facts.dkim.clear();
  signedBy("example.com");
  BOOST_CHECK(run().result == DmarcResult::Pass);
}

BOOST_FIXTURE_TEST_CASE(test_CVE_2019_16378_AuthorLimit, Fixture)
{
  options.maxAuthorDomains = 2;
  facts.fromHeaders = {"a@one.example, b@two.example, c@three.example"};
  Verdict v = run();
  BOOST_CHECK(v.applied == Disposition::Reject);
  BOOST_CHECK(hasOverride(v, OverrideReason::LocalPolicy));
}

BOOST_FIXTURE_TEST_CASE(test_CVE_2021_34555_MalformedMultiFromNoCrash, Fixture)
{
  // OpenDMARC crashed on From fields with empty or address-less elements;
  // here they are a verdict: unusable From, rejected by default.
  for (const char* value : {",", "a,b@c.example", "<>, x@example.com", "@,@", ":;,:;", ""}) {
    facts.fromHeaders = {value};
    Verdict v = run();
    BOOST_CHECK_MESSAGE(v.applied == Disposition::Reject,
                        "input '" << value << "': got " << toString(v.applied) << ", want reject");
  }
  options.unusableFrom = FromAction::Accept;
  facts.fromHeaders = {","};
  Verdict v = run();
  BOOST_CHECK(v.applied == Disposition::None && v.result == DmarcResult::None);
  facts.fromHeaders = {};
  BOOST_CHECK(run().result == DmarcResult::None);
}

BOOST_FIXTURE_TEST_CASE(test_authorDomain_ALabelConversion, Fixture)
{
  // RFC 9989 §4.4: U-labels are converted to A-labels
  UpperIdna idna;
  dns.add("_dmarc.xn--bcher-kva.example", DnsType::TXT, "v=DMARC1; p=quarantine");
  facts.fromHeaders = {"jörg@BÜCHER.example"};
  options.idna = &idna;
  // mixed-case U-label: our fake only knows the lower-case form, so this must
  // be lower-cased ASCII-wise first and then fail in the converter
  BOOST_CHECK(run().result == DmarcResult::Permerror);
  facts.fromHeaders = {"jörg@bücher.example"};
  Verdict v = run();
  BOOST_CHECK_EQUAL(v.fromDomain, "xn--bcher-kva.example");
  BOOST_CHECK(v.requested == Disposition::Quarantine);
  options.idna = nullptr;
  BOOST_CHECK(run().result == DmarcResult::Permerror);
}

BOOST_AUTO_TEST_CASE(test_evaluate_ConcurrentCallsAreIndependent)
{
  // thread-safety: no shared state; each thread has its own resolver
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &ok] {
      Fixture f;
      if (t % 2 == 0) {
        f.signedBy("example.com");
      }
      for (int i = 0; i < 200; ++i) {
        Verdict v = f.run();
        bool want = t % 2 == 0 ? v.result == DmarcResult::Pass : v.result == DmarcResult::Fail;
        ok[t] += want ? 1 : 0;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  for (int count : ok) {
    BOOST_CHECK_EQUAL(count, 200);
  }
}

BOOST_AUTO_TEST_SUITE_END()
