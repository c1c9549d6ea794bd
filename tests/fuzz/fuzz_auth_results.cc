// fuzz_auth_results.cc: libFuzzer target for the Authentication-Results
// parser and composer (lib/core/auth_results). Parses the input as a field
// value; then uses pieces of it as authserv-id, domain and selector of a
// composed field, which must always parse back to the same values (the
// composer's escaping is what keeps a hostile d= from forging results).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/core/auth_results.hh"
#include "lib/core/domain_name.hh"
#include "tests/fuzz/fuzz_target.hh"

namespace
{
bool printable(std::string_view text)
{
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x21 || u > 0x7e) {
      return false;
    }
  }
  return !text.empty();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = dmarc::parseAuthResults(input);
  auto id = dmarc::parseAuthservId(input);
  if (parsed && (!id || *id != parsed->authservId)) {
    std::abort();
  }
  (void)dmarc::claimsAuthservId(input, "mx.example.net");

  // Round trip: three '|'-separated pieces become authserv-id, d= and s=.
  std::string_view pieces[3];
  std::string_view rest = input;
  for (auto& piece : pieces) {
    auto bar = rest.find('|');
    piece = rest.substr(0, bar);
    rest = bar == std::string_view::npos ? std::string_view{} : rest.substr(bar + 1);
  }
  if (!printable(pieces[0]) || !printable(pieces[1]) || !printable(pieces[2])) {
    return 0;
  }
  dmarc::Verdict verdict;
  verdict.fromDomain = std::string(pieces[1]);
  dmarc::DkimSignatureOutcome signature;
  signature.result = dmarc::DkimResult::Pass;
  signature.domain = std::string(pieces[1]);
  signature.selector = std::string(pieces[2]);
  verdict.dkim.push_back(signature);
  std::string field = dmarc::composeAuthResults(pieces[0], verdict);
  std::string_view value = std::string_view(field).substr(24);
  auto back = dmarc::parseAuthResults(value);
  if (!back || back->authservId != pieces[0] || back->results.size() != 3 ||
      back->results[1].properties.size() != 2 ||
      back->results[1].properties[0].value != pieces[1] ||
      back->results[1].properties[1].value != pieces[2]) {
    std::abort();
  }
  return 0;
}
