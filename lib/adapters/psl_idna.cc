// psl_idna.cc: libidn2 A-label conversion (see psl_idna.hh).
#include "lib/adapters/psl_idna.hh"

#include <idn2.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/domain_name.hh"

namespace dmarc
{
namespace
{
void freeIdn2(char* text)
{
  idn2_free(text);
}

using Idn2String = CHandle<char, &freeIdn2>;
} // namespace

std::optional<std::string> Idn2Converter::toALabel(std::string_view utf8Domain) const
{
  // Why 1024: four times the longest DNS name, enough for any UTF-8 spelling.
  if (utf8Domain.empty() || utf8Domain.size() > 1024 ||
      utf8Domain.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  std::string input(utf8Domain);
  char* raw = nullptr;
  // UTS #46 non-transitional mapping (lower-cases, NFC), as browsers and
  // libpsl do; the transitional fallback matches libidn2's own default.
  int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()),
                          reinterpret_cast<uint8_t**>(&raw), IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
  Idn2String owned(raw);
  if (rc != IDN2_OK) {
    raw = nullptr;
    rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(input.c_str()),
                        reinterpret_cast<uint8_t**>(&raw), IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
    owned.reset(raw);
  }
  if (rc != IDN2_OK || !owned) {
    return std::nullopt;
  }
  std::string out = toLowerAscii(owned.get());
  if (!isValidDomainName(out)) {
    return std::nullopt;
  }
  return out;
}
} // namespace dmarc
