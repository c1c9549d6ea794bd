// idna.hh: the interface that converts an internationalised domain name
// (U-labels, UTF-8) to its A-label form (RFC 5890), as RFC 9989 §4.4 and
// RFC 7489 §6.6.1 require for the Author Domain.
//
// Pure: an interface only. Why not call libidn2 here: libidn2 is I/O-free,
// but it is a C library with its own allocation and error conventions, and
// lib/core links no C library at all (tests/unit/test-core links only this
// library). The libidn2 implementation is lib/adapters/psl_idna.{hh,cc}; the
// engine receives it through EngineOptions. Implementations must be
// thread-safe (const calls from any libmilter thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
class IdnaConverter
{
public:
  virtual ~IdnaConverter() = default;
  // The A-label form, lower case, of a UTF-8 domain name; std::nullopt when
  // the name is not a valid IDNA2008 (UTS #46 non-transitional) name.
  virtual std::optional<std::string> toALabel(std::string_view utf8Domain) const = 0;
};
} // namespace dmarc
