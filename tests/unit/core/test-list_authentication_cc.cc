// test-list_authentication_cc.cc: a List-Id counts only with the list's
// own passing DKIM signature.
#include <boost/test/unit_test.hpp>

#include "lib/core/list_authentication.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_list_authentication_cc)

namespace
{
std::vector<DkimSignatureOutcome> signedBy(const std::string& domain,
                                           DkimResult result = DkimResult::Pass)
{
  DkimSignatureOutcome signature;
  signature.result = result;
  signature.domain = domain;
  return {signature};
}

bool authenticated(const std::string& listId, const std::vector<DkimSignatureOutcome>& dkim,
                   test::FakeResolver& dns)
{
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  return isListIdAuthenticated(listId, dkim, finder);
}
} // namespace

BOOST_AUTO_TEST_CASE(test_ForgedListId_NotAuthenticated)
{
  test::FakeResolver dns;
  BOOST_CHECK(!authenticated("dev.lists.example.org", {}, dns));
  BOOST_CHECK(!authenticated("dev.lists.example.org", signedBy("evil.example"), dns));
  BOOST_CHECK(
      !authenticated("dev.lists.example.org", signedBy("lists.example.org.evil.example"), dns));
  BOOST_CHECK(!authenticated("dev.lists.example.org",
                             signedBy("lists.example.org", DkimResult::Fail), dns));
  BOOST_CHECK(!authenticated("dev.lists.example.org", signedBy("sub.dev.lists.example.org"), dns));
}

BOOST_AUTO_TEST_CASE(test_ListSignature_Authenticates)
{
  test::FakeResolver dns;
  BOOST_CHECK(authenticated("dev.lists.example.org", signedBy("dev.lists.example.org"), dns));
  BOOST_CHECK(authenticated("Dev.Lists.Example.Org.", signedBy("LISTS.example.org"), dns));
}

BOOST_AUTO_TEST_CASE(test_OrganizationalDomain_Authenticates)
{
  test::FakeResolver dns;
  BOOST_CHECK(!authenticated("dev.lists.example.org", signedBy("example.org"), dns));
  dns.add("_dmarc.example.org", DnsType::TXT, "v=DMARC1; p=none");
  BOOST_CHECK(authenticated("dev.lists.example.org", signedBy("example.org"), dns));
}

BOOST_AUTO_TEST_CASE(test_NotADomain_NotAuthenticated)
{
  test::FakeResolver dns;
  BOOST_CHECK(!authenticated("", signedBy("example.org"), dns));
  BOOST_CHECK(!authenticated("dev list@example.org", signedBy("example.org"), dns));
}

BOOST_AUTO_TEST_SUITE_END()
