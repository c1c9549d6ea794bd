// html_writer.cc: see html_writer.hh.
#include "reporting/overview/html_writer.hh"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace dmarc
{
namespace
{
constexpr std::string_view s_replacement = "\xEF\xBF\xBD"; // U+FFFD

// Length of the well-formed UTF-8 sequence at text[i] (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0.
std::size_t utf8Length(std::string_view text, std::size_t i)
{
  const auto byte = [&](std::size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (i + length > text.size() || byte(i + 1) < low || byte(i + 1) > high) {
    return 0;
  }
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) {
      return 0;
    }
  }
  return length;
}
} // namespace

std::string escapeHtml(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (std::size_t i = 0; i < text.size();) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      switch (text[i]) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
      case '\r':
        out.push_back(text[i]);
        break;
      default:
        if (byte < 0x20 || byte == 0x7F) {
          out += s_replacement;
        } else {
          out.push_back(text[i]);
        }
      }
      ++i;
      continue;
    }
    const std::size_t length = utf8Length(text, i);
    // U+0080-U+009F (C1 controls) are parse errors in HTML as well.
    if (length == 0 ||
        (length == 2 && byte == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0)) {
      out += s_replacement;
      i += length == 0 ? 1 : length;
      continue;
    }
    out.append(text.substr(i, length));
    i += length;
  }
  return out;
}

std::string svgNumber(double value)
{
  if (!std::isfinite(value)) {
    return "0";
  }
  char text[32];
  const double rounded = std::round(value * 10) / 10;
  if (rounded == std::floor(rounded)) {
    std::snprintf(text, sizeof text, "%.0f", rounded);
  } else {
    std::snprintf(text, sizeof text, "%.1f", rounded);
  }
  return std::string(text) == "-0" ? "0" : text;
}

void HtmlWriter::attribute(std::string_view name, std::string_view value)
{
  d_out.push_back(' ');
  d_out.append(name);
  d_out += "=\"";
  d_out += escapeHtml(value);
  d_out.push_back('"');
}

void HtmlWriter::open(std::string_view tag, Attributes attributes)
{
  d_out.push_back('<');
  d_out.append(tag);
  for (const auto& [name, value] : attributes) {
    attribute(name, value);
  }
  d_out.push_back('>');
  d_open.emplace_back(tag);
}

void HtmlWriter::open(std::string_view tag,
                      const std::vector<std::pair<std::string, std::string>>& attributes)
{
  d_out.push_back('<');
  d_out.append(tag);
  for (const auto& [name, value] : attributes) {
    attribute(name, value);
  }
  d_out.push_back('>');
  d_open.emplace_back(tag);
}

void HtmlWriter::close(std::string_view tag)
{
  if (d_open.empty() || d_open.back() != tag) {
    throw std::logic_error("HtmlWriter: </" + std::string(tag) + "> does not close <" +
                           (d_open.empty() ? std::string("nothing") : d_open.back()) + ">");
  }
  d_open.pop_back();
  d_out += "</";
  d_out.append(tag);
  d_out.push_back('>');
}

void HtmlWriter::element(std::string_view tag, Attributes attributes, std::string_view content)
{
  open(tag, attributes);
  text(content);
  close(tag);
}

void HtmlWriter::empty(std::string_view tag, Attributes attributes)
{
  d_out.push_back('<');
  d_out.append(tag);
  for (const auto& [name, value] : attributes) {
    attribute(name, value);
  }
  d_out += "/>";
}

void HtmlWriter::empty(std::string_view tag,
                       const std::vector<std::pair<std::string, std::string>>& attributes)
{
  d_out.push_back('<');
  d_out.append(tag);
  for (const auto& [name, value] : attributes) {
    attribute(name, value);
  }
  d_out += "/>";
}

void HtmlWriter::text(std::string_view content)
{
  d_out += escapeHtml(content);
}

void HtmlWriter::raw(std::string_view markup)
{
  d_out.append(markup);
}

std::string HtmlWriter::finish()
{
  if (!d_open.empty()) {
    throw std::logic_error("HtmlWriter: <" + d_open.back() + "> is still open");
  }
  return std::move(d_out);
}
} // namespace dmarc
