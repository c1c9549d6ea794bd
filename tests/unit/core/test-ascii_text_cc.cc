// test-ascii_text_cc.cc: the hex text helpers, lowerHex and hexDigitValue.
#include <boost/test/unit_test.hpp>

#include "lib/core/ascii_text.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_ascii_text_cc)

BOOST_AUTO_TEST_CASE(test_lowerHex_EveryByteTwoLowerCaseDigits)
{
  BOOST_CHECK_EQUAL(lowerHex(""), "");
  BOOST_CHECK_EQUAL(lowerHex(std::string("\x00\x01\x0f\x10\x7f\x80\xab\xff", 8)),
                    "00010f107f80abff");
  BOOST_CHECK_EQUAL(lowerHex("Hi"), "4869");
}

BOOST_AUTO_TEST_CASE(test_lowerHex_ReadBackByHexDigitValue)
{
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes += static_cast<char>(i);
  }
  const std::string text = lowerHex(bytes);
  BOOST_REQUIRE_EQUAL(text.size(), 512u);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    int value = hexDigitValue(text[2 * i]) * 16 + hexDigitValue(text[2 * i + 1]);
    BOOST_CHECK_EQUAL(value, static_cast<int>(i));
  }
}

BOOST_AUTO_TEST_CASE(test_hexDigitValue_EitherCaseElseMinusOne)
{
  BOOST_CHECK_EQUAL(hexDigitValue('0'), 0);
  BOOST_CHECK_EQUAL(hexDigitValue('9'), 9);
  BOOST_CHECK_EQUAL(hexDigitValue('a'), 10);
  BOOST_CHECK_EQUAL(hexDigitValue('F'), 15);
  BOOST_CHECK_EQUAL(hexDigitValue('g'), -1);
  BOOST_CHECK_EQUAL(hexDigitValue('/'), -1);
}

BOOST_AUTO_TEST_SUITE_END()
