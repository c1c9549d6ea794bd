// dmarc_record.hh: the DMARC policy record parser (RFC 9989 §4.7-4.8 and
// §4.10.1; RFC 7489 §6.3-6.4 and §6.6.3 step 6) and the rua/ruf URI parser.
//
// Pure: no I/O. Trusts nothing: the text is a TXT record from DNS (its
// character-strings already concatenated, RFC 7489 §6.1). Bounded: records
// over g_maxRecordLength octets or with more than g_maxRecordTags tags are
// rejected, at most g_maxReportUris URIs are kept per tag.
//
// Parsing rules implemented (each has a unit test citing its section):
// - "v=DMARC1" must be the first tag; the tag name is case-insensitive, the
//   value case-sensitive (RFC 9989 §4.8 %s"DMARC1"). Otherwise NotDmarc.
// - tag=value pairs separated by ';' with optional WSP around ';' and '=',
//   trailing ';' allowed; tag names and keyword values case-insensitive;
//   unknown tags ignored; a repeated tag keeps its first value.
// - A syntax error in one tag's value gives that tag's default (RFC 9989
//   §4.8; RFC 7489 §6.3), except p/sp/np, handled per RFC 9989 §4.10.1: if
//   one is invalid and rua holds at least one valid URI, the record acts as
//   p=none (sp, np none too); without a valid rua the record is Unusable (no
//   DMARC processing; the engine reports permerror). In RFC 7489 mode the
//   same rule covers p and sp only.
// - A missing p: RFC 9989 mode treats it as p=none (§4.7) — our documented
//   choice for the ambiguous vector "missing-p-without-rua"; RFC 7489 mode
//   applies §6.6.3 step 6 (p=none with a valid rua, else Unusable), and also
//   requires p immediately after v (§6.3).
// - pct, rf, ri are parsed in RFC 7489 mode only (RFC 9989 removed them:
//   Appendix A.6), np in RFC 9989 mode only: RFC 7489 has no np, so there
//   it is an unknown tag, ignored (§6.3) whatever its value, and the §6.6.3
//   step 6 rule covers p and sp alone. t and psd are parsed in both modes
//   so that the published policy is recorded as found; they cannot make a
//   record unusable, and the RFC 7489 mode of the engine does not act on
//   them (tags unknown to an RFC 7489 receiver).
// - Errors cite the rule of the mode that decided (RFC 9989 §4.10.1 or
//   RFC 7489 §6.6.3 step 6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/verdict.hh"

namespace dmarc
{
// Which generation of the standard the engine implements.
enum class DmarcMode
{
  Rfc9989, // DMARCbis: tree walk, t, psd, np (default)
  Rfc7489, // compatibility: Public Suffix List, pct, rf, ri
};

// Why these numbers: a DNS message over UDP/TCP cannot carry more than 64 KiB,
// real records are under 512 octets; 8 KiB and 64 tags bound the work per
// record with a wide margin. 16 URIs per tag bound the report fan-out.
inline constexpr std::size_t g_maxRecordLength = 8192;
inline constexpr std::size_t g_maxRecordTags = 64;
inline constexpr std::size_t g_maxReportUris = 16;

// One rua/ruf destination.
struct ReportUri
{
  std::string uri;    // as published, without the !size suffix and surrounding WSP
  std::string scheme; // lower case: "mailto" or "https"
  std::string target; // mailto: the addr-spec (percent-decoded); https: the host
  std::string domain; // mailto: the address's domain; https: the host (lower case)
  std::optional<std::uint64_t> maxSize; // RFC 7489 "!size[kmgt]" in octets (powers of 2)
};

// Parses one URI with an optional RFC 7489 size suffix; std::nullopt when it
// is not a syntactically valid mailto: or https: URI (other schemes are not
// supported and ignored, RFC 9989 §4.7 rua).
std::optional<ReportUri> parseReportUri(std::string_view text);

enum class RecordStatus
{
  Valid,    // a DMARC record with a usable policy
  NotDmarc, // does not start with v=DMARC1: ignore (RFC 9989 §4.10 step 2)
  Unusable, // a DMARC record, but invalid/missing p (or sp/np) and no valid rua
};

struct DmarcRecord
{
  RecordStatus status = RecordStatus::NotDmarc;
  PublishedPolicy policy;       // domain is left empty: the caller knows where it was found
  std::vector<ReportUri> rua;   // valid URIs only, in order
  std::vector<ReportUri> ruf;   // valid URIs only, in order
  bool pPresent = false;        // a p tag was present (valid or not)
  bool policyRewritten = false; // invalid/missing p, sp or np turned into none (§4.10.1)
  std::string rf = "afrf";      // RFC 7489 only
  std::uint32_t ri = 86400;     // RFC 7489 only
  std::string error;            // why, when not Valid, or what was rewritten
};

// True when the text starts with the version tag "v=DMARC1" (the test that
// selects records in RFC 9989 §4.10 step 2 and RFC 7489 §6.6.3 step 3).
bool isDmarcRecord(std::string_view text);

DmarcRecord parseDmarcRecord(std::string_view text, DmarcMode mode);

std::string_view toString(DmarcMode mode);
std::string_view toString(RecordStatus status);
} // namespace dmarc
