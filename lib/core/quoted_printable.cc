// quoted_printable.cc: RFC 2045 §6.7 rules 1-5 (literal printable bytes,
// '=' and controls as =XX, trailing white space encoded, soft breaks so no
// encoded line exceeds 76 characters).
#include "lib/core/quoted_printable.hh"

namespace dmarc
{
namespace
{
constexpr std::size_t s_maxEncodedLine = 76;

void encodeLine(std::string_view line, std::string& out)
{
  static constexpr char s_hex[] = "0123456789ABCDEF";
  std::size_t column = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    auto byte = static_cast<unsigned char>(line[i]);
    const bool last = i + 1 == line.size();
    const bool literal =
        (byte >= 33 && byte <= 126 && byte != '=') || ((byte == ' ' || byte == '\t') && !last);
    const std::size_t width = literal ? 1 : 3;
    // Room for a soft break "=" after this piece unless it ends the line.
    if (column + width > s_maxEncodedLine - (last ? 0 : 1)) {
      out += "=\n";
      column = 0;
    }
    if (literal) {
      out += static_cast<char>(byte);
    } else {
      out += '=';
      out += s_hex[byte >> 4];
      out += s_hex[byte & 0xf];
    }
    column += width;
  }
  out += '\n';
}
} // namespace

std::string encodeQuotedPrintable(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r' && end != std::string_view::npos) {
      line.remove_suffix(1);
    }
    encodeLine(line, out);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
  }
  return out;
}

bool isSevenBitText(std::string_view text)
{
  std::size_t column = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      column = 0;
      continue;
    }
    if (byte == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      continue;
    }
    if ((byte < 32 && byte != '\t') || byte > 126 || ++column > 998) {
      return false;
    }
  }
  return true;
}
} // namespace dmarc
