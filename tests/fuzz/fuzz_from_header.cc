// fuzz_from_header.cc: libFuzzer target for the RFC 5322 From parser
// (lib/core/from_header). Besides "no crash, no hang, no leak" it checks the
// parser's promises: Ok means at least one address, every domain is lower
// case ASCII letters where ASCII, nothing is returned on failure.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/core/from_header.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::FromParseResult result = dmarc::parseFromHeader(input);
  if (result.status == dmarc::FromParseStatus::Ok) {
    if (result.addresses.empty()) {
      std::abort();
    }
    for (const auto& address : result.addresses) {
      // the local part may be empty (a quoted "" is valid RFC 5322); the domain not
      if (address.domain.empty()) {
        std::abort();
      }
      for (char c : address.domain) {
        if (c >= 'A' && c <= 'Z') {
          std::abort();
        }
      }
    }
  } else if (!result.addresses.empty() || result.error.empty()) {
    std::abort();
  }
  return 0;
}
