// fuzz_spf_checker.cc: libFuzzer target for the whole SPF path: the input
// is published as the TXT record of the checked domain (and of an included
// one), and SpfChecker evaluates it with libspf2 for an IPv4, an IPv6 and
// an IPv4-mapped client. Whatever the record, the check must end in one of
// the seven results with a bounded explanation, never in a crash or an
// abort inside libspf2.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lib/adapters/dns/spf_checker.hh"
#include "tests/fuzz/fuzz_target.hh"
#include "tests/unit/fake_resolver.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string record(reinterpret_cast<const char*>(data), size);
  dmarc::test::FakeResolver dns;
  dns.add("example.com", dmarc::DnsType::TXT, record);
  dns.add("inc.example.com", dmarc::DnsType::TXT, record);
  dns.add("exp.example.com", dmarc::DnsType::TXT, record);
  dns.add("example.com", dmarc::DnsType::A, "192.0.2.1");
  dns.add("example.com", dmarc::DnsType::MX, "10 example.com");
  dns.add("1.2.0.192.in-addr.arpa", dmarc::DnsType::PTR, "example.com");
  dmarc::SpfChecker checker(dns);
  for (const char* client : {"192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"}) {
    auto outcome = checker.checkMailFrom(client, "local-part+x@example.com", "helo.example.org");
    switch (outcome.result) {
    case dmarc::SpfResult::None:
    case dmarc::SpfResult::Neutral:
    case dmarc::SpfResult::Pass:
    case dmarc::SpfResult::Fail:
    case dmarc::SpfResult::Softfail:
    case dmarc::SpfResult::Temperror:
    case dmarc::SpfResult::Permerror:
      break;
    default:
      std::abort();
    }
    if (outcome.explanation.size() > 65536) {
      std::abort();
    }
  }
  return 0;
}
