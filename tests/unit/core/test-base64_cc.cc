// test-base64_cc.cc: strict base64 for b=, bh= and p= (RFC 4648 §4 with
// folding white space, RFC 6376 §2.4).
#include <boost/test/unit_test.hpp>

#include "lib/core/base64.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_base64_cc)

BOOST_AUTO_TEST_CASE(test_decodeBase64_Rfc4648Vectors)
{
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"Zg==", "f"},
                                                         {"Zm8=", "fo"},
                                                         {"Zm9v", "foo"},
                                                         {"Zm9vYg==", "foob"},
                                                         {"Zm9vYmE=", "fooba"},
                                                         {"Zm9vYmFy", "foobar"}};
  for (auto [encoded, decoded] : vectors) {
    auto got = decodeStrictBase64(encoded);
    BOOST_REQUIRE_MESSAGE(got, "refused " << encoded);
    BOOST_CHECK_EQUAL(*got, decoded);
    BOOST_CHECK_EQUAL(encodeBase64(decoded), encoded);
  }
}

BOOST_AUTO_TEST_CASE(test_decodeBase64_FoldingSpaceIgnored)
{
  BOOST_CHECK_EQUAL(*decodeStrictBase64(" Zm9v\r\n\tYmFy "), "foobar");
}

BOOST_AUTO_TEST_CASE(test_decodeBase64_Refusals)
{
  for (const char* bad : {"Zm9", "Zg=", "Zg===", "=Zg=", "Zg==Zg==", "Zm9v!", "Z===", "Zm9v\x80"}) {
    BOOST_CHECK_MESSAGE(!decodeStrictBase64(bad), "accepted: " << bad);
  }
}

BOOST_AUTO_TEST_CASE(test_encodeBase64_AllBytes)
{
  std::string bytes;
  for (int i = 0; i < 256; ++i) {
    bytes.push_back(static_cast<char>(i));
  }
  BOOST_CHECK_EQUAL(*decodeStrictBase64(encodeBase64(bytes)), bytes);
}

BOOST_AUTO_TEST_SUITE_END()
