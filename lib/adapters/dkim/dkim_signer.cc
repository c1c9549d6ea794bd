// dkim_signer.cc: DKIM keys (OpenSSL) and signatures (libopendkim signing
// side). Trusts the caller's message; keys stay in memory.
#include "lib/adapters/dkim/dkim_signer.hh"

#include <cstdint>
#include <cstring>

#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/adapters/dkim/dkim_text.hh"
#include "lib/core/error.hh"

#ifdef __has_feature
#define DM_HAS_FEATURE(x) __has_feature(x)
#else
#define DM_HAS_FEATURE(x) 0
#endif
#if defined(__SANITIZE_ADDRESS__) || DM_HAS_FEATURE(address_sanitizer)
#include <sanitizer/lsan_interface.h>
#define DM_LEAK_SANITIZER 1
#endif

namespace dmarc
{
namespace
{
constexpr unsigned s_ed25519Bits = 256;
constexpr std::size_t s_ed25519SeedBytes = 32;
constexpr std::string_view s_signatureFieldName = "DKIM-Signature: ";

std::string base64(const unsigned char* data, std::size_t size)
{
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(written < 0 ? 0 : static_cast<std::size_t>(written));
  return out;
}

std::string privatePem(EVP_PKEY* key)
{
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    throw Error("cannot write a private key as PEM");
  }
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, size > 0 ? static_cast<std::size_t>(size) : 0);
}

DkimSigningKey describe(EVP_PKEY* key)
{
  DkimSigningKey out;
  switch (EVP_PKEY_get_base_id(key)) {
  case EVP_PKEY_RSA: {
    out.type = DkimKeyType::Rsa;
    out.bits = static_cast<unsigned>(EVP_PKEY_get_bits(key));
    // RFC 6376 §3.6.1: p= is the base64 of the DER SubjectPublicKeyInfo.
    int size = i2d_PUBKEY(key, nullptr);
    if (size <= 0) {
      throw Error("cannot encode an RSA public key");
    }
    std::string der(static_cast<std::size_t>(size), '\0');
    auto* cursor = reinterpret_cast<unsigned char*>(der.data());
    i2d_PUBKEY(key, &cursor);
    out.publicKeyBase64 = base64(reinterpret_cast<const unsigned char*>(der.data()), der.size());
    break;
  }
  case EVP_PKEY_ED25519: {
    out.type = DkimKeyType::Ed25519;
    out.bits = s_ed25519Bits;
    // RFC 8463 §4.2: p= is the base64 of the raw 32-byte public key.
    unsigned char raw[64];
    std::size_t size = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1) {
      throw Error("cannot read an Ed25519 public key");
    }
    out.publicKeyBase64 = base64(raw, size);
    break;
  }
  default:
    throw Error("DKIM keys are RSA or Ed25519");
  }
  out.privateKeyPem = privatePem(key);
  return out;
}

// libopendkim 2.11 never frees an Ed25519 signing key: dkim_eom() loads it
// (dkim_privkey_load: a BIO over the PEM, the EVP_PKEY, an output buffer)
// into the handle, and dkim_free() releases those objects only when the
// signature is RSA. The leak is the library's and no API reaches the
// objects. Under LeakSanitizer the allocations of that
// one call are left untracked, in this thread only. A suppression cannot
// name dkim_privkey_load: Debian's libcrypto has no frame pointers, so
// ASan's fast unwinder stops at CRYPTO_zalloc, which every OpenSSL object
// shares; the slow unwinder makes whole test runners several times slower.
class LibraryLeakScope
{
public:
  LibraryLeakScope()
  {
#ifdef DM_LEAK_SANITIZER
    __lsan_disable();
#endif
  }
  ~LibraryLeakScope()
  {
#ifdef DM_LEAK_SANITIZER
    __lsan_enable();
#endif
  }
  LibraryLeakScope(const LibraryLeakScope&) = delete;
  LibraryLeakScope& operator=(const LibraryLeakScope&) = delete;
};

template <typename T>
void setOption(DKIM_LIB* lib, dkim_opts_t option, T value, const char* what)
{
  if (dkim_options(lib, DKIM_OP_SETOPT, option, &value, sizeof value) != DKIM_STAT_OK) {
    throw Error(std::string("libopendkim refused signing option ") + what);
  }
}

} // namespace

std::string DkimSigningKey::dnsRecord() const
{
  return std::string("v=DKIM1; k=") + (type == DkimKeyType::Ed25519 ? "ed25519" : "rsa") +
         "; p=" + publicKeyBase64;
}

DkimSigningKey DkimSigningKey::generate(DkimKeyType type, unsigned rsaBits)
{
  EvpPkeyCtxPtr context(
      EVP_PKEY_CTX_new_id(type == DkimKeyType::Ed25519 ? EVP_PKEY_ED25519 : EVP_PKEY_RSA, nullptr));
  if (!context || EVP_PKEY_keygen_init(context.get()) != 1) {
    throw Error("cannot start key generation");
  }
  if (type == DkimKeyType::Rsa &&
      EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), static_cast<int>(rsaBits)) != 1) {
    throw Error("cannot set the RSA key size");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(context.get(), &raw) != 1) {
    throw Error("key generation failed");
  }
  EvpPkeyPtr key(raw);
  return describe(key.get());
}

DkimSigningKey DkimSigningKey::fromPem(std::string_view pem)
{
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EvpPkeyPtr key(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!key) {
    throw Error("not a PEM private key");
  }
  return describe(key.get());
}

DkimSigningKey DkimSigningKey::fromEd25519Seed(std::string_view seedBase64)
{
  while (!seedBase64.empty() &&
         (seedBase64.back() == '\n' || seedBase64.back() == '\r' || seedBase64.back() == ' ')) {
    seedBase64.remove_suffix(1);
  }
  std::string seed(seedBase64.size(), '\0');
  int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(seed.data()),
                             reinterpret_cast<const unsigned char*>(seedBase64.data()),
                             static_cast<int>(seedBase64.size()));
  // EVP_DecodeBlock counts the bytes the '=' padding stands for.
  if (size < static_cast<int>(s_ed25519SeedBytes)) {
    throw Error("an Ed25519 seed is 32 bytes in base64");
  }
  EvpPkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(seed.data()),
                                              s_ed25519SeedBytes));
  if (!key) {
    throw Error("cannot make an Ed25519 key from its seed");
  }
  return describe(key.get());
}

DkimSigner::DkimSigner() : d_lib(dkim_init(nullptr, nullptr))
{
  if (!d_lib) {
    throw Error("dkim_init failed");
  }
  // Signing small keys is allowed here so that tests can show verifiers
  // refusing them (RFC 8301 §3.2 binds verifiers and honest signers).
  setOption(d_lib.get(), DKIM_OPTS_MINKEYBITS, 1U, "MINKEYBITS");
}

std::string DkimSigner::sign(const DkimSigningKey& key, const DkimSignRequest& request,
                             const std::vector<std::string>& headerFields, std::string_view body)
{
  setOption(d_lib.get(), DKIM_OPTS_FIXEDTIME, static_cast<std::uint64_t>(request.signTime),
            "FIXEDTIME");
  setOption(d_lib.get(), DKIM_OPTS_SIGNATURETTL, static_cast<std::uint64_t>(request.ttlSeconds),
            "SIGNATURETTL");
  dkim_alg_t algorithm = key.type == DkimKeyType::Ed25519 ? DKIM_SIGN_ED25519SHA256
                         : request.rsaSha1                ? DKIM_SIGN_RSASHA1
                                                          : DKIM_SIGN_RSASHA256;
  std::string pem = key.privateKeyPem;
  std::string selector = request.selector;
  std::string domain = request.domain;
  DKIM_STAT status = DKIM_STAT_OK;
  DkimPtr dkim(dkim_sign(d_lib.get(), reinterpret_cast<const u_char*>("sign"), nullptr,
                         reinterpret_cast<dkim_sigkey_t>(pem.data()),
                         reinterpret_cast<const u_char*>(selector.c_str()),
                         reinterpret_cast<const u_char*>(domain.c_str()),
                         request.relaxedHeader ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE,
                         request.relaxedBody ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE, algorithm,
                         request.bodyLength < 0 ? -1 : request.bodyLength, &status));
  if (!dkim) {
    throw Error(std::string("dkim_sign: ") + dkim_getresultstr(status));
  }
  auto check = [&dkim](DKIM_STAT result, const char* step) {
    if (result != DKIM_STAT_OK) {
      const char* why = dkim_geterror(dkim.get());
      throw Error(std::string(step) + ": " + (why != nullptr ? why : dkim_getresultstr(result)));
    }
  };
  // libopendkim folds the field it hashes before b= is known and the field
  // it returns after, at different places for Ed25519 (its folding only
  // reserves room for RSA signatures): under simple header
  // canonicalisation the signature would not verify. Unfolded, both agree.
  if (key.type == DkimKeyType::Ed25519) {
    check(dkim_set_margin(dkim.get(), 0), "dkim_set_margin");
  }
  if (!request.identity.empty()) {
    check(dkim_set_signer(dkim.get(), reinterpret_cast<const u_char*>(request.identity.c_str())),
          "dkim_set_signer");
  }
  for (const auto& field : headerFields) {
    std::string copy = field;
    check(dkim_header(dkim.get(), reinterpret_cast<u_char*>(copy.data()), copy.size()),
          "dkim_header");
  }
  check(dkim_eoh(dkim.get()), "dkim_eoh");
  std::string bodyCopy(body);
  if (!bodyCopy.empty()) {
    check(dkim_body(dkim.get(), reinterpret_cast<u_char*>(bodyCopy.data()), bodyCopy.size()),
          "dkim_body");
  }
  {
    const LibraryLeakScope libopendkimLeaksTheKey;
    check(dkim_eom(dkim.get(), nullptr), "dkim_eom");
  }
  unsigned char* value = nullptr;
  std::size_t length = 0;
  check(dkim_getsighdr_d(dkim.get(), s_signatureFieldName.size(), &value, &length),
        "dkim_getsighdr_d");
  return std::string(s_signatureFieldName) +
         withCrlf(std::string_view(reinterpret_cast<const char*>(value), length));
}
} // namespace dmarc
