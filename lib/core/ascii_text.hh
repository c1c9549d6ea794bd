// ascii_text.hh: ASCII text helpers shared by every parser of the project
// (headers, records, reports, configuration): character classes, case
// folding, case-insensitive comparison and whitespace trimming, independent
// of the C locale.
// Pure: string functions only; any bytes are accepted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dmarc
{
// RFC 5234 DIGIT, ALPHA and WSP (space or tab). Inline: the DKIM body
// canonicalisation asks for every byte.
inline bool isAsciiDigit(char c)
{
  return c >= '0' && c <= '9';
}
inline bool isAsciiAlpha(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool isSpaceOrTab(char c)
{
  return c == ' ' || c == '\t';
}
// Folding white space in a tag list or header value: WSP, CR or LF.
inline bool isFoldingSpace(char c)
{
  return isSpaceOrTab(c) || c == '\r' || c == '\n';
}
// Non-empty and ASCII digits only.
bool isAsciiDigits(std::string_view text);
// 'A'-'Z' folded to 'a'-'z'; every other byte unchanged.
char lowerAscii(char c);
std::string toLowerAscii(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);
// Whether text ends with suffix, ASCII letters in either case.
bool endsWithIgnoreCase(std::string_view text, std::string_view suffix);
bool isAscii(std::string_view text);
// The value of a hexadecimal digit (either case), or -1 for any other byte.
int hexDigitValue(char c);
// Each byte as two lower-case hexadecimal digits: "\x01\xab" -> "01ab".
std::string lowerHex(std::string_view bytes);
// text without the leading and trailing bytes for which isTrimmed is true.
template <typename Predicate>
std::string_view trimIf(std::string_view text, Predicate isTrimmed)
{
  while (!text.empty() && isTrimmed(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isTrimmed(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}
// text without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trimSpace(std::string_view text);
// text without leading and trailing spaces and tabs (WSP) only.
std::string_view trimSpaceOrTab(std::string_view text);
// Untrusted text made safe for a log line or a terminal: printable ASCII
// kept, every other byte '?', at most maxLength bytes, then "..." when cut.
std::string printableAscii(std::string_view text, std::size_t maxLength);
} // namespace dmarc
