// test-dkim_key_record_cc.cc: DKIM key records (RFC 6376 §3.6.1, RFC 8463
// §4.2) and the ones a verifier must refuse before using the key.
#include <boost/test/unit_test.hpp>

#include "lib/core/dkim_key_record.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_dkim_key_record_cc)

BOOST_AUTO_TEST_CASE(test_parseDkimKeyRecord_RsaWithFoldedKey)
{
  auto record = parseDkimKeyRecord("v=DKIM1; k=rsa; p=Zm9v YmFy");
  BOOST_REQUIRE(record);
  BOOST_CHECK(record->type == DkimKeyType::Rsa);
  BOOST_CHECK_EQUAL(record->publicKey, "foobar");
  BOOST_CHECK(!record->revoked() && !record->testing);
}

BOOST_AUTO_TEST_CASE(test_parseDkimKeyRecord_DefaultsAndFlags)
{
  auto record = parseDkimKeyRecord("p=Zm9v; t=y:s; k=ed25519; h=sha1:sha256; s=*");
  BOOST_REQUIRE(record);
  BOOST_CHECK(record->type == DkimKeyType::Ed25519);
  BOOST_CHECK(record->testing && record->strict);
  BOOST_CHECK(parseDkimKeyRecord("p=")->revoked());
  BOOST_CHECK(parseDkimKeyRecord("s=tlsrpt; p=Zm9v", nullptr, "tlsrpt"));
}

BOOST_AUTO_TEST_CASE(test_parseDkimKeyRecord_Refusals)
{
  for (const char* bad : {"v=DKIM1; k=rsa; omgwhatsgoingon", "k=rsa; v=DKIM1; p=Zm9v",
                          "v=DKIM2; p=Zm9v", "k=dsa; p=Zm9v", "h=sha1; p=Zm9v", "s=tlsrpt; p=Zm9v",
                          "v=DKIM1", "p=Zm9", "p=Zm9v; p=Zm9v"}) {
    std::string why;
    BOOST_CHECK_MESSAGE(!parseDkimKeyRecord(bad, &why), "accepted: " << bad);
    BOOST_CHECK(!why.empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
