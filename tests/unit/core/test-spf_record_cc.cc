// test-spf_record_cc.cc: the strict RFC 7208 grammar check of SPF records.
#include <boost/test/unit_test.hpp>

#include "lib/core/spf_record.hh"

using namespace dmarc;

namespace
{
bool valid(const std::string& text)
{
  return parseSpfRecord(text).record.has_value();
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_spf_record_cc)

BOOST_AUTO_TEST_CASE(test_IsSpfRecordText_VersionThenSpaceOrEnd)
{
  // RFC 7208 §4.5: "v=spf1" followed by SP or the end of the record.
  BOOST_CHECK(isSpfRecordText("v=spf1"));
  BOOST_CHECK(isSpfRecordText("v=spf1 -all"));
  BOOST_CHECK(isSpfRecordText("V=SPF1 -all"));
  BOOST_CHECK(!isSpfRecordText("v=spf10 -all"));
  BOOST_CHECK(!isSpfRecordText("v=spf1-all"));
  BOOST_CHECK(!isSpfRecordText(" v=spf1 -all"));
  BOOST_CHECK(!isSpfRecordText("spf2.0/pra -all"));
}

BOOST_AUTO_TEST_CASE(test_ParseSpfRecord_ValidRecords)
{
  for (const char* text : {"v=spf1",
                           "v=spf1 -all",
                           "v=spf1   a  mx  -all  ",
                           "v=spf1 +a:example.com/24//64 ~all",
                           "v=spf1 a/0 mx//0 ?all",
                           "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 -all",
                           "v=spf1 ip4:0.0.0.0/0",
                           "v=spf1 ip6:::1",
                           "v=spf1 include:_spf.example.com -all",
                           "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all",
                           "v=spf1 ptr ptr:example.org -all",
                           "v=spf1 redirect=_spf.example.com",
                           "v=spf1 -all exp=explain._spf.%{d}",
                           "v=spf1 moo.cow-far_out=man:dog/cat ip4:1.2.3.4 -all",
                           "v=spf1 foo= -all",
                           "v=spf1 a:foo:bar/baz.example.com",
                           "v=spf1 A:EXAMPLE.COM MX -ALL",
                           "v=spf1 a:%{d}",
                           "v=spf1 a:example.com.",
                           "v=spf1 a:mail-1.example.xn--p1ai"}) {
    auto parsed = parseSpfRecord(text);
    BOOST_CHECK_MESSAGE(parsed.record.has_value(),
                        text << ": got '" << parsed.error << "', want valid");
  }
}

BOOST_AUTO_TEST_CASE(test_ParseSpfRecord_InvalidRecords)
{
  // Each of these is a permerror in RFC 7208 (§4.6.1, §5, §6, §7.1, §12).
  for (const char* text : {"v=spf1 moo", // unknown mechanism
                           "v=spf1 all:foo",
                           "v=spf1 all/8",
                           "v=spf1 -all.", // all takes nothing
                           "v=spf1 ptr/0",
                           "v=spf1 a/33",
                           "v=spf1 a//129",
                           "v=spf1 a/032",
                           "v=spf1 a/",
                           "v=spf1 mx:example.com:8080",
                           "v=spf1 a:museum",
                           "v=spf1 a:museum.",
                           "v=spf1 a:abc.123",
                           "v=spf1 a:example.-com",
                           "v=spf1 a:111.222.33.44",
                           "v=spf1 a:",
                           "v=spf1 mx:",
                           "v=spf1 ptr:",
                           "v=spf1 exists:",
                           "v=spf1 exists",
                           "v=spf1 include",
                           "v=spf1 include:",
                           "v=spf1 exists:example.com/24",
                           "v=spf1 ip4",
                           "v=spf1 ip4:",
                           "v=spf1 ip4:1.2.3",
                           "v=spf1 ip4:1.2.3.4:8080",
                           "v=spf1 ip4:1.2.3.4/33",
                           "v=spf1 ip4:1.2.3.4//32",
                           "v=spf1 ip4:01.2.3.4",
                           "v=spf1 ip4:256.1.1.1",
                           "v=spf1 ip6",
                           "v=spf1 ip6:",
                           "v=spf1 ip6::CAFE::BABE",
                           "v=spf1 ip6:::1/129",
                           "v=spf1 ip6:::1.1.1.1/",
                           "v=spf1 redirect=",
                           "v=spf1 exp=",
                           "v=spf1 redirect:t.example.com",
                           "v=spf1 redirect=a.example.com redirect=b.example.com",
                           "v=spf1 exp=a.example.com exp=b.example.com",
                           "v=spf1 1up=foo",
                           "v=spf1 =all",
                           "v=spf1 foo=%abc",
                           "v=spf1 a:%{x}.example.com",
                           "v=spf1 a:%{r}.example.com",
                           "v=spf1 exists:%{c}.example.com",
                           "v=spf1 a:%(.example.com",
                           "v=spf1 a:foo%.example.com",
                           "v=spf1 a:example.com%",
                           "v=spf1 a:%{d0}.example.com",
                           "v=spf1 a:%{d1234}.example.com",
                           "v=spf1 a:%{d.example.com",
                           "v=spf1\t-all"}) {
    auto parsed = parseSpfRecord(text);
    BOOST_CHECK_MESSAGE(!parsed.record.has_value(), text << ": got valid, want permerror");
    BOOST_CHECK_MESSAGE(parsed.record.has_value() || !parsed.error.empty(), text << ": no reason");
  }
  // RFC 7208 §3.1: only ASCII; a NUL or CR inside a record is invalid.
  BOOST_CHECK(!valid(std::string("v=spf1 a:foo.example.com") + '\0'));
  BOOST_CHECK(!valid("v=spf1 a:ctrl.example.com\rptr -all"));
  BOOST_CHECK(!valid("v=spf1 \x80"
                     "a:example.net -all"));
  BOOST_CHECK(!valid("v=spf1 a:\xef\xbb\xbfgarbage.example.net -all"));
}

BOOST_AUTO_TEST_CASE(test_ParseSpfRecord_TermsAndCidrs)
{
  auto parsed = parseSpfRecord("v=spf1 -a:example.com/24//64 ~mx//0 ip4:192.0.2.0/24 "
                               "redirect=_spf.Example.com foo=bar");
  BOOST_REQUIRE(parsed.record);
  const auto& terms = parsed.record->terms;
  BOOST_REQUIRE_EQUAL(terms.size(), 5u);
  BOOST_CHECK_EQUAL(terms[0].qualifier, '-');
  BOOST_CHECK(terms[0].mechanism == SpfMechanism::A);
  BOOST_CHECK_EQUAL(terms[0].domainSpec, "example.com");
  BOOST_CHECK_EQUAL(terms[0].cidr4.value_or(99), 24u);
  BOOST_CHECK_EQUAL(terms[0].cidr6.value_or(99), 64u);
  BOOST_CHECK(terms[1].mechanism == SpfMechanism::Mx);
  BOOST_CHECK(!terms[1].cidr4);
  BOOST_CHECK_EQUAL(terms[1].cidr6.value_or(99), 0u);
  BOOST_CHECK_EQUAL(terms[2].network, "192.0.2.0");
  BOOST_CHECK(terms[3].isModifier);
  BOOST_CHECK_EQUAL(terms[3].name, "redirect");
  BOOST_CHECK_EQUAL(parsed.record->redirect()->value, "_spf.Example.com");
  BOOST_CHECK(!parsed.record->hasAll());
  BOOST_CHECK(parsed.record->explanation() == nullptr);
}

BOOST_AUTO_TEST_CASE(test_IsValidExplainString_SpacesAndExpOnlyMacros)
{
  BOOST_CHECK(isValidExplainString("See http://%{d}/why.html?s=%{S} from %{c} at %{t} by %{r}"));
  BOOST_CHECK(!isValidExplainString("The %{x}-files."));
  BOOST_CHECK(!isValidExplainString("bad % escape"));
  BOOST_CHECK(!isValidExplainString("non-ASCII \xc3\xaf"));
  BOOST_CHECK(isValidMacroString("%{c}", true));
  BOOST_CHECK(!isValidMacroString("%{c}", false));
}

BOOST_AUTO_TEST_CASE(test_IsValidSpfDomain_Section43)
{
  BOOST_CHECK(isValidSpfDomain("example.com"));
  BOOST_CHECK(isValidSpfDomain("example.com."));
  BOOST_CHECK(isValidSpfDomain("_spf.example.com"));
  BOOST_CHECK(isValidSpfDomain(std::string(63, 'a') + ".example.com"));
  BOOST_CHECK(!isValidSpfDomain(std::string(64, 'a') + ".example.com"));
  BOOST_CHECK(!isValidSpfDomain("a...example.com"));
  BOOST_CHECK(!isValidSpfDomain("A2345678"));
  BOOST_CHECK(!isValidSpfDomain("[1.2.3.5]"));
  BOOST_CHECK(!isValidSpfDomain(""));
  BOOST_CHECK(!isValidSpfDomain("exa mple.com"));
}

BOOST_AUTO_TEST_CASE(test_TruncateSpfDomain_LeftLabelsGo)
{
  std::string label(60, 'x');
  std::string name = label + "." + label + "." + label + "." + label + "." + label + ".example.com";
  auto truncated = truncateSpfDomain(name);
  BOOST_CHECK_LE(truncated.size(), 253u);
  BOOST_CHECK(truncated.ends_with(".example.com"));
  BOOST_CHECK(name.ends_with(truncated));
  BOOST_CHECK_EQUAL(truncateSpfDomain("example.com."), "example.com");
}

BOOST_AUTO_TEST_SUITE_END()
