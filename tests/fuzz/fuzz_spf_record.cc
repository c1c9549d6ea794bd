// fuzz_spf_record.cc: libFuzzer target for the RFC 7208 record grammar
// (lib/core/spf_record). A record the parser accepts must be internally
// consistent: it is an SPF record, every domain-spec it kept is itself
// valid, CIDR lengths are in range, and redirect/exp appear at most once.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/core/spf_record.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = dmarc::parseSpfRecord(input);
  if (parsed.record.has_value() == !parsed.error.empty()) {
    std::abort(); // exactly one of record and reason
  }
  if (parsed.record) {
    if (!dmarc::isSpfRecordText(input)) {
      std::abort();
    }
    int redirects = 0;
    int exps = 0;
    for (const auto& term : parsed.record->terms) {
      if (term.isModifier) {
        redirects += term.name == "redirect" ? 1 : 0;
        exps += term.name == "exp" ? 1 : 0;
        continue;
      }
      if (!term.domainSpec.empty() && !dmarc::isValidDomainSpec(term.domainSpec)) {
        std::abort();
      }
      if (term.cidr4.value_or(0) > 32 || term.cidr6.value_or(0) > 128) {
        std::abort();
      }
    }
    if (redirects > 1 || exps > 1) {
      std::abort();
    }
  }
  (void)dmarc::isValidExplainString(input);
  (void)dmarc::isValidSpfDomain(input);
  if (dmarc::truncateSpfDomain(input).size() > input.size()) {
    std::abort();
  }
  return 0;
}
