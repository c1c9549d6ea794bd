// test-spf_checker_cc.cc: SpfChecker (libspf2 behind our DNS layer) with the
// in-memory resolver: results and scopes, RFC 7208 §4.6.4 limits counted
// across include/redirect, IPv4-mapped clients, DNS failures, explanations,
// and the libspf2 CVEs (hostile macro expansions).
#include <atomic>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dns/spf_checker.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/psl_idna.hh"
#include "tests/unit/adapters/dns/loopback_unbound.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
struct Fixture
{
  test::FakeResolver dns;
  SpfChecker checker{dns};

  SpfOutcome mfrom(const std::string& ip, const std::string& from,
                   const std::string& helo = "mx.client.example")
  {
    return checker.checkMailFrom(ip, from, helo);
  }
};

std::string show(const SpfOutcome& outcome)
{
  return std::string(toString(outcome.result)) + " (" + outcome.explanation + ")";
}

#define CHECK_RESULT(outcome, want)                                                                \
  BOOST_CHECK_MESSAGE((outcome).result == (want),                                                  \
                      "got " << show(outcome) << ", want " << toString(want))
} // namespace

BOOST_AUTO_TEST_SUITE(test_spf_checker_cc)

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_BasicResults, Fixture)
{
  dns.add("example.com", DnsType::TXT, "v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ~all");
  auto pass = mfrom("192.0.2.10", "user@Example.COM");
  CHECK_RESULT(pass, SpfResult::Pass);
  BOOST_CHECK(pass.scope == SpfScope::Mfrom);
  BOOST_CHECK_EQUAL(pass.domain, "example.com");
  CHECK_RESULT(mfrom("2001:db8::25", "user@example.com"), SpfResult::Pass);
  CHECK_RESULT(mfrom("198.51.100.1", "user@example.com"), SpfResult::Softfail);
  CHECK_RESULT(mfrom("2001:db9::1", "<user@example.com>"), SpfResult::Softfail);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_NoneTemperrorPermerror, Fixture)
{
  dns.add("nospf.example", DnsType::TXT, "google-site-verification=abc");
  dns.add("two.example", DnsType::TXT, "v=spf1 -all");
  dns.add("two.example", DnsType::TXT, "v=spf1 +all");
  dns.add("bad.example", DnsType::TXT, "v=spf1 a:foo-bar -all");
  dns.fail("down.example");
  CHECK_RESULT(mfrom("192.0.2.1", "a@nospf.example"), SpfResult::None);
  CHECK_RESULT(mfrom("192.0.2.1", "a@nxdomain.example"), SpfResult::None);
  CHECK_RESULT(mfrom("192.0.2.1", "a@" + std::string(64, 'x') + ".example"), SpfResult::None);
  CHECK_RESULT(mfrom("192.0.2.1", "a@two.example"), SpfResult::Permerror);  // §4.5
  CHECK_RESULT(mfrom("192.0.2.1", "a@bad.example"), SpfResult::Permerror);  // §7.1 ABNF
  CHECK_RESULT(mfrom("192.0.2.1", "a@down.example"), SpfResult::Temperror); // §4.4
  CHECK_RESULT(mfrom("not-an-ip", "a@nospf.example"), SpfResult::Temperror);
}

BOOST_FIXTURE_TEST_CASE(test_CheckHelo_SeparateScope, Fixture)
{
  dns.add("mx.client.example", DnsType::TXT, "v=spf1 a -all");
  dns.add("mx.client.example", DnsType::A, "192.0.2.25");
  auto helo = checker.checkHelo("192.0.2.25", "mx.client.example");
  CHECK_RESULT(helo, SpfResult::Pass);
  BOOST_CHECK(helo.scope == SpfScope::Helo);
  BOOST_CHECK_EQUAL(helo.domain, "mx.client.example");
  // RFC 7208 §2.4: a null reverse-path is postmaster@HELO, reported as HELO.
  auto bounce = mfrom("192.0.2.99", "", "mx.client.example");
  CHECK_RESULT(bounce, SpfResult::Fail);
  BOOST_CHECK(bounce.scope == SpfScope::Helo);
  BOOST_CHECK_EQUAL(bounce.domain, "mx.client.example");
  // An address literal or a single label is not a domain: none (§4.3).
  CHECK_RESULT(checker.checkHelo("192.0.2.25", "[192.0.2.25]"), SpfResult::None);
  CHECK_RESULT(checker.checkHelo("192.0.2.25", "localhost"), SpfResult::None);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_Ipv4MappedClientIsIpv4, Fixture)
{
  // RFC 7208 §5: ::ffff:a.b.c.d is evaluated as a.b.c.d (A, not AAAA).
  dns.add("example.com", DnsType::TXT, "v=spf1 a:mail.example.com ip6:::ffff:192.0.2.99 -all");
  dns.add("mail.example.com", DnsType::A, "192.0.2.25");
  CHECK_RESULT(mfrom("::ffff:192.0.2.25", "u@example.com"), SpfResult::Pass);
  CHECK_RESULT(mfrom("::FFFF:192.0.2.99", "u@example.com"), SpfResult::Fail);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_LoopbackGetsNoFreePass, Fixture)
{
  // libspf2's query entry points pass 127.0.0.0/8 unconditionally; a
  // spoofed From through a local injector must not become SPF pass.
  dns.add("example.com", DnsType::TXT, "v=spf1 -all");
  CHECK_RESULT(mfrom("127.0.0.1", "u@example.com"), SpfResult::Fail);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_TenTermsAcrossIncludes, Fixture)
{
  // RFC 7208 §4.6.4: at most 10 DNS-querying terms in the whole
  // evaluation, includes included (libspf2 restarts its count per include).
  dns.add("example.com", DnsType::TXT, "v=spf1 include:i1.example.com -all");
  for (int i = 1; i <= 11; ++i) {
    std::string next = i < 11 ? "include:i" + std::to_string(i + 1) + ".example.com" : "";
    dns.add("i" + std::to_string(i) + ".example.com", DnsType::TXT, "v=spf1 " + next + " ?all");
  }
  auto over = mfrom("192.0.2.1", "u@example.com");
  CHECK_RESULT(over, SpfResult::Permerror);
  // Evaluation stopped at the 11th term: nothing past i10 was asked.
  for (const auto& [name, type] : dns.queries()) {
    BOOST_CHECK_MESSAGE(name != "i11.example.com", "queried " << name << " past the limit");
  }

  dns.clear();
  dns.add("ten.example", DnsType::TXT,
          "v=spf1 a:h1.ten.example a:h2.ten.example a:h3.ten.example a:h4.ten.example "
          "a:h5.ten.example mx:h6.ten.example exists:h7.ten.example include:h8.ten.example "
          "ptr:h9.ten.example a:h10.ten.example -all");
  for (int i = 1; i <= 10; ++i) {
    if (i != 7) { // exists:h7 must not match (void lookup 1; ptr is void 2)
      dns.add("h" + std::to_string(i) + ".ten.example", DnsType::A, "198.51.100.1");
    }
  }
  dns.add("h6.ten.example", DnsType::MX, "10 h1.ten.example");
  dns.add("h8.ten.example", DnsType::TXT, "v=spf1 -all");
  CHECK_RESULT(mfrom("192.0.2.1", "u@ten.example"), SpfResult::Fail);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_TwoVoidLookups, Fixture)
{
  // RFC 7208 §4.6.4: the third lookup with no answer is a permerror.
  dns.add("two.example", DnsType::TXT, "v=spf1 a:n1.two.example mx:n2.two.example ~all");
  dns.add("three.example", DnsType::TXT,
          "v=spf1 a:n1.three.example exists:n2.three.example a:n3.three.example ~all");
  dns.addEmpty("n2.three.example"); // NODATA counts as void too
  CHECK_RESULT(mfrom("192.0.2.1", "u@two.example"), SpfResult::Softfail);
  CHECK_RESULT(mfrom("192.0.2.1", "u@three.example"), SpfResult::Permerror);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_MxAndPtrNameLimits, Fixture)
{
  dns.add("mx.example", DnsType::TXT, "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) {
    dns.add("mx.example", DnsType::MX,
            std::to_string(i) + " m" + std::to_string(i) + ".mx.example");
  }
  // More than 10 MX names: permerror (RFC 7208 §4.6.4).
  CHECK_RESULT(mfrom("192.0.2.1", "u@mx.example"), SpfResult::Permerror);

  // More than 10 PTR names: only the first 10 are used.
  dns.add("ptr.example", DnsType::TXT, "v=spf1 ptr -all");
  for (int i = 0; i < 12; ++i) {
    std::string host = "p" + std::to_string(i) + ".ptr.example";
    dns.add("1.2.0.192.in-addr.arpa", DnsType::PTR, host);
    dns.add(host, DnsType::A, "192.0.2.1");
  }
  CHECK_RESULT(mfrom("192.0.2.1", "u@ptr.example"), SpfResult::Pass);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_DnsFailures, Fixture)
{
  dns.add("inc.example", DnsType::TXT, "v=spf1 include:down.example -all");
  dns.add("a.example", DnsType::TXT, "v=spf1 a:down.example -all");
  dns.add("incnone.example", DnsType::TXT, "v=spf1 include:nothing.example -all");
  dns.fail("down.example");
  CHECK_RESULT(mfrom("192.0.2.1", "u@inc.example"), SpfResult::Temperror);
  CHECK_RESULT(mfrom("192.0.2.1", "u@a.example"), SpfResult::Temperror);
  // RFC 7208 §5.2: include of a domain without SPF is a permerror.
  CHECK_RESULT(mfrom("192.0.2.1", "u@incnone.example"), SpfResult::Permerror);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_Smtputf8DomainAsALabel, Fixture)
{
  // RFC 8616 §4: the A-label form is looked up.
  dns.add("xn--bcher-kva.example", DnsType::TXT, "v=spf1 ip4:192.0.2.1 -all");
  Idn2Converter idna;
  SpfCheckerOptions options;
  options.idna = &idna;
  SpfChecker withIdna(dns, options);
  auto outcome = withIdna.checkMailFrom("192.0.2.1",
                                        "j\xc3\xb6rg@B\xc3\xbc"
                                        "cher.example",
                                        "h.example");
  CHECK_RESULT(outcome, SpfResult::Pass);
  BOOST_CHECK_EQUAL(outcome.domain, "xn--bcher-kva.example");
  CHECK_RESULT(withIdna.checkHelo("192.0.2.1", "b\xc3\xbc"
                                               "cher.example"),
               SpfResult::Pass);
  // Without a converter a U-label domain cannot be looked up: none.
  CHECK_RESULT(mfrom("192.0.2.1", "j@b\xc3\xbc"
                                  "cher.example"),
               SpfResult::None);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_PtrErrorsAndMissingHelo, Fixture)
{
  // RFC 7208 §5.5: a DNS error in the PTR lookup makes "ptr" not match.
  dns.add("p.example", DnsType::TXT, "v=spf1 ptr ?all");
  dns.fail("1.2.0.192.in-addr.arpa");
  CHECK_RESULT(mfrom("192.0.2.1", "u@p.example"), SpfResult::Neutral);
  // Without a HELO name from the MTA, %{h} still expands.
  dns.add("h.example", DnsType::TXT, "v=spf1 exists:%{h}.h.example -all");
  dns.add("unknown.h.example", DnsType::A, "127.0.0.2");
  CHECK_RESULT(checker.checkMailFrom("192.0.2.1", "u@h.example", ""), SpfResult::Pass);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_CidrZeroAndRedirect, Fixture)
{
  dns.add("zero.example", DnsType::TXT, "v=spf1 a:any.zero.example/0 -all");
  dns.add("any.zero.example", DnsType::A, "203.0.113.9");
  CHECK_RESULT(mfrom("192.0.2.1", "u@zero.example"), SpfResult::Pass);
  CHECK_RESULT(mfrom("2001:db8::1", "u@zero.example"), SpfResult::Fail); // no AAAA
  dns.add("ipzero.example", DnsType::TXT, "v=spf1 ip4:192.0.2.1/0 -all");
  CHECK_RESULT(mfrom("198.51.100.77", "u@ipzero.example"), SpfResult::Pass);
  // RFC 7208 §6.1: redirect is ignored when the record has "all".
  dns.add("redir.example", DnsType::TXT, "v=spf1 redirect=zero.example ~all");
  CHECK_RESULT(mfrom("192.0.2.1", "u@redir.example"), SpfResult::Softfail);
  dns.add("redir2.example", DnsType::TXT, "v=spf1 redirect=zero.example");
  CHECK_RESULT(mfrom("192.0.2.1", "u@redir2.example"), SpfResult::Pass);
}

BOOST_FIXTURE_TEST_CASE(test_CheckMailFrom_Explanation, Fixture)
{
  dns.add("example.com", DnsType::TXT, "v=spf1 -all exp=why.example.com");
  dns.add("why.example.com", DnsType::TXT, "%{i} is not one of %{d}'s designated mail servers.");
  auto fail = mfrom("192.0.2.1", "u@example.com");
  CHECK_RESULT(fail, SpfResult::Fail);
  BOOST_CHECK_EQUAL(fail.explanation,
                    "192.0.2.1 is not one of example.com's designated mail servers.");
}

// CVE-2021-20314 (stack overflow expanding explanation macros),
// CVE-2021-33912 and CVE-2021-33913 (heap overflows in
// SPF_record_expand_data with URL-encoded and reversed macros): hostile
// records and identities must give an ordinary result, not a crash or a
// corrupted heap, and the checker must keep working afterwards.
BOOST_FIXTURE_TEST_CASE(
    test_CheckMailFrom_HostileMacroExpansionsCVE202120314CVE202133912CVE202133913, Fixture)
{
  std::string local(200, '%'); // each byte URL-encodes to three
  std::string dots(120, '.');  // maximal parts for the reversal
  std::string hostile = local + "+" + dots + "x";
  dns.add("evil.example", DnsType::TXT,
          "v=spf1 exists:%{L}.%{L}.%{L}.%{L}.%{L}.%{l999r+-.,/_=}.%{S}.%{O}.%{H}.evil.example "
          "-all exp=%{L}.%{L}.%{L}.%{L}.exp.evil.example");
  dns.add("exp.evil.example", DnsType::TXT, "x");
  dns.add("e2.example", DnsType::TXT, "v=spf1 -all exp=e2exp.example");
  dns.add("e2exp.example", DnsType::TXT,
          "%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{L}%{S}%{S}%{S}%{S}%{O}%{O}%{H}%{I}%{V}%{P}%{R}%{C}%{T}"
          "%{ir}%{l1r}%{l127r}%{d999r+-.,/_=}");
  for (const char* domain : {"evil.example", "e2.example"}) {
    auto outcome = checker.checkMailFrom("2001:db8::1", hostile + "@" + domain,
                                         std::string(250, 'h') + ".example");
    BOOST_CHECK_MESSAGE(outcome.result == SpfResult::Fail || outcome.result == SpfResult::Permerror,
                        domain << ": got " << show(outcome));
    BOOST_CHECK_LE(outcome.explanation.size(), 4096u);
  }
  // Transformers beyond the grammar's bound are refused before libspf2.
  dns.add("digits.example", DnsType::TXT, "v=spf1 exists:%{l2147483648r}.example -all");
  CHECK_RESULT(mfrom("192.0.2.1", "u@digits.example"), SpfResult::Permerror);
  // Still healthy.
  dns.add("ok.example", DnsType::TXT, "v=spf1 ip4:192.0.2.1 -all");
  CHECK_RESULT(mfrom("192.0.2.1", "u@ok.example"), SpfResult::Pass);
}

// The production pairing: SpfChecker on UnboundResolver, against a real
// unbound on loopback, shared by many threads as libmilter's are.
BOOST_AUTO_TEST_CASE(test_CheckMailFrom_ThroughUnboundFromManyThreads)
{
  test::LoopbackUnbound server({
      "local-zone: \"spf.dmtest.\" static",
      "local-data: 'spf.dmtest. 300 IN TXT \"v=spf1 include:_i.spf.dmtest \" \"mx a:out.spf.dmtest "
      "-all\"'",
      "local-data: '_i.spf.dmtest. 300 IN TXT \"v=spf1 ip6:2001:db8::/32 ~all\"'",
      "local-data: \"spf.dmtest. 300 IN MX 10 mx1.spf.dmtest.\"",
      "local-data: \"mx1.spf.dmtest. 300 IN A 203.0.113.25\"",
      "local-data: \"out.spf.dmtest. 300 IN A 192.0.2.25\"",
  });
  UnboundResolverOptions options;
  options.nameservers = {server.nameserver()};
  UnboundResolver resolver(options);
  SpfChecker checker(resolver);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 40; ++i) {
        struct
        {
          const char* ip;
          SpfResult want;
        } cases[] = {{"192.0.2.25", SpfResult::Pass},
                     {"203.0.113.25", SpfResult::Pass},
                     {"::ffff:192.0.2.25", SpfResult::Pass},
                     {"2001:db8::7", SpfResult::Pass},
                     {"198.51.100.1", SpfResult::Fail}};
        const auto& c = cases[(i + t) % 5];
        if (checker.checkMailFrom(c.ip, "bounce@spf.dmtest", "mx.client.dmtest").result != c.want) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_CHECK_EQUAL(wrong.load(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
