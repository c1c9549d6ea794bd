// public_suffix.hh: the Public Suffix List as the RFC 7489 compatibility mode
// needs it (RFC 7489 §3.2: the Organizational Domain is the longest public
// suffix plus one label).
//
// Pure: an interface only, so that lib/core stays free of libpsl. The libpsl
// implementation, loading Debian's publicsuffix file or a configured one, is
// lib/adapters/psl_list.{hh,cc}. Implementations must be thread-safe (const
// calls from any libmilter thread) and do no I/O after construction.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
class PublicSuffixList
{
public:
  virtual ~PublicSuffixList() = default;
  // The registrable domain (public suffix plus one label) of an A-label,
  // lower-case domain name; std::nullopt when the name is itself a public
  // suffix or is not a usable name.
  virtual std::optional<std::string> registrableDomain(std::string_view domain) const = 0;
};
} // namespace dmarc
