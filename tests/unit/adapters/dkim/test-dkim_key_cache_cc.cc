// test-dkim_key_cache_cc.cc: the decoded-key cache answers libopendkim's
// key decoding, is keyed by the key bytes (a replaced key is never served
// from it), passes every other caller through to OpenSSL, and stays bounded.
#include <array>
#include <atomic>
#include <cstring>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include <boost/test/unit_test.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/dkim/dkim_key_cache.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using dmarc::test::FakeResolver;

namespace
{
constexpr std::time_t s_signTime = 1700000000;

struct Message
{
  std::vector<std::string> fields;
  std::string body;
};

Message signedMessage(const DkimSigningKey& key)
{
  Message message{{"From: Alice <alice@example.org>", "To: bob@example.net", "Subject: figures",
                   "Message-ID: <k-1@example.org>"},
                  "Hello Bob,\r\nthe figures.\r\n"};
  DkimSignRequest request;
  request.domain = "example.org";
  request.selector = "sel";
  request.signTime = s_signTime;
  DkimSigner signer;
  message.fields.insert(message.fields.begin(),
                        signer.sign(key, request, message.fields, message.body));
  return message;
}

DkimResult verify(const DkimLibrary& library, const Message& message)
{
  DkimVerifier verifier(library, s_signTime + 60);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.endOfHeaders();
  verifier.body(message.body);
  auto outcomes = verifier.finish();
  return outcomes.size() == 1 ? outcomes[0].result : DkimResult::None;
}

std::vector<unsigned char> derOf(const DkimSigningKey& key)
{
  std::vector<unsigned char> der(key.publicKeyBase64.size());
  int length = EVP_DecodeBlock(der.data(),
                               reinterpret_cast<const unsigned char*>(key.publicKeyBase64.data()),
                               static_cast<int>(key.publicKeyBase64.size()));
  BOOST_REQUIRE(length > 0);
  // EVP_DecodeBlock counts the padding bytes of the last quantum as output.
  std::size_t padding = key.publicKeyBase64.ends_with("==")  ? 2
                        : key.publicKeyBase64.ends_with("=") ? 1
                                                             : 0;
  der.resize(static_cast<std::size_t>(length) - padding);
  return der;
}

EVP_PKEY* decode(const std::vector<unsigned char>& der)
{
  BioPtr bio(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
  return d2i_PUBKEY_bio(bio.get(), nullptr);
}

// An Ed25519 SubjectPublicKeyInfo (RFC 8410 §4) around 32 given bytes.
std::vector<unsigned char> ed25519Der(unsigned n)
{
  std::vector<unsigned char> der = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                    0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};
  for (unsigned i = 0; i < 32; ++i) {
    der.push_back(static_cast<unsigned char>((n >> (8 * (i % 4))) + i));
  }
  return der;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_dkim_key_cache_cc)

BOOST_AUTO_TEST_CASE(test_SecondVerification_DecodesKeyFromCache)
{
  DkimSigningKey key = DkimSigningKey::generate(DkimKeyType::Rsa, 2048);
  FakeResolver resolver;
  resolver.add("sel._domainkey.example.org", DnsType::TXT, key.dnsRecord());
  DkimLibrary library(resolver);
  Message message = signedMessage(key);
  dkimKeyCacheClear();

  BOOST_CHECK(verify(library, message) == DkimResult::Pass);
  auto first = dkimKeyCacheStats();
  BOOST_CHECK_MESSAGE(first.misses == 1 && first.hits == 0 && first.entries == 1,
                      "got misses "
                          << first.misses << " hits " << first.hits
                          << ", want 1 and 0: libopendkim's call did not reach the cache");
  BOOST_CHECK(verify(library, message) == DkimResult::Pass);
  auto second = dkimKeyCacheStats();
  BOOST_CHECK_MESSAGE(second.misses == 1 && second.hits == 1,
                      "got misses " << second.misses << " hits " << second.hits
                                    << ", want 1 and 1");
}

// The cache is keyed by the key's bytes: a selector that now publishes
// another key must not verify signatures of the old one.
BOOST_AUTO_TEST_CASE(test_ReplacedKey_IsNotServedFromCache)
{
  DkimSigningKey oldKey = DkimSigningKey::generate(DkimKeyType::Rsa, 1024);
  DkimSigningKey newKey = DkimSigningKey::generate(DkimKeyType::Rsa, 1024);
  FakeResolver resolver;
  resolver.add("sel._domainkey.example.org", DnsType::TXT, oldKey.dnsRecord());
  DkimLibrary library(resolver);
  Message message = signedMessage(oldKey);
  BOOST_CHECK(verify(library, message) == DkimResult::Pass);

  resolver.clear();
  resolver.add("sel._domainkey.example.org", DnsType::TXT, newKey.dnsRecord());
  DkimResult result = verify(library, message);
  BOOST_CHECK_MESSAGE(result == DkimResult::Fail,
                      "got " << toString(result) << ", want fail (old key served from the cache?)");
}

BOOST_AUTO_TEST_CASE(test_OutsideScope_PassesThroughToOpenssl)
{
  DkimSigningKey key = DkimSigningKey::generate(DkimKeyType::Rsa, 1024);
  auto der = derOf(key);
  dkimKeyCacheClear();
  EvpPkeyPtr a(decode(der));
  EvpPkeyPtr b(decode(der));
  BOOST_REQUIRE(a && b);
  BOOST_CHECK_MESSAGE(a.get() != b.get(), "outside a scope every caller must get its own key");
  BOOST_CHECK_EQUAL(dkimKeyCacheStats().entries, 0U);

  DkimKeyCacheScope scope;
  EvpPkeyPtr c(decode(der));
  EvpPkeyPtr d(decode(der));
  BOOST_REQUIRE(c && d);
  BOOST_CHECK_MESSAGE(c.get() == d.get(),
                      "inside a scope the second decode must be the cached key");
  BOOST_CHECK_EQUAL(EVP_PKEY_eq(a.get(), c.get()), 1);
}

BOOST_AUTO_TEST_CASE(test_CacheHit_ConsumesTheBio)
{
  auto der = derOf(DkimSigningKey::generate(DkimKeyType::Rsa, 1024));
  dkimKeyCacheClear();
  DkimKeyCacheScope scope;
  EvpPkeyPtr first(decode(der));
  BioPtr bio(BIO_new_mem_buf(der.data(), static_cast<int>(der.size())));
  EvpPkeyPtr second(d2i_PUBKEY_bio(bio.get(), nullptr));
  BOOST_REQUIRE(first && second);
  BOOST_CHECK_EQUAL(BIO_pending(bio.get()), 0);
}

BOOST_AUTO_TEST_CASE(test_BadDer_IsRefusedAndNotCached)
{
  dkimKeyCacheClear();
  DkimKeyCacheScope scope;
  std::vector<unsigned char> garbage(300, 0x30);
  for (int round = 0; round < 2; ++round) {
    EvpPkeyPtr key(decode(garbage));
    BOOST_CHECK(!key);
  }
  auto truncated = derOf(DkimSigningKey::generate(DkimKeyType::Rsa, 1024));
  truncated.resize(truncated.size() / 2);
  EvpPkeyPtr key(decode(truncated));
  BOOST_CHECK(!key);
  BOOST_CHECK_EQUAL(dkimKeyCacheStats().entries, 0U);
}

BOOST_AUTO_TEST_CASE(test_ManyKeys_CacheStaysBounded)
{
  dkimKeyCacheClear();
  DkimKeyCacheScope scope;
  for (unsigned n = 0; n < s_dkimKeyCacheEntries + 50; ++n) {
    EvpPkeyPtr key(decode(ed25519Der(n)));
    BOOST_REQUIRE_MESSAGE(key, "Ed25519 key " << n << " did not decode");
  }
  BOOST_CHECK_EQUAL(dkimKeyCacheStats().entries, s_dkimKeyCacheEntries);
  // The most recent keys are the ones kept.
  auto before = dkimKeyCacheStats().hits;
  EvpPkeyPtr recent(decode(ed25519Der(s_dkimKeyCacheEntries + 49)));
  BOOST_CHECK_EQUAL(dkimKeyCacheStats().hits, before + 1);
}

// libmilter runs messages on many threads: they share cached keys.
BOOST_AUTO_TEST_CASE(test_ConcurrentVerifications_AllPass)
{
  DkimSigningKey key = DkimSigningKey::generate(DkimKeyType::Rsa, 2048);
  FakeResolver resolver;
  resolver.add("sel._domainkey.example.org", DnsType::TXT, key.dnsRecord());
  Message message = signedMessage(key);
  // FakeResolver is not thread-safe: every thread has its own library.
  std::atomic<int> passed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&key, &message, &passed] {
      FakeResolver own;
      own.add("sel._domainkey.example.org", DnsType::TXT, key.dnsRecord());
      DkimLibrary library(own);
      for (int i = 0; i < 25; ++i) {
        if (verify(library, message) == DkimResult::Pass) {
          ++passed;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_CHECK_EQUAL(passed.load(), 100);
}

BOOST_AUTO_TEST_SUITE_END()
