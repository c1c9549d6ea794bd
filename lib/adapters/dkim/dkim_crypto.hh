// dkim_crypto.hh: the public-key operations of DKIM-style signatures
// (RFC 6376 §3.7 rsa-sha256, RFC 8463 §3 ed25519-sha256) with OpenSSL, for
// the signatures the project checks and makes itself (ARC, RFC 8617 §5).
// DkimVerifier and DkimSigner leave these to libopendkim.
//
// rsa-sha256: RSASSA-PKCS1-v1_5 with SHA-256 over the canonical data.
// ed25519-sha256: PureEdDSA (Ed25519) over the SHA-256 of the canonical
// data (RFC 8463 §3: the hash, not the data, is signed).
// Trusts OpenSSL; the signature bytes are hostile and only ever compared
// by OpenSSL. Thread-safe: no state but the fetched SHA-256.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "lib/adapters/c_handles.hh"
#include "lib/core/dkim_key_record.hh"

namespace dmarc
{
// SHA-256, fetched from OpenSSL's provider once for the process. With
// EVP_sha256() every EVP_DigestInit_ex looks the algorithm up again in the
// provider store, under its lock (OpenSSL 3). A fetched EVP_MD is
// immutable and may be shared by threads; it lives as long as the process.
const EVP_MD* dkimSha256();

// The SHA-256 of data: both algorithms sign this digest (rsa-sha256 in
// an RSASSA-PKCS1-v1_5 DigestInfo, ed25519-sha256 as the Ed25519 message).
using DkimDigest = std::array<unsigned char, 32>;
DkimDigest dkimDigest(std::string_view data);

// Checks signatures made with one public key, reusing what OpenSSL sets up
// for the key (for RSA an EVP_PKEY_CTX ready to verify: creating one looks
// the algorithm up in the provider store, a quarter of an RSA-2048
// verification on OpenSSL 3.0). Holds a reference to the key. One thread.
class DkimSignatureCheck
{
public:
  // rsaVerify: a context from makeRsaSha256VerifyContext (or a duplicate,
  // dkim_key_cache.hh) for an RSA key; made here when null.
  DkimSignatureCheck(EVP_PKEY* key, DkimKeyType type, EvpPkeyCtxPtr rsaVerify = nullptr);
  // True when `signature` is valid for `digest` (dkimDigest of the signed
  // data). A key of the other type never verifies.
  bool verify(const DkimDigest& digest, std::string_view signature);

private:
  EvpPkeyPtr d_key;
  DkimKeyType d_type;
  bool d_matches = false;
  EvpPkeyCtxPtr d_rsa; // RSA: initialised for verification, reused
};

// A context that verifies rsa-sha256 signatures (RSASSA-PKCS1-v1_5 over a
// SHA-256 digest) with the RSA `key`; null for other keys.
EvpPkeyCtxPtr makeRsaSha256VerifyContext(EVP_PKEY* key);

// True when `signature` is a valid signature of `data` by `key`, an
// algorithm of type `type`. A key of the other type never verifies.
bool verifyDkimSignature(EVP_PKEY* key, DkimKeyType type, std::string_view data,
                         std::string_view signature);

// The signature of `data` with the private `key`. Throws dmarc::Error
// when OpenSSL refuses (a key of the other type).
std::string signDkimData(EVP_PKEY* key, DkimKeyType type, std::string_view data);

// A private key from PEM text (PKCS#1 or PKCS#8, RSA or Ed25519). Throws
// ConfigError when it is not one.
EvpPkeyPtr loadDkimPrivateKey(std::string_view pem);
// The type of a private or public key, or throws ConfigError.
DkimKeyType dkimKeyTypeOf(EVP_PKEY* key);
} // namespace dmarc
