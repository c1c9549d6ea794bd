// arc_chain.hh: the structure of a message's Authenticated Received Chain,
// RFC 8617 §5.2 steps 1 to 3, before any signature is checked: collect the
// ARC sets, at most 50; the newest seal must not say cv=fail; exactly one
// ARC-Seal, ARC-Message-Signature and ARC-Authentication-Results per
// instance; instances 1..N without a gap; cv=none on instance 1 and
// cv=pass above it.
//
// Pure: works on the header fields as text. Used by the verifier (which
// then checks the signatures, steps 4 to 6) and by the sealer (which needs
// the sets it seals over and the next instance number).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/arc_headers.hh"
#include "lib/core/arc_result.hh"

namespace dmarc
{
// One complete ARC set and where its fields are in the header.
struct ArcSetFields
{
  ArcAuthResults authResults;
  ArcMessageSignature signature;
  ArcSeal seal;
  std::size_t authResultsField = 0; // indices into the fields given
  std::size_t signatureField = 0;
  std::size_t sealField = 0;
};

struct ArcChainShape
{
  // None: no ARC field at all. Fail: steps 1-3 failed, see `reason`.
  // Pass: the structure holds and `sets` has every instance, 1..N.
  ArcResult status = ArcResult::None;
  std::string reason;
  std::vector<ArcSetFields> sets;
  // The highest instance any parseable ARC field names (0 when none);
  // also set when the structure fails.
  unsigned highestInstance = 0;
  // The newest seal says cv=fail: an earlier hop ended the chain (step 2).
  bool terminated = false;
};

// `fields`: the message's header fields, top to bottom, each
// "Name: value" (folded lines joined by CRLF, no final CRLF).
ArcChainShape checkArcChain(const std::vector<std::string_view>& fields);

// The ARC set summaries (arc_result.hh) of a chain whose structure holds.
std::vector<ArcSetSummary> summarizeArcSets(const std::vector<ArcSetFields>& sets);
} // namespace dmarc
