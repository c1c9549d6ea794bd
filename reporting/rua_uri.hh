// rua_uri.hh: one rua URI of a DMARC record (RFC 7489 §6.2 and §6.4;
// RFC 9989 "rua"; RFC 9990 "Report Delivery"), parsed into what delivery
// needs: the scheme, the mail address, its host, and the RFC 7489 size limit.
//
// Pure: no I/O. The text came from DNS and is hostile: an address that could
// not be written into a mail header as-is (spaces, controls, angle brackets,
// commas, CR/LF, a host that is not a plain DNS name) is refused.
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
    Other,
  };
  Scheme scheme = Scheme::Other;
  std::string uri;                       // as published, trimmed (what the database records)
  std::string address;                   // mailto: local@host, percent-decoded
  std::string host;                      // lower case: the address's domain, or the https host
  std::optional<std::uint64_t> maxBytes; // RFC 7489 "!10m" (bytes)
};

// Parses one URI. Returns nullopt for malformed input (RFC 9990: "skip
// malformed URIs"); an https or other-scheme URI parses with its scheme.
std::optional<RuaUri> parseRuaUri(std::string_view text);

// One tag of a DMARC tag-list (RFC 7489 §6.4: tag=value separated by ';').
struct DmarcTag
{
  std::string name; // lower case
  std::string value;
};

// The tags of a record whose first tag is v=DMARC1; empty otherwise (also
// when any tag lacks '='). At most 64 tags are read.
std::vector<DmarcTag> dmarcTagList(std::string_view record);

// The URIs of the record's rua= tag, split at commas and trimmed (with
// their !size suffixes, which the stored rua array no longer has).
std::vector<std::string> ruaFromRecord(std::string_view record);

// An addr-spec safe to put in To:/From: and SMTP as-is: dot-atom local part
// (RFC 5322 atext) at a plain domain name.
bool isSafeMailAddress(std::string_view address);
} // namespace dmarc
