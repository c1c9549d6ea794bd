// spf_record.hh: the RFC 7208 grammar of an SPF record, checked strictly.
//
// libspf2 accepts records RFC 7208 calls invalid (warnings only) and
// refuses some valid ones, so every record is parsed here first: a record
// that does not match the ABNF of RFC 7208 §4.6.1/§12 is a permerror before
// libspf2 sees it. The parse result is also what the adapter rewrites into
// the form libspf2 evaluates correctly.
//
// Pure: string in, value out; no I/O. Trusts nothing: the text comes from
// DNS. Every term and the record length are bounded by the caller's DNS
// limits (a TXT record is at most a few kilobytes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
enum class SpfMechanism
{
  All,
  Include,
  A,
  Mx,
  Ptr,
  Ip4,
  Ip6,
  Exists,
};

struct SpfTerm
{
  bool isModifier = false;
  // Directive (isModifier false):
  char qualifier = '+'; // one of + - ~ ?
  SpfMechanism mechanism = SpfMechanism::All;
  std::string domainSpec;        // a/mx/ptr (may be empty: current domain), include, exists
  std::string network;           // ip4/ip6 address text
  std::optional<unsigned> cidr4; // ip4, a, mx
  std::optional<unsigned> cidr6; // ip6, a, mx
  // Modifier (isModifier true): name in lower case, value as written.
  std::string name;
  std::string value;
};

struct SpfRecord
{
  std::vector<SpfTerm> terms;
  const SpfTerm* redirect() const; // nullptr when absent
  const SpfTerm* explanation() const;
  bool hasAll() const;
};

struct SpfParseResult
{
  std::optional<SpfRecord> record; // set when the record is valid
  std::string error;               // why not, for permerror explanations
};

// RFC 7208 §4.5: a TXT record is an SPF record when it starts with
// "v=spf1" (case-insensitively) followed by a space or its end.
bool isSpfRecordText(std::string_view text);

// Parses a whole record ("v=spf1 ..."), RFC 7208 §4.6.1 and §12.
SpfParseResult parseSpfRecord(std::string_view text);

// RFC 7208 §7.1 macro-string; `explanation` allows the c, r and t macro
// letters, which are only valid in explanation text.
bool isValidMacroString(std::string_view text, bool explanation);
// RFC 7208 §6.2 / §12 explain-string (exp= TXT text): macro-strings and SP.
bool isValidExplainString(std::string_view text);
// RFC 7208 §12 domain-spec: a macro-string ending in a macro or in
// "." toplabel ["."].
bool isValidDomainSpec(std::string_view text);

// RFC 7208 §4.3: a domain that check_host() can evaluate: a multi-label
// name (trailing dot allowed), labels of 1-63 octets of letters, digits,
// '-' or '_', at most 253 octets. Anything else gives "none".
bool isValidSpfDomain(std::string_view domain);

// RFC 7208 §7.3 / §4.6.4: an expanded name over 253 octets loses labels on
// the left until it fits (trailing dot ignored).
std::string truncateSpfDomain(std::string_view domain);
} // namespace dmarc
