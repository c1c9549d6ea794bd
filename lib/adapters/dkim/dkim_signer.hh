// dkim_signer.hh: DKIM signing keys and signatures made with libopendkim's
// signing side (RFC 6376 §5, RFC 8463). Used by the tests and benchmark to
// produce signed messages, and usable for outgoing report mail.
//
// Trusts: the caller's message (it signs what it is given) and OpenSSL for
// key generation. Private keys live only in memory; nothing is written to
// disk. A DkimSigner owns its own DKIM_LIB, separate from the verifying
// DkimLibrary, because signing options (fixed time, TTL, minimum key size)
// are library-wide in libopendkim. Not thread-safe: one signer per thread.
// Known libopendkim 2.11 defect: dkim_free() does not release the private
// key objects of an Ed25519 signing handle (about 1.2 KB per signature, seen
// with valgrind and LeakSanitizer; RSA handles are freed). Harmless for
// tests and the benchmark; a long-running signer would need a library fix.
// LeakSanitizer does not track that one call (dkim_signer.cc).
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/c_handles.hh"
#include "lib/core/dkim_key_record.hh"

namespace dmarc
{
struct DkimSigningKey
{
  DkimKeyType type = DkimKeyType::Rsa;
  unsigned bits = 0;           // RSA modulus size; 256 for Ed25519
  std::string privateKeyPem;   // PKCS#8 PEM
  std::string publicKeyBase64; // the p= value (RFC 6376 §3.6.1, RFC 8463 §4.2)

  // The TXT record to publish at <selector>._domainkey.<domain>.
  std::string dnsRecord() const;

  // A fresh key from OpenSSL's generator. rsaBits is ignored for Ed25519.
  static DkimSigningKey generate(DkimKeyType type, unsigned rsaBits = 2048);
  // A key from PEM text (PKCS#1 or PKCS#8; RSA or Ed25519).
  static DkimSigningKey fromPem(std::string_view pem);
  // An Ed25519 key from its 32-byte seed in base64 (RFC 8463 §A.1 form).
  static DkimSigningKey fromEd25519Seed(std::string_view seedBase64);
};

struct DkimSignRequest
{
  std::string domain;   // d=
  std::string selector; // s=
  // rsa-sha256 for RSA keys, ed25519-sha256 for Ed25519; set rsaSha1 to
  // sign with rsa-sha1 instead (only to test that verifiers refuse it).
  bool rsaSha1 = false;
  bool relaxedHeader = true;
  bool relaxedBody = true;
  std::time_t signTime = 0; // t=; 0 means now
  unsigned ttlSeconds = 0;  // x= = t= + ttl; 0 means no x=
  std::string identity;     // i=, empty for none
  // l=: sign only the first bodyLength bytes of the canonical body
  // (RFC 6376 §3.5; only for tests: l= lets anyone append content).
  long bodyLength = -1; // -1 signs the whole body, without l=
};

class DkimSigner
{
public:
  DkimSigner();
  DkimSigner(const DkimSigner&) = delete;
  DkimSigner& operator=(const DkimSigner&) = delete;

  // Signs a message given as complete header fields ("Name: value",
  // folded lines joined by CRLF, no final line break) and its body (CRLF
  // line ends). Returns the complete DKIM-Signature field, folded, without
  // a final line break, to be put in front of the other fields. Throws
  // dmarc::Error when libopendkim refuses (bad key, no From field).
  std::string sign(const DkimSigningKey& key, const DkimSignRequest& request,
                   const std::vector<std::string>& headerFields, std::string_view body);

private:
  DkimLibPtr d_lib;
};
} // namespace dmarc
