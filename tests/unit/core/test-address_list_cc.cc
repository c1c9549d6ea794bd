// test-address_list_cc.cc: IP address parsing and CIDR membership
// (IgnoreHosts, TrustedForwarders).
#include <cstdio>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "milter/address_source.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_address_list_cc)

namespace
{
bool listContains(const std::vector<std::string>& words, std::string_view address)
{
  auto ip = IpAddress::parse(address);
  BOOST_REQUIRE_MESSAGE(ip, "got no parse of " << address << ", want an address");
  return readAddressList(words).contains(*ip);
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Parse_AcceptsBothFamiliesAndMtaForms)
{
  BOOST_CHECK(IpAddress::parse("192.0.2.1"));
  BOOST_CHECK(IpAddress::parse("2001:db8::1"));
  BOOST_CHECK(IpAddress::parse("[2001:db8::1]"));
  BOOST_CHECK(IpAddress::parse("IPv6:2001:db8::1"));
  BOOST_CHECK(!IpAddress::parse("example.com"));
  BOOST_CHECK(!IpAddress::parse(""));
  BOOST_CHECK(!IpAddress::parse("192.0.2.256"));
  auto mapped = IpAddress::parse("::ffff:192.0.2.7");
  BOOST_REQUIRE(mapped);
  BOOST_CHECK_MESSAGE(!mapped->v6, "got IPv6 for a mapped address, want IPv4");
  BOOST_CHECK_EQUAL(mapped->toString(), "192.0.2.7");
}

BOOST_AUTO_TEST_CASE(test_Contains_Ipv4Cidr)
{
  BOOST_CHECK(listContains({"10.0.0.0/8"}, "10.200.3.4"));
  BOOST_CHECK(!listContains({"10.0.0.0/8"}, "11.0.0.1"));
  BOOST_CHECK(listContains({"192.0.2.128/25"}, "192.0.2.200"));
  BOOST_CHECK(!listContains({"192.0.2.128/25"}, "192.0.2.127"));
  BOOST_CHECK(listContains({"0.0.0.0/0"}, "203.0.113.9"));
  BOOST_CHECK(listContains({"127.0.0.1"}, "127.0.0.1"));
  BOOST_CHECK(!listContains({"127.0.0.1"}, "127.0.0.2"));
}

BOOST_AUTO_TEST_CASE(test_Contains_Ipv6CidrAndFamiliesDoNotMix)
{
  BOOST_CHECK(listContains({"2001:db8::/32"}, "2001:db8:ffff::1"));
  BOOST_CHECK(!listContains({"2001:db8::/32"}, "2001:db9::1"));
  BOOST_CHECK(listContains({"::1"}, "::1"));
  BOOST_CHECK(!listContains({"::/0"}, "192.0.2.1"));
  BOOST_CHECK(!listContains({"0.0.0.0/0"}, "2001:db8::1"));
  // An IPv4 rule matches an IPv4 client seen through an IPv6 socket.
  BOOST_CHECK(listContains({"192.0.2.0/24"}, "::ffff:192.0.2.55"));
  BOOST_CHECK(listContains({"::ffff:192.0.2.0/120"}, "192.0.2.55"));
}

BOOST_AUTO_TEST_CASE(test_Parse_RejectsBadEntries)
{
  for (const char* bad : {"10.0.0.0/33", "2001:db8::/129", "10.1.2.3/8", "10.0.0.0/", "10.0.0.0/x",
                          "nonsense", "::ffff:1.2.3.0/64"}) {
    BOOST_CHECK_THROW(readAddressList({bad}), ConfigError);
  }
}

BOOST_AUTO_TEST_CASE(test_Parse_FileWithComments)
{
  TempDirectory dir;
  std::string path = dir.path() + "/trusted-relays";
  {
    std::ofstream out(path);
    out << "# trusted relays\n192.0.2.0/24   # lab\n\n2001:db8::/48\n";
  }
  auto list = readAddressList({path});
  BOOST_CHECK_EQUAL(list.size(), 2u);
  BOOST_CHECK(list.contains(*IpAddress::parse("192.0.2.9")));
  BOOST_CHECK(list.contains(*IpAddress::parse("2001:db8:0:1::1")));
  {
    std::ofstream out(path);
    out << "192.0.2.0/24\nbogus\n";
  }
  try {
    readAddressList({path});
    BOOST_ERROR("got no error for a bad file entry, want ConfigError");
  } catch (const ConfigError& error) {
    std::string text = error.what();
    BOOST_CHECK_MESSAGE(text.find(path + ":2:") != std::string::npos,
                        "got \"" << text << "\", want the file and line 2");
  }
  BOOST_CHECK_THROW(readAddressList({"/nonexistent/list"}), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_FromSockaddr_BothFamilies)
{
  sockaddr_in in4{};
  in4.sin_family = AF_INET;
  in4.sin_addr.s_addr = htonl(0xC0000201); // 192.0.2.1
  auto a = ipAddressOf(reinterpret_cast<sockaddr*>(&in4));
  BOOST_REQUIRE(a);
  BOOST_CHECK_EQUAL(a->toString(), "192.0.2.1");
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  in6.sin6_addr.s6_addr[15] = 1;
  auto b = ipAddressOf(reinterpret_cast<sockaddr*>(&in6));
  BOOST_REQUIRE(b);
  BOOST_CHECK_EQUAL(b->toString(), "::1");
  BOOST_CHECK(!ipAddressOf(nullptr));
}

BOOST_AUTO_TEST_SUITE_END()
