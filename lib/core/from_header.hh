// from_header.hh: a bounded RFC 5322 parser for the value of a From header
// field (§3.4 address-list, §3.6.2 originator fields, §4.4 obsolete syntax),
// giving each author address and its domain (the RFC5322.From domain of
// DMARC, RFC 9989 §4.4).
//
// Pure: no I/O, no allocation beyond the result. Trusts nothing: the value
// comes straight from the message. It handles display names, quoted strings
// (with commas, '<', '@'), nested comments, groups ("list: a@x, b@y;"),
// folding (CRLF/LF + WSP), the obsolete syntax (empty list elements, routes
// "<@relay:a@x>", CFWS inside local parts and domains), RFC 2047 encoded
// words (kept as one opaque word, so a ',' '<' or '@' inside one never
// splits an address; they are not decoded), RFC 6532 UTF-8 and domain
// literals. It never guesses: trailing garbage, an unterminated quote or
// comment, a bare CR/LF or a nested group make the whole value Malformed.
// One leniency is deliberate and logged in `warnings`: an unquoted '@' in a
// display name followed by an angle address ("a@b.example <c@d.example>"), as
// broken mailers write it; the address in angle brackets is the author.
//
// Domains are returned lower-cased (ASCII) and still in the form written
// (U-labels stay UTF-8): A-label conversion is the caller's, through
// IdnaConverter (lib/core/idna.hh), because it needs libidn2.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
struct FromAddress
{
  std::string displayName; // phrase words joined by one space; quoted-strings unescaped
  std::string localPart;   // as written, quoted-strings unescaped
  std::string domain;      // lower-cased; "[...]" when domainLiteral
  bool domainLiteral = false;
};

enum class FromParseStatus
{
  Ok,               // at least one address
  NoAddress,        // syntactically fine but no mailbox (empty value, empty group)
  Malformed,        // not an RFC 5322 address list (see error)
  TooLong,          // over FromParseLimits::maxLength
  TooManyAddresses, // over FromParseLimits::maxAddresses
};

// Why these numbers: RFC 5322 §2.1.1 limits a line to 998 octets, but a
// folded field may span lines; 16 KiB is far above any real From field yet
// keeps the worst-case parse cost (linear) tiny. 64 addresses and comment
// depth 32 bound the work an attacker can ask for per header.
struct FromParseLimits
{
  std::size_t maxLength = 16384;
  std::size_t maxAddresses = 64;
  unsigned maxCommentDepth = 32;
};

struct FromParseResult
{
  FromParseStatus status = FromParseStatus::Malformed;
  std::vector<FromAddress> addresses; // every mailbox, in order (only when Ok)
  std::string error;                  // why, when not Ok (safe to log: no input copied)
  unsigned warnings = 0;              // count of tolerated deviations (see file comment)
};

// Parses one From field value (the text after "From:"), possibly folded.
FromParseResult parseFromHeader(std::string_view value, const FromParseLimits& limits = {});

std::string_view toString(FromParseStatus status);
} // namespace dmarc
