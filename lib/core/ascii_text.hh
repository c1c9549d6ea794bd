// ascii_text.hh: ASCII text helpers shared by every parser of the project
// (headers, records, reports, configuration): case folding, case-insensitive
// comparison and whitespace trimming, independent of the C locale.
// Pure: string functions only; any bytes are accepted.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dmarc
{
// 'A'-'Z' folded to 'a'-'z'; every other byte unchanged.
char lowerAscii(char c);
std::string toLowerAscii(std::string_view text);
bool equalsIgnoreCase(std::string_view a, std::string_view b);
bool isAscii(std::string_view text);
// The value of a hexadecimal digit (either case), or -1 for any other byte.
int hexDigitValue(char c);
// text without leading and trailing ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trimSpace(std::string_view text);
// Untrusted text made safe for a log line or a terminal: printable ASCII
// kept, every other byte '?', at most maxLength bytes, then "..." when cut.
std::string printableAscii(std::string_view text, std::size_t maxLength);
} // namespace dmarc
