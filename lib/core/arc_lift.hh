// arc_lift.hh: local policy on a validated ARC chain (RFC 8617 §7.2 leaves
// it to the receiver). A message that fails DMARC is delivered when its
// chain passed (cv=pass) and the newest ARC set sealed by one of the
// site's TrustedArcSealers says, in its ARC-Authentication-Results, that
// DMARC passed for the From domain, or that SPF or DKIM passed aligned with
// it (under the alignment modes of the published policy). That set alone
// decides: if it shows a DMARC failure for the From domain, or says nothing
// that passes, nothing is lifted. When the older ARC-Message-Signatures
// were checked (ArcOldestPass) and the trusted set's no longer verifies,
// the message was changed after that sealer saw it: nothing is lifted.
//
// Pure: DNS only through the OrgDomainFinder for relaxed alignment. Trusts
// the chain validation (lib/adapters/dkim/arc_verifier) and the site policy;
// what an ARC-Authentication-Results says is trusted only because a
// trusted sealer's seal over it verified.
#pragma once

#include <optional>
#include <string>

#include "lib/core/arc_result.hh"
#include "lib/core/org_domain.hh"
#include "lib/core/site_policy.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
struct ArcLift
{
  unsigned instance = 0; // the trusted set's
  std::string sealer;    // its ARC-Seal d=
  std::string comment;   // "arc=pass as[2].d=lists.example.org"
};

struct ArcLiftCheck
{
  std::optional<ArcLift> lift;
  std::string why; // for the decision trace: what was found, or why no lift
};

// verdict: the engine's, for a message whose DMARC result is fail.
ArcLiftCheck checkArcLift(const ArcValidation& arc, const Verdict& verdict, const SitePolicy& site,
                          OrgDomainFinder& finder);
} // namespace dmarc
