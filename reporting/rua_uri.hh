// rua_uri.hh: one rua URI of a DMARC record as report delivery needs it:
// the engine's parse (lib/core/dmarc_record: scheme, address, host, RFC 7489
// size limit) plus the stricter check that the address can go into To:,
// From: and SMTP as-is.
//
// Pure: no I/O. The text came from DNS and is hostile: an address that could
// not be written into a mail header verbatim (spaces, controls, angle
// brackets, quotes, commas, CR/LF, a host that is not a plain DNS name) is
// refused here even when it is a valid URI.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
struct RuaUri
{
  enum class Scheme
  {
    Mailto,
    Https,
  };
  Scheme scheme = Scheme::Mailto;
  std::string uri;                       // as published, trimmed, without the !size suffix
  std::string address;                   // mailto: local@host (host lower case), percent-decoded
  std::string host;                      // lower case: the address's domain, or the https host
  std::optional<std::uint64_t> maxBytes; // RFC 7489 "!10m" (bytes)
  std::uint16_t port = 443;              // https: the authority's port
  std::string target;                    // https: path and query ("/" when empty), no fragment
};

// Parses one URI. Returns nullopt for malformed input, other schemes and
// unsafe addresses (RFC 9990: "skip malformed URIs").
std::optional<RuaUri> parseRuaUri(std::string_view text);

// The URIs of a v=DMARC1 record's rua= tag as written (split at commas,
// trimmed, valid or not, !size suffixes kept), for checks that report on
// each one.
std::vector<std::string> ruaFromRecord(std::string_view record);

// The valid rua URIs of a DMARC record's text, with their !size limits
// (which the stored rua array no longer carries).
std::vector<RuaUri> ruaUrisFromRecord(std::string_view record);

// An addr-spec safe to put in To:/From: and SMTP as-is: dot-atom local part
// (RFC 5322 atext) at a plain domain name.
bool isSafeMailAddress(std::string_view address);
} // namespace dmarc
