// dkim_public_key.hh: a DKIM public key fetched from DNS and made ready
// for OpenSSL, for the signatures the project checks itself (ARC, RFC 8617
// §5.2 uses DKIM's key records). One lookup: the same resolver (or the
// message's budgeted one) and the same decoded-key cache
// (dkim_key_cache.hh) as the DKIM verifier's keys.
//
// Applies RFC 8301 and RFC 6376 §3.6 before a key is used: the record must
// parse (dkim_key_record.hh), p= must not be empty (revoked), RSA keys
// under the minimum size are refused, the key type must be the one the
// signature names. Trusts the resolver to bound its answers; the query
// name comes from hostile s= and d= tags and is checked first.
#pragma once

#include <string>
#include <string_view>

#include "lib/adapters/c_handles.hh"
#include "lib/core/dkim_key_record.hh"
#include "lib/core/dns_answer.hh"

namespace dmarc
{
struct DkimKeyRules
{
  unsigned minRsaKeyBits = 1024; // RFC 8301 §3.2
  std::string service = "email"; // RFC 6376 §3.6.1 s=
};

enum class DkimKeyStatus
{
  Found,
  Temporary, // DNS failed or timed out: a temporary error, never "no key"
  NotFound,  // NXDOMAIN or no TXT record (RFC 6376 §6.1.2: permanent)
  Invalid,   // no record parses as a key, or p= does not decode
  Revoked,   // p= empty (RFC 6376 §3.6.1)
  Refused,   // RFC 8301: RSA key too short; or the type is not the one named
};

struct DkimPublicKey
{
  DkimKeyStatus status = DkimKeyStatus::Temporary;
  DkimKeyType type = DkimKeyType::Rsa;
  EvpPkeyPtr key; // set when Found
  // RSA: a context ready to verify with `key` (dkim_crypto.hh), from the
  // decoded-key cache; may be null.
  EvpPkeyCtxPtr rsaVerify;
  unsigned bits = 0;
  bool testing = false; // t=y
  std::string reason;   // why, when not Found
};

// Fetches <selector>._domainkey.<domain> TXT through `resolver` and
// prepares the first record that is a usable key of type `type`.
DkimPublicKey fetchDkimPublicKey(DnsResolver& resolver, std::string_view selector,
                                 std::string_view domain, DkimKeyType type,
                                 const DkimKeyRules& rules = {});

// The same for a record already in hand (tests, and the fetch above).
DkimPublicKey dkimPublicKeyFromRecord(std::string_view record, DkimKeyType type,
                                      const DkimKeyRules& rules = {});
} // namespace dmarc
