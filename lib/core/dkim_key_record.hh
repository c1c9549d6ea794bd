// dkim_key_record.hh: the DKIM public key record published at
// <selector>._domainkey.<domain> (RFC 6376 §3.6.1, RFC 8463 §4.2), parsed
// for the checks a verifier must make before it uses the key.
//
// Pure: the record is text from DNS, hence hostile; the parser rejects
// rather than guesses (tag_list.hh rules, then the tags below). Decoding
// the key bytes into an OpenSSL key is the adapters' job
// (lib/adapters/dkim/dkim_public_key).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
enum class DkimKeyType
{
  Rsa,     // k=rsa (the default): p= is a DER SubjectPublicKeyInfo
  Ed25519, // k=ed25519 (RFC 8463): p= is the 32-byte public key
};

struct DkimKeyRecord
{
  DkimKeyType type = DkimKeyType::Rsa;
  std::string publicKey; // decoded p=; empty when the key is revoked
  bool testing = false;  // t=y
  bool strict = false;   // t=s (i= must be d= itself; no i= domain in ARC)
  bool revoked() const noexcept { return publicKey.empty(); }
};

// Parses a key record for `service` (RFC 6376 §3.6.1 s=: the record must
// list it or "*", or have no s=). nullopt with the reason in `why` when
// the record is not a usable key: not a tag-list, v= present but not first
// or not "DKIM1", k= unknown, h= without sha256 (the only hash RFC 8301
// leaves), s= excluding the service, p= missing or not base64.
std::optional<DkimKeyRecord> parseDkimKeyRecord(std::string_view text, std::string* why = nullptr,
                                                std::string_view service = "email");
} // namespace dmarc
