// arc_verifier.hh: validation of a message's Authenticated Received Chain
// (RFC 8617 §5.2) with OpenSSL and the project's own DKIM pieces: the
// header canonicalisation of lib/core/header_canon, the streamed body
// hashes of body_hash_pool.hh (shared with DkimVerifier), and the key
// lookup of dkim_public_key.hh (the same resolver, DNS budget and decoded
// key cache as DKIM). libopendkim has no ARC.
//
// Fed like DkimVerifier, so that the milter streams into both: header
// fields in order, endOfHeaders(), body chunks, finish(). The chain's
// structure (steps 1-3, lib/core/arc_chain) is judged at the end of the
// header, so a message without ARC fields, or with a broken chain, costs
// no body hashing and no DNS. finish() then checks the newest
// ARC-Message-Signature (step 4), the older ones for oldest-pass (step 5,
// optional), and every ARC-Seal (step 6).
//
// Trusts: the resolver (thread-safe, bounded answers) and OpenSSL. Every
// field is hostile: the header kept here is bounded in fields and bytes,
// the ARC fields are parsed by lib/core/arc_headers. Not thread-safe: one
// message, one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/adapters/dkim/dkim_public_key.hh"
#include "lib/core/arc_chain.hh"
#include "lib/core/arc_result.hh"
#include "lib/core/dns_answer.hh"

namespace dmarc
{
class BodyHashPool;

struct ArcSettings
{
  // RFC 8301 §3.2: RSA keys under 1024 bits MUST NOT be accepted.
  unsigned minRsaKeyBits = 1024;
  // The header is kept until the end of the message (ARC-Message-
  // Signatures may cover any field). Past either bound a message with ARC
  // fields gets cv=fail ("header exceeds local limits"), one without stays
  // cv=none. DkimSettings has the same bounds.
  std::size_t maxHeaderFields = 1000;
  std::size_t maxHeaderBytes = 1024 * 1024;
  // RFC 8617 §5.2 step 5 (OPTIONAL there): check the older ARC-Message-
  // Signatures for header.oldest-pass. Each older set whose body hash
  // still matches costs one more public-key verification: a three-set
  // chain costs about 2.9 DKIM verifications without it and 3.8 with it
  // (RSA-2048, tests/bench/arc-bench). Off unless asked for.
  bool oldestPass = false;
  // Keep the header fields after the end of the header even when the
  // message has no ARC field, for headerFields() (the milter seals with
  // them, lib/adapters/dkim/arc_sealer.hh). Off: such a header is dropped there.
  bool keepHeader = false;
};

class ArcVerifier
{
public:
  // resolver: the message's resolver (for instance its DnsBudget); it
  // must outlive the verifier. bodies: body hashes shared with the
  // message's DkimVerifier (nullptr: this verifier's own).
  explicit ArcVerifier(DnsResolver& resolver, ArcSettings settings = {},
                       BodyHashPool* bodies = nullptr);
  ~ArcVerifier();
  ArcVerifier(const ArcVerifier&) = delete;
  ArcVerifier& operator=(const ArcVerifier&) = delete;

  // As DkimVerifier::header(): `value` is what followed the colon, with
  // its leading white space (SMFIP_HDR_LEADSPC); bare LF becomes CRLF.
  void header(std::string_view name, std::string_view value);
  // One complete field, "Name: value", possibly folded, without its final
  // line break.
  void headerField(std::string_view field);
  // The end of the header: the chain's structure is judged here.
  void endOfHeaders();
  // The next piece of the body in SMTP form (CRLF line ends).
  void body(std::string_view chunk);
  // The chain validation result. Calls endOfHeaders() itself if needed.
  // Call once.
  ArcValidation finish();

  // The header fields in SMTP form (CRLF), top to bottom, after
  // endOfHeaders(): kept when the message has ARC fields or keepHeader is
  // set. nullopt when not kept or when the header exceeded the bounds.
  std::optional<std::vector<std::string>> headerFields() const;
  // True when the header exceeded maxHeaderFields or maxHeaderBytes.
  bool headerLimitExceeded() const noexcept { return d_overflow; }
  // DNS queries made for keys (each selector and domain once per message).
  std::size_t keyLookups() const noexcept { return d_keys.size(); }

private:
  struct CheckOutcome
  {
    bool valid = false;
    bool temporary = false;
    std::string reason;
  };

  // A key fetched for this message, and its signature check.
  struct Key
  {
    DkimPublicKey key;
    std::unique_ptr<DkimSignatureCheck> check;
  };

  void keepField(std::size_t start);
  Key& key(std::string_view selector, std::string_view domain, DkimKeyType type);
  CheckOutcome checkSignature(std::string_view selector, std::string_view domain, DkimKeyType type,
                              const DkimDigest& digest, std::string_view signature,
                              const char* failure);
  CheckOutcome checkMessageSignature(std::size_t set);
  std::vector<DkimDigest> sealDigests() const;

  DnsResolver& d_resolver;
  ArcSettings d_settings;
  DkimKeyRules d_keyRules;
  std::unique_ptr<BodyHashPool> d_ownBodies;
  BodyHashPool* d_bodies;
  std::uint64_t d_bodyOffset = 0;
  // The header, in SMTP form, as one string and the spans of its fields.
  std::string d_header;
  std::vector<std::pair<std::size_t, std::size_t>> d_spans;
  std::vector<std::string_view> d_fields; // views into d_header, at endOfHeaders
  std::size_t d_fieldCount = 0;
  bool d_anyArcField = false;
  bool d_overflow = false;
  bool d_eoh = false;
  bool d_finished = false;
  ArcChainShape d_shape;
  std::vector<std::optional<std::size_t>> d_bodyHashes; // per set: pool request
  // Keys fetched for this message, by "selector._domainkey.domain" and type.
  std::map<std::string, Key> d_keys;
};
} // namespace dmarc
