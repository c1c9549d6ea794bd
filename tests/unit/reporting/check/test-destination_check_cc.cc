// test-destination_check_cc.cc: external report destinations are verified
// through <policy-domain>._report._dmarc.<host> (RFC 7489 §7.1; RFC 9990
// "Verifying External Destinations"), with the fake resolver.
#include <boost/test/unit_test.hpp>

#include "reporting/check/destination_check.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using Status = DestinationCheck::Status;

namespace
{
RuaUri uri(const std::string& text)
{
  auto parsed = parseRuaUri(text);
  BOOST_REQUIRE(parsed.has_value());
  return *parsed;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_destination_check_cc)

BOOST_AUTO_TEST_CASE(test_SameOrgDomain_NeedsNoLookup)
{
  test::FakeResolver dns;
  auto check = checkDestination(dns, "mail.example.com", "example.com",
                                uri("mailto:dmarc@reports.example.com"));
  BOOST_CHECK(check.status == Status::Internal);
  BOOST_CHECK(dns.queries().empty());
}

BOOST_AUTO_TEST_CASE(test_External_AuthorizedByRecord)
{
  test::FakeResolver dns;
  dns.add("example.com._report._dmarc.red.example.net", DnsType::TXT, "v=DMARC1");
  auto check = checkDestination(dns, "example.com", "example.com", uri("mailto:r@red.example.net"));
  BOOST_CHECK_MESSAGE(check.status == Status::Authorized,
                      "got " << toString(check.status) << ", want authorized");
  BOOST_CHECK_EQUAL(check.destination.address, "r@red.example.net");
}

BOOST_AUTO_TEST_CASE(test_External_WithoutRecord_NotAuthorized)
{
  test::FakeResolver dns;
  dns.add("example.com._report._dmarc.red.example.net", DnsType::TXT, "v=spf1 -all");
  dns.add("example.com._report._dmarc.red.example.net", DnsType::TXT, "x=1; v=DMARC1");
  auto check = checkDestination(dns, "example.com", "example.com", uri("mailto:r@red.example.net"));
  BOOST_CHECK(check.status == Status::NotAuthorized);
  auto none =
      checkDestination(dns, "other.example", "other.example", uri("mailto:r@red.example.net"));
  BOOST_CHECK(none.status == Status::NotAuthorized); // NXDOMAIN
}

BOOST_AUTO_TEST_CASE(test_DnsFailure_IsTemporary)
{
  test::FakeResolver dns;
  dns.fail("example.com._report._dmarc.red.example.net");
  auto check = checkDestination(dns, "example.com", "example.com", uri("mailto:r@red.example.net"));
  BOOST_CHECK(check.status == Status::TempError);
}

BOOST_AUTO_TEST_CASE(test_Rua_ReplacedOnSameHostOnly)
{
  test::FakeResolver dns;
  dns.add("a.example._report._dmarc.red.example.net", DnsType::TXT,
          "v=DMARC1; rua=mailto:other@red.example.net!5m");
  auto same = checkDestination(dns, "a.example", "a.example", uri("mailto:r@red.example.net"));
  BOOST_CHECK(same.status == Status::Authorized);
  BOOST_CHECK_EQUAL(same.destination.address, "other@red.example.net");
  BOOST_CHECK_EQUAL(same.destination.uri, "mailto:r@red.example.net"); // bookkeeping key
  BOOST_CHECK_EQUAL(same.destination.maxBytes.value_or(0), 5u << 20);

  dns.add("b.example._report._dmarc.red.example.net", DnsType::TXT,
          "v=DMARC1; rua=mailto:victim@blue.example.org");
  auto other = checkDestination(dns, "b.example", "b.example", uri("mailto:r@red.example.net"));
  BOOST_CHECK(other.status == Status::NotAuthorized); // send to neither
}

BOOST_AUTO_TEST_CASE(test_OverlongName_NotAuthorized)
{
  test::FakeResolver dns;
  std::string longDomain;
  for (int i = 0; i < 4; ++i) {
    longDomain += std::string(60, 'a' + i) + ".";
  }
  longDomain += "example";
  auto check = checkDestination(dns, longDomain, longDomain, uri("mailto:r@red.example.net"));
  BOOST_CHECK(check.status == Status::NotAuthorized);
  BOOST_CHECK(dns.queries().empty());
}

BOOST_AUTO_TEST_SUITE_END()
