// test-dkim_crypto_cc.cc: rsa-sha256 and ed25519-sha256 signing and
// verification with OpenSSL (RFC 6376 §3.7, RFC 8463 §3).
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/core/error.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_dkim_crypto_cc)

BOOST_AUTO_TEST_CASE(test_signAndVerify_BothAlgorithms)
{
  for (DkimKeyType type : {DkimKeyType::Rsa, DkimKeyType::Ed25519}) {
    DkimSigningKey generated = DkimSigningKey::generate(type, 2048);
    EvpPkeyPtr key = loadDkimPrivateKey(generated.privateKeyPem);
    BOOST_CHECK(dkimKeyTypeOf(key.get()) == type);
    std::string signature = signDkimData(key.get(), type, "a:1\r\nb:2");
    BOOST_CHECK(verifyDkimSignature(key.get(), type, "a:1\r\nb:2", signature));
    BOOST_CHECK(!verifyDkimSignature(key.get(), type, "a:1\r\nb:3", signature));
    std::string damaged = signature;
    damaged[damaged.size() / 2] ^= 1;
    BOOST_CHECK(!verifyDkimSignature(key.get(), type, "a:1\r\nb:2", damaged));
    BOOST_CHECK(!verifyDkimSignature(key.get(), type, "a:1\r\nb:2", ""));
    // The other algorithm never verifies with this key.
    DkimKeyType other = type == DkimKeyType::Rsa ? DkimKeyType::Ed25519 : DkimKeyType::Rsa;
    BOOST_CHECK(!verifyDkimSignature(key.get(), other, "a:1\r\nb:2", signature));
    BOOST_CHECK_THROW(signDkimData(key.get(), other, "x"), Error);
  }
}

BOOST_AUTO_TEST_CASE(test_loadDkimPrivateKey_Refusals)
{
  BOOST_CHECK_THROW(loadDkimPrivateKey("not a key"), ConfigError);
  BOOST_CHECK_THROW(loadDkimPrivateKey(""), ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
