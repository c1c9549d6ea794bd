// test-listen_address_cc.cc: a bare port is loopback; addresses only as
// written; IPv6 in brackets; names and bad ports refused.
#include <boost/test/unit_test.hpp>

#include "lib/core/listen_address.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_listen_address_cc)

BOOST_AUTO_TEST_CASE(test_Parse_Forms)
{
  std::string error;
  auto port = parseListenAddress("9464", error);
  BOOST_REQUIRE(port);
  BOOST_CHECK_EQUAL(port->toString(), "127.0.0.1:9464");
  BOOST_CHECK(port->loopback());
  auto v4 = parseListenAddress("192.0.2.1:80", error);
  BOOST_REQUIRE(v4);
  BOOST_CHECK_EQUAL(v4->toString(), "192.0.2.1:80");
  BOOST_CHECK(!v4->loopback());
  auto v6 = parseListenAddress("[::1]:9464", error);
  BOOST_REQUIRE(v6);
  BOOST_CHECK_EQUAL(v6->toString(), "[::1]:9464");
  BOOST_CHECK(v6->loopback());
  auto any = parseListenAddress("[::]:9464", error);
  BOOST_REQUIRE(any);
  BOOST_CHECK(!any->loopback());
  BOOST_CHECK(parseListenAddress("127.1.2.3:1", error)->loopback());
}

BOOST_AUTO_TEST_CASE(test_Parse_Refused)
{
  for (const char* bad : {"", "0", "65536", "x", "localhost:9464", "::1:9464",
                          "1.2.3.4:", "1.2.3.4:12a", "[::1]", "-1"}) {
    std::string error;
    BOOST_CHECK_MESSAGE(!parseListenAddress(bad, error), bad);
    BOOST_CHECK_MESSAGE(!error.empty(), bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
