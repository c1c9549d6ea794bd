// dkim_result.hh: the outcome of verifying one DKIM signature (RFC 6376,
// RFC 8463), as the DMARC engine, the Authentication-Results writer and the
// history store need it.
// Pure: values only. Produced by lib/adapters/dkim/dkim_verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
// RFC 8601 §2.7.1 results, which are also the RFC 9990 DKIMResultType.
enum class DkimResult
{
  None,
  Pass,
  Fail,
  Policy,
  Neutral,
  Temperror,
  Permerror,
};

struct DkimSignatureOutcome
{
  DkimResult result = DkimResult::None;
  std::string domain;      // d= (A-label, lower case)
  std::string selector;    // s=
  std::string algorithm;   // a=, e.g. rsa-sha256, ed25519-sha256
  std::string bPrefix;     // first characters of b=, for header.b (RFC 6008)
  std::string identity;    // i=, when present
  std::string humanResult; // why, e.g. "body hash mismatch"
  unsigned keyBits = 0;    // public key size, when known
};

std::string_view toString(DkimResult result);
std::optional<DkimResult> dkimResultFromString(std::string_view text);
} // namespace dmarc
