// test-org_domain_cc.cc: policy record discovery and Organizational Domains
// (RFC 9989 §4.10, §4.10.1, §4.10.2 with their worked examples; RFC 7489
// §3.2 and §6.6.3 through a PublicSuffixList fake).
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "lib/core/org_domain.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
std::vector<std::string> queried(const FakeResolver& dns)
{
  std::vector<std::string> out;
  for (const auto& [name, type] : dns.queries()) {
    out.push_back(name);
  }
  return out;
}

// A two-rule PSL: "com" and "co.uk".
class TinyPsl : public PublicSuffixList
{
public:
  std::optional<std::string> registrableDomain(std::string_view domain) const override
  {
    std::string name(domain);
    for (std::string suffix : {"co.uk", "com"}) {
      if (name == suffix) {
        return std::nullopt;
      }
      if (name.ends_with("." + suffix)) {
        std::string head = name.substr(0, name.size() - suffix.size() - 1);
        auto dot = head.rfind('.');
        return (dot == std::string::npos ? head : head.substr(dot + 1)) + "." + suffix;
      }
    }
    return std::nullopt;
  }
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_org_domain_cc)

BOOST_AUTO_TEST_CASE(test_walk_EightQueriesWithSevenLabelJump)
{
  // RFC 9989 §4.10 worked example
  FakeResolver dns;
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  TreeWalk walk = finder.walk("a.b.c.d.e.f.g.h.i.j.mail.example.com");
  std::vector<std::string> want = {
      "_dmarc.a.b.c.d.e.f.g.h.i.j.mail.example.com",
      "_dmarc.g.h.i.j.mail.example.com",
      "_dmarc.h.i.j.mail.example.com",
      "_dmarc.i.j.mail.example.com",
      "_dmarc.j.mail.example.com",
      "_dmarc.mail.example.com",
      "_dmarc.example.com",
      "_dmarc.com",
  };
  BOOST_CHECK(!walk.tempError);
  BOOST_CHECK(walk.names.empty());
  auto got = queried(dns);
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(test_orgDomain_FewestLabels)
{
  // §4.10.2 rule 3, first worked example
  FakeResolver dns;
  dns.add("_dmarc.mail.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK_EQUAL(finder.organizationalDomain("a.mail.example.com").domain, "example.com");
}

BOOST_AUTO_TEST_CASE(test_orgDomain_PsdNoStopsWalk)
{
  // §4.10 step 2 and §4.10.2 rule 1, second worked example
  FakeResolver dns;
  dns.add("_dmarc.mail.example.com", DnsType::TXT, "v=DMARC1; p=reject; psd=n");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK_EQUAL(finder.organizationalDomain("a.mail.example.com").domain, "mail.example.com");
  BOOST_CHECK_EQUAL(queried(dns).back(), "_dmarc.mail.example.com");
}

BOOST_AUTO_TEST_CASE(test_orgDomain_PsdYesOneLabelBelow)
{
  // §4.10.2 rule 2, third worked example
  FakeResolver dns;
  dns.add("_dmarc.com", DnsType::TXT, "v=DMARC1; p=reject; psd=y");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK_EQUAL(finder.organizationalDomain("a.mail.example.com").domain, "example.com");
  // psd=y at the starting name itself: rule 2 does not apply
  BOOST_CHECK_EQUAL(finder.organizationalDomain("com").domain, "com");
}

BOOST_AUTO_TEST_CASE(test_orgDomain_NoRecordIsItself)
{
  // §4.10.2 rule 4
  FakeResolver dns;
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK_EQUAL(finder.organizationalDomain("x.example.org").domain, "x.example.org");
}

BOOST_AUTO_TEST_CASE(test_lookup_MultipleRecordsAreNone)
{
  // §4.10 step 2: several DMARC records at one name: none of them
  FakeResolver dns;
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  dns.add("_dmarc.example.com", DnsType::TXT, "google-site-verification=x");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK(finder.lookup("example.com").kind == DmarcLookup::Kind::Multiple);
  BOOST_CHECK(finder.discoverPolicy("example.com").kind == PolicyLocation::Kind::None);
}

BOOST_AUTO_TEST_CASE(test_lookup_NonDmarcIgnoredAndCached)
{
  FakeResolver dns;
  dns.add("_dmarc.example.com", DnsType::TXT, "google-site-verification=abc");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK(finder.lookup("example.com").kind == DmarcLookup::Kind::One);
  BOOST_CHECK(finder.lookup("EXAMPLE.com").kind == DmarcLookup::Kind::One);
  BOOST_CHECK_EQUAL(dns.queries().size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_discover_OrgDomainNotNearestAncestor)
{
  // §4.10.1 + §4.10.2: the record of the Organizational Domain, not the
  // nearest one ("policy-record-is-org-domain-not-nearest-ancestor")
  FakeResolver dns;
  dns.add("_dmarc.mail.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none; sp=none");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  PolicyLocation location = finder.discoverPolicy("x.mail.example.com");
  BOOST_CHECK(location.kind == PolicyLocation::Kind::OrgDomain);
  BOOST_CHECK_EQUAL(location.domain, "example.com");
}

BOOST_AUTO_TEST_CASE(test_discover_PsdOnlyWithoutOrgRecord)
{
  // §4.10.1 final note: a PSD record never applies to an Organizational
  // Domain that publishes its own record
  FakeResolver dns;
  dns.add("_dmarc.example", DnsType::TXT, "v=DMARC1; p=reject; psd=y");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  PolicyLocation psd = finder.discoverPolicy("shop.example");
  BOOST_CHECK(psd.kind == PolicyLocation::Kind::Psd);
  BOOST_CHECK_EQUAL(psd.domain, "example");
  dns.add("_dmarc.shop.example", DnsType::TXT, "v=DMARC1; p=none");
  OrgDomainFinder again(dns, DmarcMode::Rfc9989, nullptr);
  PolicyLocation own = again.discoverPolicy("www.shop.example");
  BOOST_CHECK(own.kind == PolicyLocation::Kind::OrgDomain);
  BOOST_CHECK_EQUAL(own.domain, "shop.example");
}

BOOST_AUTO_TEST_CASE(test_discover_FailureIsTempError)
{
  // §4.10.1: a DNS error is never "no record"
  FakeResolver dns;
  dns.fail("_dmarc.example.com");
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK(finder.discoverPolicy("example.com").kind == PolicyLocation::Kind::TempError);
  FakeResolver deep;
  deep.fail("_dmarc.com");
  OrgDomainFinder walker(deep, DmarcMode::Rfc9989, nullptr);
  BOOST_CHECK(walker.discoverPolicy("example.com").kind == PolicyLocation::Kind::TempError);
}

BOOST_AUTO_TEST_CASE(test_limits_QueryBudget)
{
  // g_maxDmarcQueries bounds the DNS work of one evaluation; over it, a
  // lookup fails (temperror), it never answers "no record"
  FakeResolver dns;
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  for (std::size_t i = 0; i < g_maxDmarcQueries; ++i) {
    finder.lookup("n" + std::to_string(i) + ".example");
  }
  BOOST_CHECK(finder.lookup("one-more.example").kind == DmarcLookup::Kind::Failure);
  BOOST_CHECK_EQUAL(dns.queries().size(), g_maxDmarcQueries);
}

BOOST_AUTO_TEST_CASE(test_rfc7489_PslDiscovery)
{
  // RFC 7489 §6.6.3: the author domain, then the PSL Organizational Domain;
  // several records end discovery
  TinyPsl psl;
  FakeResolver dns;
  dns.add("_dmarc.example.co.uk", DnsType::TXT, "v=DMARC1; p=reject");
  OrgDomainFinder finder(dns, DmarcMode::Rfc7489, &psl);
  BOOST_CHECK_EQUAL(finder.organizationalDomain("a.b.example.co.uk").domain, "example.co.uk");
  PolicyLocation location = finder.discoverPolicy("a.b.example.co.uk");
  BOOST_CHECK(location.kind == PolicyLocation::Kind::OrgDomain);
  BOOST_CHECK_EQUAL(location.domain, "example.co.uk");
  auto got = queried(dns);
  std::vector<std::string> want = {"_dmarc.a.b.example.co.uk", "_dmarc.example.co.uk"};
  BOOST_CHECK_EQUAL_COLLECTIONS(got.begin(), got.end(), want.begin(), want.end());

  FakeResolver multiple;
  multiple.add("_dmarc.x.example.com", DnsType::TXT, "v=DMARC1; p=none");
  multiple.add("_dmarc.x.example.com", DnsType::TXT, "v=DMARC1; p=none");
  multiple.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  OrgDomainFinder legacy(multiple, DmarcMode::Rfc7489, &psl);
  BOOST_CHECK(legacy.discoverPolicy("x.example.com").kind == PolicyLocation::Kind::None);
}

BOOST_AUTO_TEST_SUITE_END()
