// dkim_crypto.cc: rsa-sha256 and ed25519-sha256 with OpenSSL (see the
// header).
#include "lib/adapters/dkim/dkim_crypto.hh"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// The bytes OpenSSL verifies or signs: for ed25519-sha256 the SHA-256 of
// the data (RFC 8463 §3), for rsa-sha256 the data itself (OpenSSL hashes).
struct SignedBytes
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  std::string_view bytes;
};

bool prepare(DkimKeyType type, std::string_view data, SignedBytes& out)
{
  if (type == DkimKeyType::Rsa) {
    out.bytes = data;
    return true;
  }
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.digest, &length, dkimSha256(), nullptr) != 1) {
    return false;
  }
  out.bytes = std::string_view(reinterpret_cast<const char*>(out.digest), length);
  return true;
}

bool matches(EVP_PKEY* key, DkimKeyType type)
{
  return type == DkimKeyType::Rsa ? EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA
                                  : EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}
} // namespace

const EVP_MD* dkimSha256()
{
  static const EVP_MD* const s_md = [] {
    const EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return md != nullptr ? md : EVP_sha256();
  }();
  return s_md;
}

DkimDigest dkimDigest(std::string_view data)
{
  DkimDigest digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, dkimSha256(), nullptr) != 1 ||
      length != digest.size()) {
    throw Error("cannot compute a SHA-256 digest");
  }
  return digest;
}

EvpPkeyCtxPtr makeRsaSha256VerifyContext(EVP_PKEY* key)
{
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
    return nullptr;
  }
  EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), dkimSha256()) != 1) {
    return nullptr;
  }
  return ctx;
}

DkimSignatureCheck::DkimSignatureCheck(EVP_PKEY* key, DkimKeyType type, EvpPkeyCtxPtr rsaVerify)
    : d_type(type), d_matches(key != nullptr && matches(key, type)), d_rsa(std::move(rsaVerify))
{
  if (d_matches && EVP_PKEY_up_ref(key) == 1) {
    d_key.reset(key);
  } else {
    d_matches = false;
  }
}

bool DkimSignatureCheck::verify(const DkimDigest& digest, std::string_view signature)
{
  if (!d_matches || signature.empty()) {
    return false;
  }
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (d_type == DkimKeyType::Ed25519) {
    // PureEdDSA keeps no state worth reusing: one-shot per signature.
    EvpMdCtxPtr ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, d_key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
  }
  if (!d_rsa) {
    d_rsa = makeRsaSha256VerifyContext(d_key.get());
    if (!d_rsa) {
      return false;
    }
  }
  return EVP_PKEY_verify(d_rsa.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
}

bool verifyDkimSignature(EVP_PKEY* key, DkimKeyType type, std::string_view data,
                         std::string_view signature)
{
  return DkimSignatureCheck(key, type).verify(dkimDigest(data), signature);
}

std::string signDkimData(EVP_PKEY* key, DkimKeyType type, std::string_view data)
{
  if (key == nullptr || !matches(key, type)) {
    throw Error("DKIM signing: the key does not match the algorithm");
  }
  SignedBytes input;
  EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  if (!prepare(type, data, input) || !ctx ||
      EVP_DigestSignInit(ctx.get(), nullptr, type == DkimKeyType::Rsa ? dkimSha256() : nullptr,
                         nullptr, key) != 1) {
    throw Error("DKIM signing: OpenSSL could not start");
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.bytes.data());
  std::size_t length = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &length, bytes, input.bytes.size()) != 1) {
    throw Error("DKIM signing: OpenSSL could not size the signature");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, bytes,
                     input.bytes.size()) != 1) {
    throw Error("DKIM signing: OpenSSL could not sign");
  }
  signature.resize(length);
  return signature;
}

EvpPkeyPtr loadDkimPrivateKey(std::string_view pem)
{
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    throw ConfigError("not a PEM private key (PKCS#1 or PKCS#8, RSA or Ed25519)");
  }
  (void)dkimKeyTypeOf(key.get());
  return key;
}

DkimKeyType dkimKeyTypeOf(EVP_PKEY* key)
{
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    return DkimKeyType::Rsa;
  }
  if (key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    return DkimKeyType::Ed25519;
  }
  throw ConfigError("the key is neither RSA nor Ed25519");
}
} // namespace dmarc
