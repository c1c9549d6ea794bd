// test-source_names_cc.cc: reverse names of both families, and a PTR name
// that counts only when it leads back to the address.
#include <boost/test/unit_test.hpp>

#include "reporting/overview/source_names.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
class LastTwoLabels : public PublicSuffixList
{
public:
  std::optional<std::string> registrableDomain(std::string_view domain) const override
  {
    const auto last = domain.rfind('.');
    if (last == std::string_view::npos || last == 0) {
      return std::nullopt;
    }
    const auto before = domain.rfind('.', last - 1);
    return std::string(before == std::string_view::npos ? domain : domain.substr(before + 1));
  }
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_source_names_cc)

BOOST_AUTO_TEST_CASE(test_ReverseDnsName_BothFamilies)
{
  BOOST_CHECK_EQUAL(reverseDnsName("192.0.2.1"), "1.2.0.192.in-addr.arpa");
  BOOST_CHECK_EQUAL(reverseDnsName("2001:db8::1"),
                    "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  BOOST_CHECK_EQUAL(reverseDnsName("not an address"), "");
  BOOST_CHECK_EQUAL(reverseDnsName("192.0.2.1; DROP"), "");
}

BOOST_AUTO_TEST_CASE(test_LookUp_ConfirmedNameGivesOrganisation)
{
  test::FakeResolver dns;
  const LastTwoLabels psl;
  dns.add("1.2.0.192.in-addr.arpa", DnsType::PTR, "Mail-1.Sender.example");
  dns.add("mail-1.sender.example", DnsType::A, "192.0.2.1");
  const SourceName name = lookUpSourceName(dns, psl, "192.0.2.1");
  BOOST_CHECK_EQUAL(name.ptrName, "mail-1.sender.example");
  BOOST_CHECK(name.confirmed);
  BOOST_CHECK_EQUAL(name.organisation, "sender.example");
  BOOST_CHECK_EQUAL(sourceLabel("192.0.2.1", name), "sender.example");
}

BOOST_AUTO_TEST_CASE(test_LookUp_UnconfirmedNameStaysAnAddress)
{
  test::FakeResolver dns;
  const LastTwoLabels psl;
  // The reverse zone's owner claims a big provider's name; the provider's
  // zone does not agree.
  dns.add("7.100.51.198.in-addr.arpa", DnsType::PTR, "mail.bigprovider.example");
  dns.add("mail.bigprovider.example", DnsType::A, "203.0.113.5");
  const SourceName name = lookUpSourceName(dns, psl, "198.51.100.7");
  BOOST_CHECK(!name.confirmed);
  BOOST_CHECK_EQUAL(name.ptrName, "mail.bigprovider.example");
  BOOST_CHECK_EQUAL(sourceLabel("198.51.100.7", name), "198.51.100.7");
  // A PTR name with markup in it is no name at all.
  dns.add("8.100.51.198.in-addr.arpa", DnsType::PTR, "<script>.example");
  BOOST_CHECK_EQUAL(lookUpSourceName(dns, psl, "198.51.100.8").ptrName, "");
}

BOOST_AUTO_TEST_CASE(test_LookUp_FailureIsNotAnAnswer)
{
  test::FakeResolver dns;
  const LastTwoLabels psl;
  dns.fail("1.2.0.192.in-addr.arpa");
  BOOST_CHECK(lookUpSourceName(dns, psl, "192.0.2.1").failed);
  // NXDOMAIN is an answer: no name.
  const SourceName none = lookUpSourceName(dns, psl, "192.0.2.2");
  BOOST_CHECK(!none.failed);
  BOOST_CHECK_EQUAL(none.ptrName, "");
  dns.add("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa", DnsType::PTR,
          "v6.sender.example");
  dns.add("v6.sender.example", DnsType::AAAA, "2001:DB8::1");
  BOOST_CHECK(lookUpSourceName(dns, psl, "2001:db8::1").confirmed);
}

BOOST_AUTO_TEST_SUITE_END()
