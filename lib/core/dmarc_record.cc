// dmarc_record.cc: DMARC record and report URI parsing (see dmarc_record.hh).
// Pure: no I/O. Single pass over the record; every tag value is checked
// against its ABNF before use, and a bad value never escapes into the result.
#include "lib/core/dmarc_record.hh"

#include <limits>

#include "lib/core/ascii_text.hh"
#include "lib/core/domain_name.hh"

namespace dmarc
{
namespace
{
// RFC 9989 §4.8 dmarc-value = %x20-3A / %x3C-7E (the ';' cannot occur here).
bool isValidValue(std::string_view value)
{
  for (char c : value) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) {
      return false;
    }
  }
  return true;
}

struct Tag
{
  std::string_view name;
  std::string_view value;
  bool wellFormed = false; // name=value with a valid tag name
};

// Splits the next ';'-separated element at pos.
Tag nextTag(std::string_view text, std::size_t& pos)
{
  std::size_t end = text.find(';', pos);
  if (end == std::string_view::npos) {
    end = text.size();
  }
  std::string_view element = text.substr(pos, end - pos);
  pos = end < text.size() ? end + 1 : end;
  Tag tag;
  auto eq = element.find('=');
  if (eq == std::string_view::npos) {
    tag.name = trimSpaceOrTab(element);
    return tag;
  }
  tag.name = trimSpaceOrTab(element.substr(0, eq));
  tag.value = trimSpaceOrTab(element.substr(eq + 1));
  // tag-name = ALPHA *ALNUMPUNC (RFC 6376 §3.2, which DMARC borrows)
  tag.wellFormed = !tag.name.empty() && isAsciiAlpha(tag.name.front());
  for (char c : tag.name) {
    if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '_') {
      tag.wellFormed = false;
    }
  }
  return tag;
}

std::optional<Policy> parsePolicy(std::string_view value)
{
  if (equalsIgnoreCase(value, "none")) {
    return Policy::None;
  }
  if (equalsIgnoreCase(value, "quarantine")) {
    return Policy::Quarantine;
  }
  if (equalsIgnoreCase(value, "reject")) {
    return Policy::Reject;
  }
  return std::nullopt;
}

std::optional<AlignmentMode> parseAlignment(std::string_view value)
{
  if (equalsIgnoreCase(value, "r")) {
    return AlignmentMode::Relaxed;
  }
  if (equalsIgnoreCase(value, "s")) {
    return AlignmentMode::Strict;
  }
  return std::nullopt;
}

std::optional<std::uint64_t> parseNumber(std::string_view digits, std::uint64_t max)
{
  if (digits.empty() || digits.size() > 20) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : digits) {
    if (!isAsciiDigit(c)) {
      return std::nullopt;
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (max - digit) / 10) {
      return std::nullopt;
    }
    value = value * 10 + digit;
  }
  return value;
}

// fo = ("0" / "1" / "d" / "s") *(*WSP ":" *WSP ...); 0 and 1 exclusive.
std::optional<std::string> parseFo(std::string_view value)
{
  std::string out;
  bool zero = false;
  bool one = false;
  std::size_t pos = 0;
  for (;;) {
    std::size_t colon = value.find(':', pos);
    std::string_view option = trimSpaceOrTab(
        value.substr(pos, colon == std::string_view::npos ? value.npos : colon - pos));
    if (option.size() != 1) {
      return std::nullopt;
    }
    char c = option.front();
    c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (c != '0' && c != '1' && c != 'd' && c != 's') {
      return std::nullopt;
    }
    zero = zero || c == '0';
    one = one || c == '1';
    if (!out.empty()) {
      out += ':';
    }
    out += c;
    if (colon == std::string_view::npos) {
      break;
    }
    pos = colon + 1;
  }
  if (zero && one) {
    return std::nullopt;
  }
  return out;
}

// rf = Keyword *(*WSP ":" *WSP Keyword)
std::optional<std::string> parseRf(std::string_view value)
{
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    std::size_t colon = value.find(':', pos);
    std::string_view word = trimSpaceOrTab(
        value.substr(pos, colon == std::string_view::npos ? value.npos : colon - pos));
    if (word.empty()) {
      return std::nullopt;
    }
    for (char c : word) {
      if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '-') {
        return std::nullopt;
      }
    }
    if (!out.empty()) {
      out += ':';
    }
    out += toLowerAscii(word);
    if (colon == std::string_view::npos) {
      return out;
    }
    pos = colon + 1;
  }
}

std::optional<std::string> percentDecode(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt;
    }
    int high = hexDigitValue(text[i + 1]);
    int low = hexDigitValue(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::vector<ReportUri> parseUriList(std::string_view value, bool& anyValid)
{
  std::vector<ReportUri> out;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    std::size_t comma = value.find(',', pos);
    std::string_view item = trimSpaceOrTab(
        value.substr(pos, comma == std::string_view::npos ? value.npos : comma - pos));
    if (auto uri = parseReportUri(item); uri && out.size() < g_maxReportUris) {
      out.push_back(std::move(*uri));
      anyValid = true;
    }
    if (comma == std::string_view::npos) {
      break;
    }
    pos = comma + 1;
  }
  return out;
}
// The size limit after '!' in a report URI, in bytes (RFC 7489 §6.4
// dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ]); nothing when
// it is malformed or does not fit 64 bits.
std::optional<std::uint64_t> parseMaxSize(std::string_view size)
{
  std::uint64_t unit = 1;
  if (!size.empty() && !isAsciiDigit(size.back())) {
    switch (size.back()) {
    case 'k':
    case 'K':
      unit = std::uint64_t{1} << 10;
      break;
    case 'm':
    case 'M':
      unit = std::uint64_t{1} << 20;
      break;
    case 'g':
    case 'G':
      unit = std::uint64_t{1} << 30;
      break;
    case 't':
    case 'T':
      unit = std::uint64_t{1} << 40;
      break;
    default:
      return std::nullopt;
    }
    size.remove_suffix(1);
  }
  auto number = parseNumber(size, std::numeric_limits<std::uint64_t>::max() / unit);
  if (!number) {
    return std::nullopt;
  }
  return *number * unit;
}
} // namespace

std::optional<ReportUri> parseReportUri(std::string_view text)
{
  text = trimSpaceOrTab(text);
  if (text.empty() || text.size() > 2048) {
    return std::nullopt;
  }
  ReportUri result;
  std::string_view uri = text;
  if (auto bang = text.rfind('!'); bang != std::string_view::npos) {
    auto maxSize = parseMaxSize(text.substr(bang + 1));
    if (!maxSize) {
      return std::nullopt;
    }
    result.maxSize = *maxSize;
    uri = trimSpaceOrTab(text.substr(0, bang));
  }
  auto colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  for (char c : uri) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == ';' || c == ',') {
      return std::nullopt;
    }
  }
  std::string_view scheme = uri.substr(0, colon);
  std::string_view rest = uri.substr(colon + 1);
  if (equalsIgnoreCase(scheme, "mailto")) {
    result.scheme = "mailto";
    std::string_view address = rest.substr(0, rest.find('?'));
    auto decoded = address.find('%') == std::string_view::npos
                       ? std::optional<std::string>(std::string(address))
                       : percentDecode(address);
    if (!decoded) {
      return std::nullopt;
    }
    auto at = decoded->rfind('@');
    if (at == std::string::npos || at == 0) {
      return std::nullopt;
    }
    std::string domain = toLowerAscii(std::string_view(*decoded).substr(at + 1));
    if (!isValidDomainName(domain)) {
      return std::nullopt;
    }
    result.target = std::move(*decoded);
    result.domain = std::move(domain);
  } else if (equalsIgnoreCase(scheme, "https")) {
    result.scheme = "https";
    if (!rest.starts_with("//")) {
      return std::nullopt;
    }
    rest.remove_prefix(2);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (authority.find('@') != std::string_view::npos) {
      return std::nullopt; // no userinfo in a report destination
    }
    std::string_view host = authority.substr(0, authority.find(':'));
    if (host.size() < authority.size()) {
      if (!parseNumber(authority.substr(host.size() + 1), 65535)) {
        return std::nullopt;
      }
    }
    std::string lower = toLowerAscii(host);
    if (!isValidDomainName(lower)) {
      return std::nullopt;
    }
    result.target = lower;
    result.domain = std::move(lower);
  } else {
    return std::nullopt;
  }
  result.uri = std::string(uri);
  return result;
}

bool isDmarcRecord(std::string_view text)
{
  std::size_t pos = 0;
  while (pos < text.size() && isSpaceOrTab(text[pos])) {
    ++pos;
  }
  Tag first = nextTag(text, pos);
  return first.wellFormed && equalsIgnoreCase(first.name, "v") && first.value == "DMARC1";
}

namespace
{
// What the tag loop of parseDmarcRecord learns besides the record itself:
// which tags were seen (the first of each counts) and what decides at the
// end whether the record is usable as written.
struct TagState
{
  std::optional<Policy> p;
  bool pInvalid = false;
  bool spInvalid = false;
  bool npInvalid = false;
  bool pNotSecond = false;
  bool anyValidRua = false;
  bool seenP = false, seenSp = false, seenNp = false, seenAdkim = false, seenAspf = false,
       seenFo = false, seenRua = false, seenRuf = false, seenPct = false, seenRf = false,
       seenRi = false, seenT = false, seenPsd = false;
};

// Known tag names are at most 5 letters: a lower-case copy in `lowered`,
// empty for a longer name (no known tag).
std::string_view lowerTagName(std::string_view name, char (&lowered)[5])
{
  std::size_t length = name.size() <= sizeof(lowered) ? name.size() : 0;
  for (std::size_t i = 0; i < length; ++i) {
    char c = name[i];
    lowered[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return std::string_view(lowered, length);
}

// p, sp and np (np in RFC 9989 only); false for any other tag. An invalid
// value is remembered: it decides the record's fate at the end.
bool applyPolicyTag(std::string_view key, std::string_view value, bool validValue, DmarcMode mode,
                    DmarcRecord& record, TagState& state)
{
  if (key == "p") {
    if (!state.seenP) {
      state.seenP = true;
      record.pPresent = true;
      state.p = validValue ? parsePolicy(value) : std::nullopt;
      state.pInvalid = !state.p;
    }
    return true;
  }
  if (key == "sp") {
    if (!state.seenSp) {
      state.seenSp = true;
      record.policy.sp = validValue ? parsePolicy(value) : std::nullopt;
      state.spInvalid = !record.policy.sp;
    }
    return true;
  }
  if (mode == DmarcMode::Rfc9989 && key == "np") {
    // RFC 7489 has no np: there it is an unknown tag, ignored (§6.3),
    // never a reason to set the record aside or rewrite it.
    if (!state.seenNp) {
      state.seenNp = true;
      record.policy.np = validValue ? parsePolicy(value) : std::nullopt;
      state.npInvalid = !record.policy.np;
    }
    return true;
  }
  return false;
}

// Every other known tag: an invalid value takes the tag's default, and a
// tag of the other mode or an unknown one is ignored (RFC 9989 §4.7).
void applyOtherTag(std::string_view key, std::string_view value, bool validValue, DmarcMode mode,
                   DmarcRecord& record, TagState& state)
{
  auto is = [key](std::string_view want) { return key == want; };
  if (is("adkim")) {
    if (!state.seenAdkim) {
      state.seenAdkim = true;
      record.policy.adkim = parseAlignment(value).value_or(AlignmentMode::Relaxed);
    }
  } else if (is("aspf")) {
    if (!state.seenAspf) {
      state.seenAspf = true;
      record.policy.aspf = parseAlignment(value).value_or(AlignmentMode::Relaxed);
    }
  } else if (is("fo")) {
    if (!state.seenFo) {
      state.seenFo = true;
      record.policy.fo = parseFo(value).value_or("0");
    }
  } else if (is("rua")) {
    if (!state.seenRua && validValue) {
      state.seenRua = true;
      record.rua = parseUriList(value, state.anyValidRua);
    }
  } else if (is("ruf")) {
    if (!state.seenRuf && validValue) {
      state.seenRuf = true;
      bool ignored = false;
      record.ruf = parseUriList(value, ignored);
    }
  } else if (mode == DmarcMode::Rfc7489 && is("pct")) {
    if (!state.seenPct) {
      state.seenPct = true;
      auto pct = value.size() <= 3 ? parseNumber(value, 100) : std::nullopt;
      record.policy.pct = pct ? static_cast<unsigned>(*pct) : 100;
    }
  } else if (mode == DmarcMode::Rfc7489 && is("rf")) {
    if (!state.seenRf) {
      state.seenRf = true;
      record.rf = parseRf(value).value_or("afrf");
    }
  } else if (mode == DmarcMode::Rfc7489 && is("ri")) {
    if (!state.seenRi) {
      state.seenRi = true;
      auto ri = parseNumber(value, std::numeric_limits<std::uint32_t>::max());
      record.ri = ri ? static_cast<std::uint32_t>(*ri) : 86400;
    }
  } else if (is("t")) {
    if (!state.seenT) {
      state.seenT = true;
      record.policy.testing = equalsIgnoreCase(value, "y");
    }
  } else if (is("psd")) {
    if (!state.seenPsd) {
      state.seenPsd = true;
      if (equalsIgnoreCase(value, "y")) {
        record.policy.psd = PsdFlag::Yes;
      } else if (equalsIgnoreCase(value, "n")) {
        record.policy.psd = PsdFlag::No;
      }
    }
  }
}

// After all tags: the record's status from its p, sp and np, the rules of
// the mode (a missing or invalid policy with a valid rua reads as p=none).
void settlePolicy(DmarcRecord& record, const TagState& state, DmarcMode mode)
{
  if (mode == DmarcMode::Rfc7489 && record.pPresent && state.pNotSecond) {
    record.status = RecordStatus::Unusable;
    record.error = "p must immediately follow v (RFC 7489 §6.3)";
    return;
  }
  bool missingP = !record.pPresent;
  if (missingP && mode == DmarcMode::Rfc9989 && !state.spInvalid && !state.npInvalid) {
    record.policy.p = Policy::None; // RFC 9989 §4.7: no p means p=none
    return;
  }
  if (state.pInvalid || missingP || state.spInvalid || state.npInvalid) {
    // The rule that decides, cited in the mode's own text: RFC 9989
    // §4.10.1 (p, sp, np) or RFC 7489 §6.6.3 step 6 (p, sp only).
    bool bis = mode == DmarcMode::Rfc9989;
    if (!state.anyValidRua) {
      record.status = RecordStatus::Unusable;
      if (!bis) {
        record.error = missingP ? "no p tag and no valid rua (RFC 7489 §6.6.3 step 6)"
                                : "invalid p or sp and no valid rua (RFC 7489 §6.6.3 step 6)";
      } else {
        record.error = "invalid p, sp or np and no valid rua (RFC 9989 §4.10.1)";
      }
      return;
    }
    record.policyRewritten = true;
    record.error = bis ? "invalid or missing p, sp or np with a valid rua: acting as p=none (RFC "
                         "9989 §4.10.1)"
                       : "invalid or missing p or sp with a valid rua: acting as p=none (RFC 7489 "
                         "§6.6.3 step 6)";
    record.policy.p = Policy::None;
    record.policy.sp = Policy::None;
    if (bis) {
      record.policy.np = Policy::None;
    }
    return;
  }
  record.policy.p = *state.p;
}
} // namespace

DmarcRecord parseDmarcRecord(std::string_view text, DmarcMode mode)
{
  DmarcRecord record;
  if (!isDmarcRecord(text)) {
    record.status = RecordStatus::NotDmarc;
    record.error = "not a DMARC record (v=DMARC1 must come first)";
    return record;
  }
  record.status = RecordStatus::Valid;
  if (text.size() > g_maxRecordLength) {
    record.status = RecordStatus::Unusable;
    record.error = "record too long";
    return record;
  }
  record.policy.record = std::string(text);

  TagState state;
  std::size_t pos = 0;
  std::size_t index = 0;
  while (pos < text.size()) {
    Tag tag = nextTag(text, pos);
    if (tag.name.empty() && tag.value.empty()) {
      continue; // empty element, e.g. a trailing ';'
    }
    if (++index > g_maxRecordTags) {
      record.status = RecordStatus::Unusable;
      record.error = "too many tags";
      return record;
    }
    if (index == 1 || !tag.wellFormed) {
      continue; // v=DMARC1 (already checked), or a malformed element: ignored
    }
    char lowered[5] = {};
    const std::string_view key = lowerTagName(tag.name, lowered);
    const bool validValue = isValidValue(tag.value);
    if (index == 2 && key != "p") {
      state.pNotSecond = true;
    }
    if (!applyPolicyTag(key, tag.value, validValue, mode, record, state)) {
      applyOtherTag(key, tag.value, validValue, mode, record, state);
    }
  }

  for (const auto& uri : record.rua) {
    record.policy.rua.push_back(uri.uri);
  }
  for (const auto& uri : record.ruf) {
    record.policy.ruf.push_back(uri.uri);
  }
  settlePolicy(record, state, mode);
  return record;
}

std::string_view toString(DmarcMode mode)
{
  return mode == DmarcMode::Rfc7489 ? "rfc7489" : "rfc9989";
}

std::string_view toString(RecordStatus status)
{
  switch (status) {
  case RecordStatus::Valid:
    return "valid";
  case RecordStatus::NotDmarc:
    return "not-dmarc";
  case RecordStatus::Unusable:
    return "unusable";
  }
  return "not-dmarc";
}
} // namespace dmarc
