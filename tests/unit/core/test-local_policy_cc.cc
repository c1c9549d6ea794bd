// test-local_policy_cc.cc: a configuration file's site policy and the facts
// of a message -> the engine's LocalPolicy and EngineOptions.
#include <boost/test/unit_test.hpp>

#include "lib/core/author_domains.hh"
#include "lib/core/local_policy.hh"
#include "milter/config.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_local_policy_cc)

namespace
{
LocalFacts facts(const char* ip, std::vector<std::string> authors = {"example.com"},
                 std::string user = "", std::string listId = "")
{
  LocalFacts result;
  result.client = IpAddress::parse(ip);
  result.authorDomains = std::move(authors);
  result.authenticatedUser = std::move(user);
  result.listId = std::move(listId);
  return result;
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Defaults_EnforceExceptLoopback)
{
  auto config = parseConfig("", "t");
  BOOST_CHECK(localPolicyFor(config->site, facts("192.0.2.1")).enforce);
  auto loopback = localPolicyFor(config->site, facts("127.0.0.1"));
  BOOST_CHECK(!loopback.enforce);
  BOOST_CHECK_EQUAL(loopback.comment, "IgnoreHosts 127.0.0.1");
  BOOST_CHECK(!localPolicyFor(config->site, facts("::1")).enforce);
  // Authenticated clients are enforced unless configured otherwise.
  BOOST_CHECK(localPolicyFor(config->site, facts("192.0.2.1", {"example.com"}, "alice")).enforce);
}

BOOST_AUTO_TEST_CASE(test_Exemptions_EachReported)
{
  auto config =
      parseConfig("IgnoreAuthenticatedClients yes\nTrustedForwarders 198.51.100.0/24\n"
                  "TrustedMailingLists lists.example.org\nIgnoreMailFrom partner.example\n",
                  "t");
  auto auth = localPolicyFor(config->site, facts("192.0.2.1", {"example.com"}, "alice"));
  BOOST_CHECK(!auth.enforce);
  BOOST_CHECK_EQUAL(auth.comment, "IgnoreAuthenticatedClients");
  auto forwarder = localPolicyFor(config->site, facts("198.51.100.9"));
  BOOST_CHECK(forwarder.enforce && forwarder.trustedForwarder);
  auto list =
      localPolicyFor(config->site, facts("192.0.2.1", {"example.com"}, "", "lists.example.org"));
  BOOST_CHECK(list.mailingList);
  BOOST_CHECK(
      !localPolicyFor(config->site, facts("192.0.2.1", {"example.com"}, "", "other.example"))
           .mailingList);
  BOOST_CHECK(!localPolicyFor(config->site, facts("192.0.2.1", {"partner.example"})).enforce);
}

// CVE-2019-16378 style: a second From domain must not buy an exemption that
// only one of the authors has.
BOOST_AUTO_TEST_CASE(test_IgnoreMailFrom_NeedsEveryAuthor)
{
  auto config = parseConfig("IgnoreMailFrom partner.example\n", "t");
  BOOST_CHECK(localPolicyFor(config->site, facts("192.0.2.1", {"partner.example", "bank.example"}))
                  .enforce);
  BOOST_CHECK(
      !localPolicyFor(config->site, facts("192.0.2.1", {"partner.example", "a.partner.example"}))
           .enforce);
  BOOST_CHECK(localPolicyFor(config->site, facts("192.0.2.1", {})).enforce);
}

BOOST_AUTO_TEST_CASE(test_DomainPolicyOverrides_StrictestOfAllAuthors)
{
  auto config = parseConfig(
      "DomainPolicyOverrides a.example:none, b.example:reject, c.example:quarantine\n", "t");
  auto single = localPolicyFor(config->site, facts("192.0.2.1", {"a.example"}));
  BOOST_REQUIRE(single.forcePolicy);
  BOOST_CHECK(*single.forcePolicy == Policy::None);
  auto both = localPolicyFor(config->site, facts("192.0.2.1", {"a.example", "c.example"}));
  BOOST_REQUIRE(both.forcePolicy);
  BOOST_CHECK(*both.forcePolicy == Policy::Quarantine);
  // One author without an override: the published policies decide.
  BOOST_CHECK(
      !localPolicyFor(config->site, facts("192.0.2.1", {"a.example", "z.example"})).forcePolicy);
}

BOOST_AUTO_TEST_CASE(test_NoClientAddress_NotEnforced)
{
  auto config = parseConfig("", "t");
  LocalFacts local;
  local.authorDomains = {"example.com"};
  auto policy = localPolicyFor(config->site, local);
  BOOST_CHECK(!policy.enforce);
  BOOST_CHECK_EQUAL(policy.comment, "no client address (local submission)");
}

BOOST_AUTO_TEST_CASE(test_MonitorMode)
{
  auto config = parseConfig("RejectFailures false\n", "t");
  auto local = localPolicyFor(config->site, facts("192.0.2.1"));
  BOOST_CHECK(!local.enforce);
  BOOST_CHECK_EQUAL(local.comment, "RejectFailures false");
}

BOOST_AUTO_TEST_CASE(test_EngineOptions_FromConfig)
{
  auto config = parseConfig("DMARCStandard rfc7489\nRejectMultiValueFrom yes\nMaxAuthorDomains 2\n"
                            "UnusableFromAction accept\nTemperrorAction accept\n",
                            "t");
  const auto& options = config->site.engine;
  BOOST_CHECK(options.mode == DmarcMode::Rfc7489);
  BOOST_CHECK(options.multiFrom == MultiFromAction::Reject);
  BOOST_CHECK_EQUAL(options.maxAuthorDomains, 2u);
  BOOST_CHECK(options.unusableFrom == FromAction::Accept);
  BOOST_CHECK(!options.tempfailOnTemperror);
  auto defaults = parseConfig("", "t")->site.engine;
  BOOST_CHECK(defaults.mode == DmarcMode::Rfc9989);
  BOOST_CHECK(defaults.unusableFrom == FromAction::Reject);
  BOOST_CHECK(defaults.tempfailOnTemperror);
}

BOOST_AUTO_TEST_CASE(test_AuthorDomains_FromFieldValues)
{
  auto authors = collectAuthorDomains(
      {" Alice <alice@Example.COM>", " b@example.org, c@example.com"}, nullptr);
  BOOST_CHECK(!authors.unusable && !authors.absent);
  BOOST_REQUIRE_EQUAL(authors.domains.size(), 2u);
  BOOST_CHECK_EQUAL(authors.domains[0], "example.com");
  BOOST_CHECK_EQUAL(authors.domains[1], "example.org");
  // A field that gives no usable domain makes the whole set unusable, so
  // that no exemption is keyed on the part that parsed.
  BOOST_CHECK(collectAuthorDomains({" a@example.com", " broken <<"}, nullptr).unusable);
  BOOST_CHECK(collectAuthorDomains({" x@[192.0.2.1]"}, nullptr).unusable);
  BOOST_CHECK(collectAuthorDomains({}, nullptr).absent);
}

BOOST_AUTO_TEST_SUITE_END()
