// test-psl_idna_cc.cc: A-label conversion with libidn2 (RFC 5890, UTS #46
// mapping), as RFC 9989 §4.4 requires for the Author Domain.
#include <boost/test/unit_test.hpp>

#include "lib/adapters/psl_idna.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_psl_idna_cc)

BOOST_AUTO_TEST_CASE(test_toALabel_Conversions)
{
  Idn2Converter idna;
  BOOST_CHECK_EQUAL(idna.toALabel("bücher.example").value_or("-"), "xn--bcher-kva.example");
  // UTS #46 maps upper case
  BOOST_CHECK_EQUAL(idna.toALabel("BÜCHER.example").value_or("-"), "xn--bcher-kva.example");
  BOOST_CHECK_EQUAL(idna.toALabel("食狮.中国").value_or("-"), "xn--85x722f.xn--fiqs8s");
  BOOST_CHECK_EQUAL(idna.toALabel("example.com").value_or("-"), "example.com");
}

BOOST_AUTO_TEST_CASE(test_toALabel_InvalidInput)
{
  Idn2Converter idna;
  BOOST_CHECK(!idna.toALabel(""));
  BOOST_CHECK(!idna.toALabel("\xff\xfe.example"));
  BOOST_CHECK(!idna.toALabel(std::string("a\0b", 3)));
  BOOST_CHECK(!idna.toALabel(std::string(2000, 'a')));
  BOOST_CHECK(!idna.toALabel("a b.example"));
}

BOOST_AUTO_TEST_SUITE_END()
