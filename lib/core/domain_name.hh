// domain_name.hh: small, allocation-light helpers on DNS domain names as the
// DMARC engine uses them: case folding, label counting and shortening (the
// RFC 9989 §4.10 tree walk), syntax checks and suffix relations.
//
// Pure: string functions only. Trusts nothing: every function accepts any
// bytes and never indexes out of bounds. Names are compared ASCII
// case-insensitively (RFC 4343); U-labels must have been converted to
// A-labels before (see idna.hh).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
// RFC 1035 §2.3.4 limits (presentation form, no trailing dot).
inline constexpr std::size_t g_maxDomainLength = 253;
inline constexpr std::size_t g_maxLabelLength = 63;

// A host name usable for DMARC: 1..253 octets, labels of 1..63 octets made of
// letters, digits, '-' and '_' (underscore tolerated: it occurs in DKIM d=
// and in DNS), no empty label, no leading or trailing dot.
bool isValidDomainName(std::string_view name);

std::size_t countLabels(std::string_view name);
// The name without its leftmost label ("" for a single label).
std::string_view parentDomain(std::string_view name);
// The rightmost `count` labels of name (name itself when it has fewer).
std::string_view lastLabels(std::string_view name, std::size_t count);
// True when child equals parent or is below it (case-insensitive).
bool isSameOrSubdomain(std::string_view child, std::string_view parent);
} // namespace dmarc
