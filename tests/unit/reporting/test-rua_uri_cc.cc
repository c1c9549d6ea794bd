// test-rua_uri_cc.cc: rua URIs (RFC 7489 §6.2, §6.4) parse into address,
// host and size limit; malformed and hostile ones are refused.
#include <boost/test/unit_test.hpp>

#include "reporting/rua_uri.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_rua_uri_cc)

BOOST_AUTO_TEST_CASE(test_Mailto_WithSizeLimit)
{
  auto uri = parseRuaUri(" mailto:DMARC@Reports.Example.NET!10m ");
  BOOST_REQUIRE(uri.has_value());
  BOOST_CHECK(uri->scheme == RuaUri::Scheme::Mailto);
  BOOST_CHECK_EQUAL(uri->address, "DMARC@reports.example.net");
  BOOST_CHECK_EQUAL(uri->host, "reports.example.net");
  BOOST_REQUIRE(uri->maxBytes.has_value());
  BOOST_CHECK_EQUAL(*uri->maxBytes, 10u * 1024 * 1024);
  BOOST_CHECK_EQUAL(*parseRuaUri("mailto:a@b.example!500")->maxBytes, 500u);
  BOOST_CHECK(!parseRuaUri("mailto:a@b.example")->maxBytes.has_value());
}

BOOST_AUTO_TEST_CASE(test_Mailto_PercentDecodedAndQueryDropped)
{
  auto uri = parseRuaUri("mailto:a%21b@example.com?subject=hi");
  BOOST_REQUIRE(uri.has_value());
  BOOST_CHECK_EQUAL(uri->address, "a!b@example.com");
}

BOOST_AUTO_TEST_CASE(test_Https_RecordedWithHost)
{
  auto uri = parseRuaUri("https://Reports.Example/dmarc?x=1");
  BOOST_REQUIRE(uri.has_value());
  BOOST_CHECK(uri->scheme == RuaUri::Scheme::Https);
  BOOST_CHECK_EQUAL(uri->host, "reports.example");
  BOOST_CHECK_EQUAL(uri->port, 443);
  BOOST_CHECK_EQUAL(uri->target, "/dmarc?x=1");
}

BOOST_AUTO_TEST_CASE(test_Https_PortTargetAndFragment)
{
  // What the POST needs: the authority's port, the origin-form target
  // (RFC 9112 §3.2.1) without the fragment, "/" for an empty path.
  auto uri = parseRuaUri("https://reports.example:8443/v1/dmarc#frag!10m");
  BOOST_REQUIRE(uri.has_value());
  BOOST_CHECK_EQUAL(uri->port, 8443);
  BOOST_CHECK_EQUAL(uri->target, "/v1/dmarc");
  BOOST_CHECK_EQUAL(*uri->maxBytes, 10u * 1024 * 1024);
  BOOST_CHECK_EQUAL(parseRuaUri("https://reports.example")->target, "/");
  BOOST_CHECK_EQUAL(parseRuaUri("https://reports.example?k=v")->target, "/?k=v");
  BOOST_CHECK(!parseRuaUri("https://reports.example:0/").has_value());
  BOOST_CHECK(!parseRuaUri("https://reports.example:65536/").has_value());
  BOOST_CHECK(!parseRuaUri("https://user@reports.example/").has_value());
}

BOOST_AUTO_TEST_CASE(test_Malformed_Refused)
{
  for (const char* bad : {"", "mailto:", "mailto:nobody", "mailto:a@b.example!10x", "mailto:a@@b",
                          "mailto:a b@example.com", "mailto:a@example.com%0d%0aBcc:x@y.example",
                          "mailto:<a@example.com>", "mailto:a,b@example.com", "mailto:a@-..example",
                          "mailto:a@example.com%", "mailto:.a@example.com", "no-scheme",
                          "https:nohost", "ftp://example.com/x", "mailto:a\"b@example.com"}) {
    BOOST_CHECK_MESSAGE(!parseRuaUri(bad).has_value(),
                        "got a parse of '" << bad << "', want refusal");
  }
  BOOST_CHECK(!parseRuaUri(std::string(2000, 'a')).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(test_rua_uri_cc_record)

BOOST_AUTO_TEST_CASE(test_RuaFromRecord_KeepsSizes)
{
  auto texts = ruaFromRecord("v=DMARC1; p=none; rua=mailto:a@x.example!10m, bad uri ;");
  BOOST_REQUIRE_EQUAL(texts.size(), 2u);
  BOOST_CHECK_EQUAL(texts[0], "mailto:a@x.example!10m");
  BOOST_CHECK_EQUAL(texts[1], "bad uri");
  auto uris =
      ruaUrisFromRecord("v=DMARC1; p=none; rua=mailto:a@x.example!10m, mailto:b@y.example ;");
  BOOST_REQUIRE_EQUAL(uris.size(), 2u);
  BOOST_CHECK_EQUAL(uris[0].uri, "mailto:a@x.example");
  BOOST_CHECK_EQUAL(uris[0].maxBytes.value_or(0), 10u << 20);
  BOOST_CHECK_EQUAL(uris[1].address, "b@y.example");
  BOOST_CHECK(ruaFromRecord("p=none; v=DMARC1; rua=mailto:a@x.example").empty());
  BOOST_CHECK(ruaUrisFromRecord("p=none; v=DMARC1; rua=mailto:a@x.example").empty());
}

BOOST_AUTO_TEST_SUITE_END()
