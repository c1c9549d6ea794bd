// html_writer.hh: building an HTML document (with inline SVG) as a string,
// with every piece of text and every attribute value escaped on the way in.
//
// Pure: no I/O. Text and attribute values are untrusted (they come from
// reports other receivers sent, from DNS and from SMTP clients): escapeHtml()
// makes any bytes safe to place in element content or in a double-quoted
// attribute, so that a reporter named "<script>" shows as text. Tag and
// attribute names are the caller's own constants and are trusted; raw() is
// for the page's own constant style sheet only.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dmarc
{
// & < > " ' as character references; C0/C1 control characters (other than
// tab, line feed and carriage return) and bytes that are not UTF-8 as U+FFFD,
// so that the page stays valid HTML whatever the input was.
std::string escapeHtml(std::string_view text);

// A number for an SVG coordinate: at most one decimal, no exponent.
std::string svgNumber(double value);

class HtmlWriter
{
public:
  using Attributes = std::initializer_list<std::pair<std::string_view, std::string_view>>;

  // <tag attributes...>; must be matched by close(tag).
  void open(std::string_view tag, Attributes attributes = {});
  void open(std::string_view tag,
            const std::vector<std::pair<std::string, std::string>>& attributes);
  // Throws std::logic_error when tag is not the innermost open element.
  void close(std::string_view tag);
  // <tag attributes...>text</tag>
  void element(std::string_view tag, Attributes attributes, std::string_view text);
  // <tag attributes.../> (HTML void elements and childless SVG elements).
  void empty(std::string_view tag, Attributes attributes);
  void empty(std::string_view tag,
             const std::vector<std::pair<std::string, std::string>>& attributes);
  void text(std::string_view text);
  // Trusted markup of our own (the style sheet, the doctype); never data.
  void raw(std::string_view markup);
  // The document; throws std::logic_error when an element is still open.
  std::string finish();

private:
  void attribute(std::string_view name, std::string_view value);

  std::string d_out;
  std::vector<std::string> d_open;
};
} // namespace dmarc
