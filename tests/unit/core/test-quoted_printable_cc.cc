// test-quoted_printable_cc.cc: RFC 2045 §6.7 encoding of hostile header
// sections, and the 7bit test that decides whether it is needed.
#include <boost/test/unit_test.hpp>

#include "lib/core/quoted_printable.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_quoted_printable_cc)

BOOST_AUTO_TEST_CASE(test_encodeQuotedPrintable_Rules)
{
  BOOST_CHECK_EQUAL(encodeQuotedPrintable("plain text"), "plain text\n");
  BOOST_CHECK_EQUAL(encodeQuotedPrintable("a=b"), "a=3Db\n");
  BOOST_CHECK_EQUAL(encodeQuotedPrintable("trailing \nx\t"), "trailing=20\nx=09\n");
  BOOST_CHECK_EQUAL(encodeQuotedPrintable("caf\xc3\xa9\r\nnext"), "caf=C3=A9\nnext\n");
  BOOST_CHECK_EQUAL(encodeQuotedPrintable(std::string("nul\0cr\rx", 8)), "nul=00cr=0Dx\n");
}

BOOST_AUTO_TEST_CASE(test_encodeQuotedPrintable_LinesAtMost76)
{
  std::string text(1000, 'a');
  text += std::string(300, '\xff');
  auto encoded = encodeQuotedPrintable(text);
  std::size_t start = 0;
  while (start < encoded.size()) {
    auto end = encoded.find('\n', start);
    BOOST_REQUIRE(end != std::string::npos);
    BOOST_CHECK_LE(end - start, 76u);
    for (std::size_t i = start; i < end; ++i) {
      auto byte = static_cast<unsigned char>(encoded[i]);
      BOOST_CHECK(byte >= 32 && byte < 127);
    }
    start = end + 1;
  }
}

BOOST_AUTO_TEST_CASE(test_isSevenBitText)
{
  BOOST_CHECK(isSevenBitText("From: a@b\r\nTo: c\n\tfolded\n"));
  BOOST_CHECK(!isSevenBitText("caf\xc3\xa9"));
  BOOST_CHECK(!isSevenBitText("bare\rcr"));
  BOOST_CHECK(!isSevenBitText(std::string("nul\0", 4)));
  BOOST_CHECK(!isSevenBitText(std::string(999, 'x')));
  BOOST_CHECK(isSevenBitText(std::string(998, 'x') + "\n" + std::string(998, 'x')));
}

BOOST_AUTO_TEST_SUITE_END()
