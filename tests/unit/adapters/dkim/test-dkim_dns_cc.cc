// test-dkim_dns_cc.cc: the DNS messages built for libopendkim's key lookups
// (RFC 1035 §4.1 wire format) and the query-name filter.
#include <array>
#include <string>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_dns.hh"

using namespace dmarc;

namespace
{
unsigned u16(const std::array<unsigned char, 8192>& buf, std::size_t at)
{
  return (static_cast<unsigned>(buf[at]) << 8) | buf[at + 1];
}

DnsAnswer data(std::vector<std::string> records)
{
  DnsAnswer answer;
  answer.status = DnsStatus::Data;
  answer.records = std::move(records);
  return answer;
}

// The question section of sel._domainkey.example.org: 12 + 26 + 4 bytes.
constexpr std::size_t s_questionEnd = 12 + 1 + 3 + 1 + 10 + 1 + 7 + 1 + 3 + 1 + 4;
} // namespace

BOOST_AUTO_TEST_SUITE(test_dkim_dns_cc)

BOOST_AUTO_TEST_CASE(test_EncodeTxtReply_OneRecord)
{
  std::array<unsigned char, 8192> buf{};
  auto length = encodeTxtReply("sel._domainkey.example.org", data({"v=DKIM1; p=abc"}), buf);
  BOOST_REQUIRE(length);
  BOOST_CHECK_EQUAL(u16(buf, 2) & 0x800fU, 0x8000U); // QR, rcode NOERROR
  BOOST_CHECK_EQUAL(u16(buf, 4), 1U);                // QDCOUNT
  BOOST_CHECK_EQUAL(u16(buf, 6), 1U);                // ANCOUNT
  BOOST_CHECK_EQUAL(buf[12], 3U);                    // "sel"
  BOOST_CHECK_EQUAL(std::string(buf.begin() + 13, buf.begin() + 16), "sel");
  BOOST_CHECK_EQUAL(u16(buf, s_questionEnd - 4), 16U); // TXT
  BOOST_CHECK_EQUAL(u16(buf, s_questionEnd), 0xc00cU); // owner: pointer to the question
  std::size_t rdlength = u16(buf, s_questionEnd + 10);
  BOOST_CHECK_EQUAL(rdlength, 15U);
  BOOST_CHECK_EQUAL(buf[s_questionEnd + 12], 14U);
  BOOST_CHECK_EQUAL(*length, s_questionEnd + 12 + rdlength);
}

// A record longer than one character-string is split in 255-byte strings
// (RFC 1035 §3.3.14); DKIM joins them back without separators.
BOOST_AUTO_TEST_CASE(test_EncodeTxtReply_LongRecordSplit)
{
  std::array<unsigned char, 8192> buf{};
  std::string record(600, 'k');
  auto length = encodeTxtReply("sel._domainkey.example.org", data({record}), buf);
  BOOST_REQUIRE(length);
  std::size_t rdata = s_questionEnd + 12;
  BOOST_CHECK_EQUAL(u16(buf, s_questionEnd + 10), 603U);
  BOOST_CHECK_EQUAL(buf[rdata], 255U);
  BOOST_CHECK_EQUAL(buf[rdata + 256], 255U);
  BOOST_CHECK_EQUAL(buf[rdata + 512], 90U);
  BOOST_CHECK_EQUAL(*length, rdata + 603);
}

BOOST_AUTO_TEST_CASE(test_EncodeTxtReply_NxDomainAndNoData)
{
  std::array<unsigned char, 8192> buf{};
  DnsAnswer nx;
  nx.status = DnsStatus::NxDomain;
  BOOST_REQUIRE(encodeTxtReply("sel._domainkey.example.org", nx, buf));
  BOOST_CHECK_EQUAL(u16(buf, 2) & 0xfU, 3U);
  BOOST_CHECK_EQUAL(u16(buf, 6), 0U);

  DnsAnswer nodata;
  nodata.status = DnsStatus::NoData;
  BOOST_REQUIRE(encodeTxtReply("sel._domainkey.example.org", nodata, buf));
  BOOST_CHECK_EQUAL(u16(buf, 2) & 0xfU, 0U);
  BOOST_CHECK_EQUAL(u16(buf, 6), 0U);
}

// A failure must never look like "no key": no reply at all.
BOOST_AUTO_TEST_CASE(test_EncodeTxtReply_FailureHasNoReply)
{
  std::array<unsigned char, 8192> buf{};
  DnsAnswer failure;
  failure.status = DnsStatus::Failure;
  BOOST_CHECK(!encodeTxtReply("sel._domainkey.example.org", failure, buf));
  DnsAnswer bogus = data({"v=DKIM1; p=abc"});
  bogus.bogus = true;
  BOOST_CHECK(!encodeTxtReply("sel._domainkey.example.org", bogus, buf));
}

BOOST_AUTO_TEST_CASE(test_EncodeTxtReply_TooBigForBuffer)
{
  std::array<unsigned char, 8192> buf{};
  BOOST_CHECK(!encodeTxtReply("sel._domainkey.example.org", data({std::string(9000, 'x')}), buf));
  std::vector<std::string> many(200, std::string(60, 'r'));
  BOOST_CHECK(!encodeTxtReply("sel._domainkey.example.org", data(many), buf));
  std::array<unsigned char, 8192> small{};
  BOOST_CHECK(!encodeTxtReply("sel._domainkey.example.org", data({"v=DKIM1"}),
                              std::span<unsigned char>(small.data(), 20)));
}

// Names built from hostile s= and d= values are answered NXDOMAIN with the
// root as question, without reaching the resolver.
BOOST_AUTO_TEST_CASE(test_IsQueryableName_RejectsHostileNames)
{
  BOOST_CHECK(isQueryableName("sel._domainkey.example.org"));
  BOOST_CHECK(isQueryableName("s-1_x._domainkey.EXAMPLE.org."));
  for (std::string bad :
       {std::string(""), std::string("."), std::string("a..b"), std::string("a b.example"),
        std::string("a\\046b.example"), std::string("sel._domainkey.ex\001ample.org"),
        std::string(64, 'l') + ".org", std::string(300, 'a'), std::string("caf\xc3\xa9.example")}) {
    BOOST_CHECK_MESSAGE(!isQueryableName(bad), "got queryable, want refused: " << bad);
  }
  std::array<unsigned char, 8192> buf{};
  auto length = encodeTxtReply("a b.example", data({"v=DKIM1"}), buf);
  BOOST_REQUIRE(length);
  BOOST_CHECK_EQUAL(u16(buf, 2) & 0xfU, 3U);
  BOOST_CHECK_EQUAL(buf[12], 0U); // root name
  BOOST_CHECK_EQUAL(*length, 17U);
}

// RFC 6376 §3.6.1 and RFC 8460 §3: for the tlsrpt service, a key with
// s=tlsrpt or s=* (or no s=) is handed to libopendkim with s=*, a key for
// other services only with an s= libopendkim refuses.
BOOST_AUTO_TEST_CASE(test_KeyRecordForService_TlsRpt)
{
  struct Case
  {
    const char* record;
    const char* want;
  };
  for (const Case& c : {
           Case{"v=DKIM1; k=rsa; s=tlsrpt; p=AB", "v=DKIM1; k=rsa;s=*; p=AB"},
           Case{"v=DKIM1; s=*; p=AB", "v=DKIM1;s=*; p=AB"},
           Case{"v=DKIM1; s = email : TLSRPT ; p=AB", "v=DKIM1;s=*; p=AB"},
           Case{"s=tlsrpt", "s=*"},
           Case{"v=DKIM1; p=AB", "v=DKIM1; p=AB"},
           Case{"v=DKIM1; s=email; p=AB", "v=DKIM1;s=not-tlsrpt; p=AB"},
           Case{"v=DKIM1; s=email:other; p=AB", "v=DKIM1;s=not-tlsrpt; p=AB"},
           Case{"v=DKIM1; s=tlsrptx; p=AB", "v=DKIM1;s=not-tlsrpt; p=AB"},
           Case{"v=DKIM1; s=; p=AB", "v=DKIM1;s=not-tlsrpt; p=AB"},
           // Two s= tags are invalid (RFC 6376 §3.2): both refused.
           Case{"s=tlsrpt; s=tlsrpt; p=AB", "s=not-tlsrpt;s=not-tlsrpt; p=AB"},
           // Only the tag named s is touched, not ones ending in s.
           Case{"v=DKIM1; xs=email; p=AB", "v=DKIM1; xs=email; p=AB"},
           Case{"", ""},
           Case{";;;", ";;;"},
       }) {
    const std::string got = keyRecordForService(c.record, "tlsrpt");
    BOOST_CHECK_MESSAGE(got == c.want, "record '" << c.record << "': got '" << got << "', want '"
                                                  << c.want << "'");
  }
  // The e-mail service leaves every record alone (libopendkim's own rule).
  BOOST_CHECK_EQUAL(keyRecordForService("v=DKIM1; s=tlsrpt; p=AB", "email"),
                    "v=DKIM1; s=tlsrpt; p=AB");
}

BOOST_AUTO_TEST_SUITE_END()
