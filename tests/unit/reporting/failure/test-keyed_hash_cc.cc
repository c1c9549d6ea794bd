// test-keyed_hash_cc.cc: HMAC-SHA256 against the RFC 4231 test vectors.
#include <boost/test/unit_test.hpp>

#include "lib/core/ascii_text.hh"
#include "reporting/failure/keyed_hash.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_keyed_hash_cc)

BOOST_AUTO_TEST_CASE(test_hmacSha256_Rfc4231)
{
  // Test case 1 and 2 of RFC 4231 §4.
  BOOST_CHECK_EQUAL(lowerHex(hmacSha256(std::string(20, '\x0b'), "Hi There")),
                    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  BOOST_CHECK_EQUAL(lowerHex(hmacSha256("Jefe", "what do ya want for nothing?")),
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_SUITE_END()
