// ascii_text.cc: ASCII case folding, comparison and trimming.
// Pure: no I/O, no allocation except toLowerAscii's result.
#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
char lowerAscii(char c)
{
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool isSpaceAscii(char c)
{
  return c == ' ' || (c >= '\t' && c <= '\r');
}
} // namespace

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
  while (!text.empty() && isSpaceAscii(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && isSpaceAscii(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}
} // namespace dmarc
