// psl_idna.hh: IDNA2008 A-label conversion with libidn2 (the library libpsl
// itself uses), behind the pure IdnaConverter interface of lib/core.
//
// Adapter: no I/O, no state; libidn2's conversion functions are reentrant, so
// one instance serves all threads. Trusts nothing in its input (UTF-8 from a
// From header): invalid UTF-8 or a name IDNA2008/UTS #46 refuses gives
// std::nullopt, never an exception.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "lib/core/idna.hh"

namespace dmarc
{
class Idn2Converter : public IdnaConverter
{
public:
  std::optional<std::string> toALabel(std::string_view utf8Domain) const override;
};
} // namespace dmarc
