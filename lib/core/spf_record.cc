// spf_record.cc: strict RFC 7208 ABNF check of SPF records (see
// spf_record.hh). Pure: no I/O.
#include "lib/core/spf_record.hh"

#include <arpa/inet.h>
#include <charconv>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
bool isAlnum(char c)
{
  return isAsciiAlpha(c) || isAsciiDigit(c);
}
// Largest number the DIGIT transformer may carry. RFC 7208 §7.3 asks for
// at least 128; a bound keeps libspf2's expansion arithmetic small.
constexpr unsigned s_maxTransformerDigits = 3;

// Parses one macro-expand at text[pos] == '%'; advances pos past it.
// Returns false on any syntax error (RFC 7208 §7.1).
bool parseMacroExpand(std::string_view text, std::size_t& pos, bool explanation,
                      bool& endsWithMacro)
{
  if (pos + 1 >= text.size()) {
    return false; // trailing '%'
  }
  char next = text[pos + 1];
  if (next == '%' || next == '_' || next == '-') {
    pos += 2;
    endsWithMacro = true;
    return true;
  }
  if (next != '{') {
    return false;
  }
  std::size_t i = pos + 2;
  if (i >= text.size()) {
    return false;
  }
  char letter = lowerAscii(text[i]);
  switch (letter) {
  case 's':
  case 'l':
  case 'o':
  case 'd':
  case 'i':
  case 'p':
  case 'h':
  case 'v':
    break;
  case 'c':
  case 'r':
  case 't':
    if (!explanation) {
      return false; // RFC 7208 §7.2: only in "exp" text
    }
    break;
  default:
    return false;
  }
  ++i;
  std::size_t digits = 0;
  while (i < text.size() && isAsciiDigit(text[i])) {
    ++digits;
    ++i;
  }
  if (digits > s_maxTransformerDigits) {
    return false;
  }
  if (digits > 0) {
    unsigned value = 0;
    std::from_chars(text.data() + i - digits, text.data() + i, value);
    if (value == 0) {
      return false; // RFC 7208 §7.3: zero parts is not a transformer
    }
  }
  if (i < text.size() && lowerAscii(text[i]) == 'r') {
    ++i;
  }
  while (i < text.size()) {
    char c = text[i];
    if (c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=') {
      ++i;
    } else {
      break;
    }
  }
  if (i >= text.size() || text[i] != '}') {
    return false;
  }
  pos = i + 1;
  endsWithMacro = true;
  return true;
}

// macro-string = *( macro-expand / macro-literal ); with `allowSpace`, SP
// is also allowed (explain-string). Reports where the trailing literal run
// starts, for the domain-end check.
bool scanMacroString(std::string_view text, bool explanation, bool allowSpace, bool& endsWithMacro,
                     std::size_t& literalTail)
{
  endsWithMacro = false;
  literalTail = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto c = static_cast<unsigned char>(text[pos]);
    if (c == '%') {
      if (!parseMacroExpand(text, pos, explanation, endsWithMacro)) {
        return false;
      }
      literalTail = pos;
      continue;
    }
    if (c == ' ' && allowSpace) {
      endsWithMacro = false;
      ++pos;
      continue;
    }
    if (c < 0x21 || c > 0x7e) {
      return false; // controls, SP, DEL, non-ASCII (RFC 7208 §3.1)
    }
    endsWithMacro = false;
    ++pos;
  }
  return true;
}

// RFC 7208 §12 toplabel.
bool isTopLabel(std::string_view label)
{
  if (label.empty()) {
    return false;
  }
  bool hasAlpha = false;
  bool hasHyphen = false;
  for (char c : label) {
    if (isAsciiAlpha(c)) {
      hasAlpha = true;
    } else if (c == '-') {
      hasHyphen = true;
    } else if (!isAsciiDigit(c)) {
      return false;
    }
  }
  if (!hasHyphen) {
    return hasAlpha; // *alphanum ALPHA *alphanum
  }
  // 1*alphanum "-" *( alphanum / "-" ) alphanum
  return isAlnum(label.front()) && isAlnum(label.back());
}

// "/" ("0" / %x31-39 0*1DIGIT) up to 32, or 0*2DIGIT up to 128.
std::optional<unsigned> parseCidr(std::string_view digits, unsigned max)
{
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return std::nullopt;
  }
  for (char c : digits) {
    if (!isAsciiDigit(c)) {
      return std::nullopt;
    }
  }
  unsigned value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (value > max) {
    return std::nullopt;
  }
  return value;
}

// Takes a trailing "/digits" (or "//digits") off `text`.
std::optional<std::string_view> takeSlashNumber(std::string_view& text, bool doubleSlash)
{
  std::size_t n = 0;
  while (n < text.size() && isAsciiDigit(text[text.size() - 1 - n])) {
    ++n;
  }
  std::size_t slashes = doubleSlash ? 2 : 1;
  if (n == 0 || text.size() < n + slashes) {
    return std::nullopt;
  }
  std::size_t slash = text.size() - n - 1;
  if (text[slash] != '/') {
    return std::nullopt;
  }
  if (doubleSlash ? text[slash - 1] != '/' : (slash > 0 && text[slash - 1] == '/')) {
    return std::nullopt;
  }
  std::string_view digits = text.substr(text.size() - n);
  text = text.substr(0, text.size() - n - slashes);
  return digits;
}

// Splits a trailing dual-cidr-length ("/n", "//m", "/n//m") off `text`.
bool splitDualCidr(std::string_view& text, std::optional<unsigned>& cidr4,
                   std::optional<unsigned>& cidr6)
{
  if (auto digits6 = takeSlashNumber(text, true)) {
    cidr6 = parseCidr(*digits6, 128);
    if (!cidr6) {
      return false;
    }
  }
  if (auto digits4 = takeSlashNumber(text, false)) {
    cidr4 = parseCidr(*digits4, 32);
    if (!cidr4) {
      return false;
    }
  }
  return true;
}

bool isIp4Network(std::string_view text)
{
  // qnum "." qnum "." qnum "." qnum, no leading zeros.
  int parts = 0;
  std::size_t pos = 0;
  while (true) {
    std::size_t start = pos;
    while (pos < text.size() && isAsciiDigit(text[pos])) {
      ++pos;
    }
    std::size_t length = pos - start;
    if (length == 0 || length > 3 || (length > 1 && text[start] == '0')) {
      return false;
    }
    unsigned value = 0;
    std::from_chars(text.data() + start, text.data() + pos, value);
    if (value > 255) {
      return false;
    }
    ++parts;
    if (pos == text.size()) {
      break;
    }
    if (text[pos] != '.' || parts == 4) {
      return false;
    }
    ++pos;
  }
  return parts == 4;
}

bool isIp6Network(std::string_view text)
{
  if (text.empty() || text.size() > 45) {
    return false;
  }
  for (char c : text) {
    if (!(hexDigitValue(c) >= 0 || c == ':' || c == '.')) {
      return false;
    }
  }
  std::string copy(text);
  unsigned char buffer[16];
  return inet_pton(AF_INET6, copy.c_str(), buffer) == 1;
}

// The argument of ip4 or ip6: ":" network ["/" prefix length], the network
// written as the RFC 7208 grammar asks.
bool parseIpNetwork(std::string_view term, const std::string& name, std::string_view args,
                    SpfTerm& out, std::string& error)
{
  bool v4 = name == "ip4";
  out.mechanism = v4 ? SpfMechanism::Ip4 : SpfMechanism::Ip6;
  if (args.empty() || args[0] != ':') {
    error = "'" + name + "' needs an address";
    return false;
  }
  std::string_view network = args.substr(1);
  auto slash = network.find('/');
  if (slash != std::string_view::npos) {
    auto cidr = parseCidr(network.substr(slash + 1), v4 ? 32 : 128);
    if (!cidr) {
      error = "invalid CIDR length in '" + std::string(term) + "'";
      return false;
    }
    (v4 ? out.cidr4 : out.cidr6) = cidr;
    network = network.substr(0, slash);
  }
  if (!(v4 ? isIp4Network(network) : isIp6Network(network))) {
    error = "invalid address in '" + std::string(term) + "'";
    return false;
  }
  out.network = std::string(network);
  return true;
}

// One directive: [qualifier] mechanism.
bool parseDirective(std::string_view term, SpfTerm& out, std::string& error)
{
  std::string_view rest = term;
  if (!rest.empty() && (rest[0] == '+' || rest[0] == '-' || rest[0] == '~' || rest[0] == '?')) {
    out.qualifier = rest[0];
    rest.remove_prefix(1);
  }
  std::size_t nameEnd = 0;
  while (nameEnd < rest.size() && isAlnum(rest[nameEnd])) {
    ++nameEnd;
  }
  std::string name = toLowerAscii(rest.substr(0, nameEnd));
  std::string_view args = rest.substr(nameEnd);
  if (!args.empty() && args[0] != ':' && args[0] != '/') {
    error = "invalid character in term '" + std::string(term) + "'";
    return false;
  }
  auto domainArgument = [&](bool required) -> bool {
    if (args.empty()) {
      if (required) {
        error = "'" + name + "' needs a domain-spec";
      }
      return !required;
    }
    if (args[0] != ':') {
      error = "unexpected '/' in '" + std::string(term) + "'";
      return false;
    }
    std::string_view spec = args.substr(1);
    if (!isValidDomainSpec(spec)) {
      error = "invalid domain-spec in '" + std::string(term) + "'";
      return false;
    }
    out.domainSpec = std::string(spec);
    return true;
  };

  if (name == "all") {
    out.mechanism = SpfMechanism::All;
    if (!args.empty()) {
      error = "'all' takes no argument";
      return false;
    }
    return true;
  }
  if (name == "include" || name == "exists") {
    out.mechanism = name == "include" ? SpfMechanism::Include : SpfMechanism::Exists;
    return domainArgument(true);
  }
  if (name == "ptr") {
    out.mechanism = SpfMechanism::Ptr;
    return domainArgument(false);
  }
  if (name == "a" || name == "mx") {
    out.mechanism = name == "a" ? SpfMechanism::A : SpfMechanism::Mx;
    if (!splitDualCidr(args, out.cidr4, out.cidr6)) {
      error = "invalid CIDR length in '" + std::string(term) + "'";
      return false;
    }
    return domainArgument(false);
  }
  if (name == "ip4" || name == "ip6") {
    return parseIpNetwork(term, name, args, out, error);
  }
  error = "unknown mechanism '" + std::string(term) + "'";
  return false;
}
} // namespace

const SpfTerm* SpfRecord::redirect() const
{
  for (const auto& term : terms) {
    if (term.isModifier && term.name == "redirect") {
      return &term;
    }
  }
  return nullptr;
}

const SpfTerm* SpfRecord::explanation() const
{
  for (const auto& term : terms) {
    if (term.isModifier && term.name == "exp") {
      return &term;
    }
  }
  return nullptr;
}

bool SpfRecord::hasAll() const
{
  for (const auto& term : terms) {
    if (!term.isModifier && term.mechanism == SpfMechanism::All) {
      return true;
    }
  }
  return false;
}

bool isSpfRecordText(std::string_view text)
{
  return text.size() >= 6 && equalsIgnoreCase(text.substr(0, 6), "v=spf1") &&
         (text.size() == 6 || text[6] == ' ');
}

bool isValidMacroString(std::string_view text, bool explanation)
{
  bool endsWithMacro = false;
  std::size_t tail = 0;
  return scanMacroString(text, explanation, false, endsWithMacro, tail);
}

bool isValidExplainString(std::string_view text)
{
  bool endsWithMacro = false;
  std::size_t tail = 0;
  return scanMacroString(text, true, true, endsWithMacro, tail);
}

bool isValidDomainSpec(std::string_view text)
{
  bool endsWithMacro = false;
  std::size_t literalTail = 0;
  if (text.empty() || !scanMacroString(text, false, false, endsWithMacro, literalTail)) {
    return false;
  }
  if (endsWithMacro) {
    return true; // domain-end = macro-expand
  }
  // domain-end = "." toplabel [ "." ], inside the trailing literal run.
  std::string_view tail = text.substr(literalTail);
  if (!tail.empty() && tail.back() == '.') {
    tail.remove_suffix(1);
  }
  auto dot = tail.rfind('.');
  if (dot == std::string_view::npos) {
    return false;
  }
  return isTopLabel(tail.substr(dot + 1));
}

bool isValidSpfDomain(std::string_view domain)
{
  if (!domain.empty() && domain.back() == '.') {
    domain.remove_suffix(1);
  }
  if (domain.empty() || domain.size() > 253) {
    return false;
  }
  std::size_t labels = 0;
  std::size_t start = 0;
  while (start <= domain.size()) {
    auto end = domain.find('.', start);
    if (end == std::string_view::npos) {
      end = domain.size();
    }
    std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63) {
      return false;
    }
    for (char c : label) {
      if (!(isAlnum(c) || c == '-' || c == '_')) {
        return false;
      }
    }
    ++labels;
    start = end + 1;
  }
  return labels >= 2;
}

std::string truncateSpfDomain(std::string_view domain)
{
  if (!domain.empty() && domain.back() == '.') {
    domain.remove_suffix(1);
  }
  while (domain.size() > 253) {
    auto dot = domain.find('.');
    if (dot == std::string_view::npos) {
      break;
    }
    domain.remove_prefix(dot + 1);
  }
  return std::string(domain);
}

SpfParseResult parseSpfRecord(std::string_view text)
{
  SpfParseResult result;
  if (!isSpfRecordText(text)) {
    result.error = "not an SPF record";
    return result;
  }
  SpfRecord record;
  bool sawRedirect = false;
  bool sawExp = false;
  std::size_t pos = 6;
  while (pos < text.size()) {
    if (text[pos] != ' ') {
      result.error = "terms must be separated by spaces";
      return result;
    }
    while (pos < text.size() && text[pos] == ' ') {
      ++pos;
    }
    if (pos == text.size()) {
      break; // trailing spaces (*SP)
    }
    auto end = text.find(' ', pos);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view term = text.substr(pos, end - pos);
    pos = end;
    SpfTerm parsed;
    // A modifier is name "=" ...; the name is ALPHA *(ALPHA/DIGIT/-/_/.).
    std::size_t nameEnd = 0;
    while (nameEnd < term.size() && (isAlnum(term[nameEnd]) || term[nameEnd] == '-' ||
                                     term[nameEnd] == '_' || term[nameEnd] == '.')) {
      ++nameEnd;
    }
    if (nameEnd < term.size() && term[nameEnd] == '=') {
      if (nameEnd == 0 || !isAsciiAlpha(term[0])) {
        result.error = "invalid modifier name in '" + std::string(term) + "'";
        return result;
      }
      parsed.isModifier = true;
      parsed.name = toLowerAscii(term.substr(0, nameEnd));
      parsed.value = std::string(term.substr(nameEnd + 1));
      if (parsed.name == "redirect" || parsed.name == "exp") {
        bool& seen = parsed.name == "redirect" ? sawRedirect : sawExp;
        if (seen) {
          result.error = "'" + parsed.name + "' appears twice (RFC 7208 §6)";
          return result;
        }
        seen = true;
        if (!isValidDomainSpec(parsed.value)) {
          result.error = "invalid domain-spec in '" + std::string(term) + "'";
          return result;
        }
      } else if (!isValidMacroString(parsed.value, false)) {
        result.error = "invalid macro-string in '" + std::string(term) + "'";
        return result;
      }
    } else if (!parseDirective(term, parsed, result.error)) {
      return result;
    }
    record.terms.push_back(std::move(parsed));
  }
  result.record = std::move(record);
  return result;
}
} // namespace dmarc
