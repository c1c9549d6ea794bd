// test-dkim_public_key_cc.cc: DKIM keys from DNS to OpenSSL, with the
// RFC 8301 and RFC 6376 §3.6 refusals, through the in-memory resolver.
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_key_cache.hh"
#include "lib/adapters/dkim/dkim_public_key.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

BOOST_AUTO_TEST_SUITE(test_dkim_public_key_cc)

BOOST_AUTO_TEST_CASE(test_dkimPublicKeyFromRecord_RsaAndEd25519)
{
  DkimSigningKey rsa = DkimSigningKey::generate(DkimKeyType::Rsa, 2048);
  DkimPublicKey key = dkimPublicKeyFromRecord(rsa.dnsRecord(), DkimKeyType::Rsa);
  BOOST_REQUIRE_MESSAGE(key.status == DkimKeyStatus::Found, key.reason);
  BOOST_CHECK_EQUAL(key.bits, 2048U);
  BOOST_CHECK(key.key);
  DkimSigningKey ed = DkimSigningKey::generate(DkimKeyType::Ed25519);
  key = dkimPublicKeyFromRecord(ed.dnsRecord(), DkimKeyType::Ed25519);
  BOOST_REQUIRE_MESSAGE(key.status == DkimKeyStatus::Found, key.reason);
  // The type the signature names must be the key's.
  BOOST_CHECK(dkimPublicKeyFromRecord(ed.dnsRecord(), DkimKeyType::Rsa).status ==
              DkimKeyStatus::Refused);
  BOOST_CHECK(
      dkimPublicKeyFromRecord("v=DKIM1; k=rsa; p=" + ed.publicKeyBase64, DkimKeyType::Rsa).status ==
      DkimKeyStatus::Invalid);
}

BOOST_AUTO_TEST_CASE(test_dkimPublicKeyFromRecord_Refusals)
{
  BOOST_CHECK(dkimPublicKeyFromRecord("v=DKIM1; k=rsa; p=", DkimKeyType::Rsa).status ==
              DkimKeyStatus::Revoked);
  BOOST_CHECK(dkimPublicKeyFromRecord("v=DKIM1; k=rsa; omgwhatsgoingon", DkimKeyType::Rsa).status ==
              DkimKeyStatus::Invalid);
  BOOST_CHECK(dkimPublicKeyFromRecord("v=DKIM1; p=Zm9vYmFy", DkimKeyType::Rsa).status ==
              DkimKeyStatus::Invalid);
  DkimSigningKey small = DkimSigningKey::generate(DkimKeyType::Rsa, 768);
  DkimPublicKey key = dkimPublicKeyFromRecord(small.dnsRecord(), DkimKeyType::Rsa);
  BOOST_CHECK(key.status == DkimKeyStatus::Refused);
  BOOST_CHECK_NE(key.reason.find("RFC 8301"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_fetchDkimPublicKey_DnsOutcomes)
{
  FakeResolver resolver;
  DkimSigningKey rsa = DkimSigningKey::generate(DkimKeyType::Rsa, 1024);
  resolver.add("sel._domainkey.example.org", DnsType::TXT, "v=DKIM1; p=");
  resolver.add("sel._domainkey.example.org", DnsType::TXT, rsa.dnsRecord());
  resolver.fail("down._domainkey.example.org");
  // The first usable record of several.
  BOOST_CHECK(fetchDkimPublicKey(resolver, "sel", "example.org", DkimKeyType::Rsa).status ==
              DkimKeyStatus::Found);
  BOOST_CHECK(fetchDkimPublicKey(resolver, "none", "example.org", DkimKeyType::Rsa).status ==
              DkimKeyStatus::NotFound);
  DkimPublicKey down = fetchDkimPublicKey(resolver, "down", "example.org", DkimKeyType::Rsa);
  BOOST_CHECK(down.status == DkimKeyStatus::Temporary);
  // A name that is not a host name is never asked.
  std::size_t before = resolver.queries().size();
  BOOST_CHECK(fetchDkimPublicKey(resolver, "a b", "example.org", DkimKeyType::Rsa).status ==
              DkimKeyStatus::NotFound);
  BOOST_CHECK_EQUAL(resolver.queries().size(), before);
}

BOOST_AUTO_TEST_CASE(test_fetchDkimPublicKey_SharesTheDecodedKeyCache)
{
  dkimKeyCacheClear();
  DkimSigningKey rsa = DkimSigningKey::generate(DkimKeyType::Rsa, 2048);
  for (int i = 0; i < 3; ++i) {
    BOOST_CHECK(dkimPublicKeyFromRecord(rsa.dnsRecord(), DkimKeyType::Rsa).status ==
                DkimKeyStatus::Found);
  }
  DkimKeyCacheStats stats = dkimKeyCacheStats();
  BOOST_CHECK_EQUAL(stats.misses, 1U);
  BOOST_CHECK_EQUAL(stats.hits, 2U);
}

BOOST_AUTO_TEST_SUITE_END()
