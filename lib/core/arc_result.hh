// arc_result.hh: the outcome of validating a message's Authenticated
// Received Chain (RFC 8617 §5.2), as a fact of the message for the DMARC
// decision, the Authentication-Results writer (RFC 8617 §7.2: arc=,
// header.oldest-pass) and the history store.
// Pure: values only. Produced by lib/adapters/dkim/arc_verifier.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/auth_results.hh"

namespace dmarc
{
// The chain validation status (RFC 8617 §4.4, the cv= values and the
// arc= results of RFC 8617 §7.2), and TempError: a key lookup failed
// temporarily (DNS), so the same message may validate later. RFC 8617
// registers only none, pass and fail for arc; temperror is the meaning
// RFC 8601 §2.7 gives that word for the other methods. It is never a cv=
// (parseArcSeal refuses it) and never sealed (ArcSealer does not seal on
// it), and a temporary failure never lifts a policy (decision.cc).
enum class ArcResult
{
  None,
  Pass,
  Fail,
  TempError,
};

std::string_view toString(ArcResult result);
// Any of the four names, without regard to case.
std::optional<ArcResult> arcResultFromString(std::string_view text);

// One ARC set, as far as local policy needs it: who sealed it and what its
// ARC-Authentication-Results said. Only worth trusting when the chain
// passed (ArcValidation::result == Pass): a failed chain's sets are kept for
// logs and history, not for decisions.
struct ArcSetSummary
{
  unsigned instance = 0;
  std::string sealDomain;             // ARC-Seal d= (lower case): the sealer
  std::string sealSelector;           // ARC-Seal s=
  std::string signatureDomain;        // ARC-Message-Signature d= (lower case)
  std::string signatureSelector;      // ARC-Message-Signature s=
  ArcResult sealCv = ArcResult::None; // the cv= this set's seal claims
  // The ARC-Authentication-Results payload (RFC 8617 §4.1.1: an
  // Authentication-Results value), parsed; nullopt when it is not RFC 8601
  // syntax (the chain may still pass: the seal covers the bytes).
  std::optional<ParsedAuthResults> authResults;
};

struct ArcValidation
{
  ArcResult result = ArcResult::None;
  // The number of ARC sets (N, the highest instance), also when the chain
  // failed its structure check (then the highest i= seen, at most 50 and
  // 0 when none parsed).
  unsigned instances = 0;
  // RFC 8617 §5.2 step 5, the header.oldest-pass of RFC 8617 §7.2: the
  // lowest instance whose ARC-Message-Signature still verifies, counting
  // down from N; 0 when all of them verify. Set when the chain passed and
  // the verifier was asked for it.
  std::optional<unsigned> oldestPass;
  // Why the chain failed, for logs and the Authentication-Results comment.
  std::string reason;
  // The sets by instance (sets[0] is i=1), when the structure holds
  // (RFC 8617 §5.2 step 3); empty otherwise.
  std::vector<ArcSetSummary> sets;

  // The set with instance `instance`, or null.
  const ArcSetSummary* set(unsigned instance) const noexcept
  {
    return instance >= 1 && instance <= sets.size() ? &sets[instance - 1] : nullptr;
  }
};
} // namespace dmarc
