// test-html_writer_cc.cc: hostile text becomes inert text, whatever bytes it
// holds, and the writer refuses markup that does not nest.
#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "reporting/overview/html_writer.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_html_writer_cc)

BOOST_AUTO_TEST_CASE(test_EscapeHtml_MarkupBecomesText)
{
  BOOST_CHECK_EQUAL(escapeHtml("<script>alert('x')</script>&\""),
                    "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
  BOOST_CHECK_EQUAL(escapeHtml("plain.example"), "plain.example");
}

BOOST_AUTO_TEST_CASE(test_EscapeHtml_KeepsUtf8ReplacesTheRest)
{
  // Valid UTF-8 (é, €, an emoji) stays as it is.
  BOOST_CHECK_EQUAL(escapeHtml("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7"),
                    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA7");
  const std::string fffd = "\xEF\xBF\xBD";
  // A lone continuation byte, a truncated sequence, an overlong '<' and a
  // UTF-16 surrogate are each replaced, never passed through.
  BOOST_CHECK_EQUAL(escapeHtml("a\x80z"), "a" + fffd + "z");
  BOOST_CHECK_EQUAL(escapeHtml("a\xE2\x82"), "a" + fffd + fffd);
  BOOST_CHECK_EQUAL(escapeHtml("\xC0\xBC"), fffd + fffd);
  BOOST_CHECK_EQUAL(escapeHtml("\xED\xA0\x80"), fffd + fffd + fffd);
  // C0 and C1 controls and DEL; tab and line ends are kept.
  BOOST_CHECK_EQUAL(escapeHtml(std::string("a\0b\x1B\x7F", 5)), "a" + fffd + "b" + fffd + fffd);
  BOOST_CHECK_EQUAL(escapeHtml("\xC2\x85"), fffd);
  BOOST_CHECK_EQUAL(escapeHtml("a\tb\r\n"), "a\tb\r\n");
}

BOOST_AUTO_TEST_CASE(test_HtmlWriter_EscapesTextAndAttributes)
{
  HtmlWriter out;
  out.open("p", {{"title", "\"><img src=x onerror=alert(1)>"}});
  out.text("<b>bold</b>");
  out.close("p");
  out.empty("meta", {{"charset", "utf-8"}});
  BOOST_CHECK_EQUAL(out.finish(), "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">"
                                  "&lt;b&gt;bold&lt;/b&gt;</p><meta charset=\"utf-8\"/>");
}

BOOST_AUTO_TEST_CASE(test_HtmlWriter_RefusesBadNesting)
{
  HtmlWriter out;
  out.open("div");
  out.open("span");
  BOOST_CHECK_THROW(out.close("div"), std::logic_error);
  out.close("span");
  BOOST_CHECK_THROW(out.finish(), std::logic_error);
  HtmlWriter empty;
  BOOST_CHECK_THROW(empty.close("p"), std::logic_error);
}

BOOST_AUTO_TEST_CASE(test_SvgNumber_OneDecimalAtMost)
{
  BOOST_CHECK_EQUAL(svgNumber(12), "12");
  BOOST_CHECK_EQUAL(svgNumber(12.34), "12.3");
  BOOST_CHECK_EQUAL(svgNumber(-0.01), "0");
  BOOST_CHECK_EQUAL(svgNumber(1.0 / 0.0), "0");
}

BOOST_AUTO_TEST_SUITE_END()
