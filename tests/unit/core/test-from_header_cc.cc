// test-from_header_cc.cc: the RFC 5322 From parser (RFC 5322 §3.4, §3.6.2,
// §4.4; RFC 2047 encoded words; RFC 6532 UTF-8), and the parser side of the
// multi-From regressions CVE-2019-16378 and CVE-2021-34555.
#include <string>

#include <boost/test/unit_test.hpp>

#include "lib/core/from_header.hh"

using namespace dmarc;

namespace
{
std::string domains(const FromParseResult& result)
{
  std::string out;
  for (const auto& address : result.addresses) {
    out += out.empty() ? "" : ",";
    out += address.domain;
  }
  return out;
}

void checkDomains(std::string_view value, std::string_view want)
{
  FromParseResult result = parseFromHeader(value);
  BOOST_TEST_INFO("input: " << value << " error: " << result.error);
  BOOST_CHECK_MESSAGE(result.status == FromParseStatus::Ok,
                      "got " << toString(result.status) << ", want ok");
  BOOST_CHECK_MESSAGE(domains(result) == want, "got " << domains(result) << ", want " << want);
}

void checkStatus(std::string_view value, FromParseStatus want)
{
  FromParseResult result = parseFromHeader(value);
  BOOST_CHECK_MESSAGE(result.status == want, "input: " << value << " got "
                                                       << toString(result.status) << ", want "
                                                       << toString(want));
  if (want != FromParseStatus::Ok) {
    BOOST_CHECK(result.addresses.empty());
  }
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_from_header_cc)

BOOST_AUTO_TEST_CASE(test_parse_AddrSpecAndNameAddr)
{
  // RFC 5322 §3.4 mailbox = name-addr / addr-spec
  checkDomains("john@example.com", "example.com");
  checkDomains("John Doe <john@Example.COM>", "example.com");
  checkDomains("  <john@example.com>  ", "example.com");
  FromParseResult result = parseFromHeader("John Q. Public <jqp@example.com>");
  BOOST_REQUIRE_EQUAL(result.addresses.size(), 1U);
  BOOST_CHECK_EQUAL(result.addresses[0].displayName, "John Q. Public");
  BOOST_CHECK_EQUAL(result.addresses[0].localPart, "jqp");
}

BOOST_AUTO_TEST_CASE(test_parse_QuotedStringsWithSpecials)
{
  // RFC 5322 §3.2.4: commas, '<' and '@' inside a quoted display name are text
  checkDomains("\"Doe, John\" <john@example.com>", "example.com");
  checkDomains("\"admin@bank.example <x@bank.example>\" <a@evil.example>", "evil.example");
  checkDomains("\"quoted\\\"escape\" <a@example.com>", "example.com");
  checkDomains("\"weird local\"@example.com", "example.com");
}

BOOST_AUTO_TEST_CASE(test_parse_CommentsAnywhere)
{
  // RFC 5322 §3.2.2 CFWS, §A.5 example
  checkDomains("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "silly.test");
  checkDomains("(c1 (nested)) john@(c2)example.com (trailing)", "example.com");
  checkStatus("john@example.com (unterminated", FromParseStatus::Malformed);
}

BOOST_AUTO_TEST_CASE(test_parse_Groups)
{
  // RFC 5322 §3.4 group = display-name ":" [group-list] ";"
  checkDomains("Team: a@x.example, b@y.example;", "x.example,y.example");
  checkStatus("undisclosed-recipients:;", FromParseStatus::NoAddress);
  checkStatus("Team: a@x.example", FromParseStatus::Malformed);
  checkStatus("A: B: c@d.example;;", FromParseStatus::Malformed);
}

BOOST_AUTO_TEST_CASE(test_parse_ObsoleteSyntax)
{
  // RFC 5322 §4.4: obs-mbox-list empty elements, obs-route, CFWS in addr-spec
  checkDomains(", , john@example.com,", "example.com");
  checkDomains("<@relay.example,@r2.example:john@example.com>", "example.com");
  checkDomains("john . doe @ example . com", "example.com");
  checkDomains("John Q. Public <john@example.com>", "example.com");
}

BOOST_AUTO_TEST_CASE(test_parse_Folding)
{
  // RFC 5322 §2.2.3 unfolding: CRLF (or LF) followed by WSP
  checkDomains("John\r\n Doe\n\t<john@example.com>", "example.com");
  checkDomains("john@example.com\r\n", "example.com");
  checkStatus("john@example.com\r\nBcc: x@y.example", FromParseStatus::Malformed);
  checkStatus("john@exa\rmple.com", FromParseStatus::Malformed);
}

BOOST_AUTO_TEST_CASE(test_parse_EncodedWordsAreOpaque)
{
  // RFC 2047 §5: an encoded word in a phrase is one word; its content never
  // splits the address list.
  checkDomains("=?utf-8?Q?evil@attacker.example,_x?= <john@example.com>", "example.com");
  checkDomains("=?iso-8859-1?B?SsO2cmc=?= <joerg@example.de>", "example.de");
  checkStatus("=?utf-8?Q?a?=@example.com", FromParseStatus::Malformed);
}

BOOST_AUTO_TEST_CASE(test_parse_Utf8AndLiterals)
{
  // RFC 6532: UTF-8 in local part and domain, kept for IDNA conversion
  checkDomains("jörg@bücher.example", "bücher.example");
  FromParseResult literal = parseFromHeader("john@[192.0.2.1]");
  BOOST_REQUIRE(literal.status == FromParseStatus::Ok);
  BOOST_CHECK(literal.addresses[0].domainLiteral);
}

BOOST_AUTO_TEST_CASE(test_parse_GarbageIsMalformed)
{
  checkStatus("john@example.com garbage", FromParseStatus::Malformed);
  checkStatus("\"unterminated <a@b.example>", FromParseStatus::Malformed);
  checkStatus("john@", FromParseStatus::Malformed);
  checkStatus("@example.com", FromParseStatus::Malformed);
  checkStatus("<>", FromParseStatus::Malformed);
  checkStatus("john@example.com.", FromParseStatus::Malformed);
  checkStatus("john", FromParseStatus::Malformed);
  checkStatus(std::string("a@b\0c.example", 13), FromParseStatus::Malformed);
  checkStatus("", FromParseStatus::NoAddress);
}

BOOST_AUTO_TEST_CASE(test_parse_UnquotedAtInDisplayNameTolerated)
{
  // broken mailers: the angle address is the author, the leniency is counted
  FromParseResult result = parseFromHeader("a@b.example <c@d.example>");
  BOOST_REQUIRE(result.status == FromParseStatus::Ok);
  BOOST_CHECK_EQUAL(domains(result), "d.example");
  BOOST_CHECK_EQUAL(result.warnings, 1U);
}

BOOST_AUTO_TEST_CASE(test_limits_LengthAddressesDepth)
{
  FromParseLimits limits;
  checkStatus(std::string(limits.maxLength + 1, 'a'), FromParseStatus::TooLong);
  std::string many;
  for (std::size_t i = 0; i <= limits.maxAddresses; ++i) {
    many += "a" + std::to_string(i) + "@example.com,";
  }
  checkStatus(many, FromParseStatus::TooManyAddresses);
  checkStatus(std::string(100, '(') + std::string(100, ')') + "a@b.example",
              FromParseStatus::Malformed);
}

BOOST_AUTO_TEST_CASE(test_CVE_2019_16378_EveryAddressReturned)
{
  // OpenDMARC evaluated only the first From address; the parser must return
  // all of them, in every syntax, so the engine can evaluate each.
  checkDomains("victim@bank.example, attacker@evil.example", "bank.example,evil.example");
  checkDomains("\"victim@bank.example\" <attacker@evil.example>, x@bank.example",
               "evil.example,bank.example");
  checkDomains("G: victim@bank.example;, attacker@evil.example", "bank.example,evil.example");
}

BOOST_AUTO_TEST_CASE(test_CVE_2021_34555_EmptyElementsNeverCrash)
{
  // OpenDMARC crashed (NULL dereference) on multi-value From fields with empty
  // or address-less elements.
  checkStatus(",", FromParseStatus::NoAddress);
  checkStatus(",,,,", FromParseStatus::NoAddress);
  checkDomains("a@b.example,", "b.example");
  checkStatus("a,b@c.example", FromParseStatus::Malformed);
  checkStatus("<>,<>", FromParseStatus::Malformed);
  checkStatus("@,@", FromParseStatus::Malformed);
  checkStatus(":;,:;", FromParseStatus::NoAddress);
}

BOOST_AUTO_TEST_SUITE_END()
