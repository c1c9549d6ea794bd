// spf_result.hh: the outcome of one SPF check (RFC 7208), as the DMARC engine,
// the Authentication-Results writer and the history store need it.
// Pure: values only. Produced by lib/adapters/dns/spf_checker.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
enum class SpfResult
{
  None,
  Neutral,
  Pass,
  Fail,
  Softfail,
  Temperror,
  Permerror,
};

// The identity that was checked: MAIL FROM, or HELO (RFC 7208 §2.3, and
// the null reverse-path case of §2.4 where postmaster@HELO stands in).
enum class SpfScope
{
  Mfrom,
  Helo,
};

struct SpfOutcome
{
  SpfResult result = SpfResult::None;
  SpfScope scope = SpfScope::Mfrom;
  std::string domain;      // the domain checked (A-label, lower case)
  std::string explanation; // human-readable reason (for logs and human_result)
};

std::string_view toString(SpfResult result);
std::string_view toString(SpfScope scope);
std::optional<SpfResult> spfResultFromString(std::string_view text);
} // namespace dmarc
