// arc_sealer.hh: adds an ARC set to a message (RFC 8617 §5.1): the
// ARC-Authentication-Results with our own Authentication-Results as its
// payload, an ARC-Message-Signature over the message, and an ARC-Seal over
// the chain. For sites that forward mail onward, so that the next hop can
// trust what we saw.
//
// Built on the same pieces as ArcVerifier: header canonicalisation
// (lib/core/header_canon), relaxed/relaxed, the relaxed body hash the
// caller computed (body_hash_pool.hh or DkimBodyHash), and OpenSSL
// signing (dkim_crypto.hh) with rsa-sha256 or ed25519-sha256 by key type.
// The fields are written the way the open ARC test suite standardises
// them (tags in alphabetical order, "; " between them, folded only where
// that space is), so that their signatures can be compared with it.
//
// Trusts: the configuration (key, domain, selector) and the caller's
// chain validation result. The message fields are hashed, never parsed
// beyond finding the ARC sets. Thread-safe after construction (seal() is
// const and OpenSSL allows concurrent signing with one key).
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/c_handles.hh"
#include "lib/core/arc_chain.hh"
#include "lib/core/arc_result.hh"
#include "lib/core/dkim_key_record.hh"

namespace dmarc
{
struct ArcSealerSettings
{
  std::string domain;        // d= of both signatures
  std::string selector;      // s=
  std::string privateKeyPem; // RSA (>= 1024 bits) or Ed25519, PKCS#1 or PKCS#8
  // h= of the ARC-Message-Signature. Names without a field in the message
  // are signed as absent (RFC 6376 §5.4: nobody can add one later without
  // breaking it). Never an ARC field: the seal covers those.
  std::vector<std::string> signedHeaders = {"from",         "to",
                                            "cc",           "subject",
                                            "date",         "reply-to",
                                            "message-id",   "references",
                                            "in-reply-to",  "mime-version",
                                            "content-type", "content-transfer-encoding",
                                            "list-id",      "dkim-signature"};
};

struct ArcSealOutcome
{
  bool sealed = false;
  std::string reason; // why not, when not sealed
  unsigned instance = 0;
  ArcResult cv = ArcResult::None;
  // The new fields, "Name: value", folded with CRLF + SP, without a final
  // line break. Put them in front of the header in this order: seal first
  // (top), then the message signature, then the authentication results.
  std::string seal;
  std::string messageSignature;
  std::string authResults;
};

class ArcSealer
{
public:
  // Throws ConfigError for a key that is not RSA or Ed25519, an RSA key
  // under 1024 bits, or a domain or selector that is not a host name.
  explicit ArcSealer(ArcSealerSettings settings);

  // fields: the message's header fields, top to bottom, as they will leave
  // ("Name: value", folded lines joined by CRLF or LF). relaxedBodyHash:
  // the base64 relaxed body hash of the whole body. chain: the result of
  // validating the message's incoming chain (ArcVerifier); it becomes the
  // new seal's cv=. authResultsPayload: our Authentication-Results value
  // (authserv-id; results), without the field name. now: t=.
  // Not sealed when the chain already has 50 sets (RFC 8617 §4.2.1), an
  // earlier hop's seal says cv=fail (the chain ended there), or chain is
  // TempError (no cv= is known).
  ArcSealOutcome seal(const std::vector<std::string>& fields, std::string_view relaxedBodyHash,
                      ArcResult chain, std::string_view authResultsPayload, std::time_t now) const;

private:
  // The signed ARC-Message-Signature over fields (the new AAR on top).
  std::string messageSignature(const std::vector<std::string_view>& fields,
                               std::string_view relaxedBodyHash, const std::string& instance,
                               const std::string& timestamp) const;
  // The signed ARC-Seal of the new set (outcome's AAR and AMS).
  std::string sealField(const ArcSealOutcome& outcome, const ArcChainShape& shape,
                        const std::vector<std::string>& wire, const std::string& timestamp) const;

  ArcSealerSettings d_settings;
  EvpPkeyPtr d_key;
  DkimKeyType d_type = DkimKeyType::Rsa;
};
} // namespace dmarc
