// test-alignment_cc.cc: identifier alignment (RFC 9989 §4.4, Appendix B.1;
// RFC 7489 §3.1), strict and relaxed, and the walks it needs or skips.
#include <boost/test/unit_test.hpp>

#include "lib/core/alignment.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
Alignment align(FakeResolver& dns, std::string_view author, std::string_view id, AlignmentMode mode)
{
  OrgDomainFinder finder(dns, DmarcMode::Rfc9989, nullptr);
  return checkAlignment(author, id, mode, finder);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_alignment_cc)

BOOST_AUTO_TEST_CASE(test_strict_IdenticalOnlyCaseInsensitive)
{
  // B.1.1 / B.1.2 example 1; §4.4 case-insensitive comparison
  FakeResolver dns;
  BOOST_CHECK(align(dns, "example.com", "example.com", AlignmentMode::Strict) ==
              Alignment::Aligned);
  BOOST_CHECK(align(dns, "Example.COM", "example.com", AlignmentMode::Strict) ==
              Alignment::Aligned);
  BOOST_CHECK(align(dns, "example.com", "child.example.com", AlignmentMode::Strict) ==
              Alignment::NotAligned);
  BOOST_CHECK(dns.queries().empty()); // strict needs no walk (§4.10.2)
}

BOOST_AUTO_TEST_CASE(test_relaxed_SharedOrganizationalDomain)
{
  FakeResolver dns;
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  // B.1.1 example 2, B.1.2 example 2, §4.4 Table 1 (siblings)
  BOOST_CHECK(align(dns, "example.com", "child.example.com", AlignmentMode::Relaxed) ==
              Alignment::Aligned);
  BOOST_CHECK(align(dns, "child.example.com", "example.com", AlignmentMode::Relaxed) ==
              Alignment::Aligned);
  BOOST_CHECK(align(dns, "news.example.com", "foo.example.com", AlignmentMode::Relaxed) ==
              Alignment::Aligned);
  // B.1.1 example 3, B.1.2 example 3
  BOOST_CHECK(align(dns, "child.example.com", "example.net", AlignmentMode::Relaxed) ==
              Alignment::NotAligned);
}

BOOST_AUTO_TEST_CASE(test_relaxed_UnrelatedNeedsNoIdentifierWalk)
{
  FakeResolver dns;
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  BOOST_CHECK(align(dns, "example.com", "evil.example.net", AlignmentMode::Relaxed) ==
              Alignment::NotAligned);
  for (const auto& [name, type] : dns.queries()) {
    BOOST_CHECK_MESSAGE(name.find("example.net") == std::string::npos, "queried " << name);
  }
}

BOOST_AUTO_TEST_CASE(test_relaxed_PsdSeparatesSiblings)
{
  // RFC 9989 Appendix B.4.3: with bank.example psd=y, giant.bank.example and
  // mega.bank.example are different Organizational Domains
  FakeResolver dns;
  dns.add("_dmarc.bank.example", DnsType::TXT, "v=DMARC1; p=reject; psd=y");
  dns.add("_dmarc.giant.bank.example", DnsType::TXT, "v=DMARC1; p=quarantine");
  BOOST_CHECK(align(dns, "giant.bank.example", "mail.giant.bank.example", AlignmentMode::Relaxed) ==
              Alignment::Aligned);
  BOOST_CHECK(align(dns, "giant.bank.example", "mail.mega.bank.example", AlignmentMode::Relaxed) ==
              Alignment::NotAligned);
}

BOOST_AUTO_TEST_CASE(test_relaxed_WalkFailureIsTempError)
{
  FakeResolver dns;
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  dns.fail("_dmarc.mail.example.com");
  BOOST_CHECK(align(dns, "example.com", "mail.example.com", AlignmentMode::Relaxed) ==
              Alignment::TempError);
}

BOOST_AUTO_TEST_CASE(test_garbageIdentifiers_NotAligned)
{
  FakeResolver dns;
  BOOST_CHECK(align(dns, "example.com", "", AlignmentMode::Relaxed) == Alignment::NotAligned);
  BOOST_CHECK(align(dns, "example.com", "a b.example.com", AlignmentMode::Relaxed) ==
              Alignment::NotAligned);
  BOOST_CHECK(align(dns, "example.com", "x..example.com", AlignmentMode::Relaxed) ==
              Alignment::NotAligned);
}

BOOST_AUTO_TEST_SUITE_END()
