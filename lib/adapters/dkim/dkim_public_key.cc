// dkim_public_key.cc: DKIM key records from DNS to OpenSSL keys (see the
// header).
#include "lib/adapters/dkim/dkim_public_key.hh"

#include <openssl/evp.h>

#include "lib/adapters/dkim/dkim_dns.hh"
#include "lib/adapters/dkim/dkim_key_cache.hh"

namespace dmarc
{
namespace
{
constexpr std::size_t s_ed25519KeyBytes = 32; // RFC 8032 §5.1.5

DkimPublicKey problem(DkimKeyStatus status, std::string reason)
{
  DkimPublicKey key;
  key.status = status;
  key.reason = std::move(reason);
  return key;
}
} // namespace

DkimPublicKey dkimPublicKeyFromRecord(std::string_view record, DkimKeyType type,
                                      const DkimKeyRules& rules)
{
  std::string why;
  auto parsed = parseDkimKeyRecord(record, &why, rules.service);
  if (!parsed) {
    return problem(DkimKeyStatus::Invalid, why);
  }
  if (parsed->revoked()) {
    return problem(DkimKeyStatus::Revoked, "key revoked (empty p=)");
  }
  if (parsed->type != type) {
    return problem(DkimKeyStatus::Refused, "key type k= does not match the signature's a=");
  }
  DkimPublicKey key;
  key.type = type;
  key.testing = parsed->testing;
  if (type == DkimKeyType::Ed25519) {
    if (parsed->publicKey.size() != s_ed25519KeyBytes) {
      return problem(DkimKeyStatus::Invalid, "ed25519 key is not 32 bytes");
    }
    key.key.reset(EVP_PKEY_new_raw_public_key(
        EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(parsed->publicKey.data()),
        parsed->publicKey.size()));
  } else {
    key.key = dkimCachedPublicKey(parsed->publicKey);
    key.rsaVerify = dkimCachedRsaVerifyContext(parsed->publicKey);
  }
  if (!key.key ||
      (type == DkimKeyType::Rsa && EVP_PKEY_get_base_id(key.key.get()) != EVP_PKEY_RSA)) {
    return problem(DkimKeyStatus::Invalid, "p= is not a public key of type k=");
  }
  key.bits = static_cast<unsigned>(EVP_PKEY_get_bits(key.key.get()));
  if (type == DkimKeyType::Rsa && key.bits < rules.minRsaKeyBits) {
    return problem(DkimKeyStatus::Refused, "RSA key of " + std::to_string(key.bits) +
                                               " bits, under " +
                                               std::to_string(rules.minRsaKeyBits) + " (RFC 8301)");
  }
  key.status = DkimKeyStatus::Found;
  return key;
}

DkimPublicKey fetchDkimPublicKey(DnsResolver& resolver, std::string_view selector,
                                 std::string_view domain, DkimKeyType type,
                                 const DkimKeyRules& rules)
{
  std::string name = std::string(selector) + "._domainkey." + std::string(domain);
  if (!isQueryableName(name)) {
    return problem(DkimKeyStatus::NotFound, "no key: the selector and domain are not a host name");
  }
  DnsAnswer answer = resolver.query(name, DnsType::TXT);
  if (answer.status == DnsStatus::Failure || answer.bogus) {
    return problem(DkimKeyStatus::Temporary,
                   "key lookup failed" + (answer.error.empty() ? "" : ": " + answer.error));
  }
  if (answer.status != DnsStatus::Data || answer.records.empty()) {
    return problem(DkimKeyStatus::NotFound, "no key record at " + name);
  }
  // RFC 6376 §3.6.2.2: with several records, a verifier may use any; the
  // first usable one is taken, and the first problem is reported.
  DkimPublicKey first;
  for (std::size_t i = 0; i < answer.records.size(); ++i) {
    DkimPublicKey key = dkimPublicKeyFromRecord(answer.records[i], type, rules);
    if (key.status == DkimKeyStatus::Found) {
      return key;
    }
    if (i == 0) {
      first = std::move(key);
    }
  }
  return first;
}
} // namespace dmarc
