// ascii_text.cc: ASCII case folding, comparison and trimming.
// Pure: no I/O, no allocation except the strings returned.
#include "lib/core/ascii_text.hh"

#include <algorithm>

namespace dmarc
{
namespace
{
bool isSpaceAscii(char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}
} // namespace

bool isAsciiDigits(std::string_view text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), isAsciiDigit);
}

char lowerAscii(char c)
{
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

int hexDigitValue(char c)
{
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

std::string lowerHex(std::string_view bytes)
{
  static constexpr char s_digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    auto byte = static_cast<unsigned char>(c);
    out += s_digits[byte >> 4];
    out += s_digits[byte & 0x0F];
  }
  return out;
}

std::string toLowerAscii(std::string_view text)
{
  std::string out(text);
  for (char& c : out) {
    c = lowerAscii(c);
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b)
{
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lowerAscii(a[i]) != lowerAscii(b[i])) {
      return false;
    }
  }
  return true;
}

bool endsWithIgnoreCase(std::string_view text, std::string_view suffix)
{
  return text.size() >= suffix.size() &&
         equalsIgnoreCase(text.substr(text.size() - suffix.size()), suffix);
}

bool isAscii(std::string_view text)
{
  for (char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return false;
    }
  }
  return true;
}

std::string_view trimSpace(std::string_view text)
{
  return trimIf(text, isSpaceAscii);
}

std::string_view trimSpaceOrTab(std::string_view text)
{
  return trimIf(text, isSpaceOrTab);
}

std::string printableAscii(std::string_view text, std::size_t maxLength)
{
  std::string out;
  out.reserve(std::min(text.size(), maxLength) + 3);
  for (char c : text.substr(0, maxLength)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 0x20 && byte < 0x7f ? c : '?');
  }
  if (text.size() > maxLength) {
    out += "...";
  }
  return out;
}
} // namespace dmarc
