// dmarc_checker.hh: the production MessageChecker: SPF (libspf2 through
// SpfChecker) and DKIM (DkimVerifier, fed as the message streams), on the
// one process resolver, which the DMARC decision then uses too.
//
// Each message gets a per-message DNS time budget (DNSBudget) that starts
// with the message's first lookup, so a slow client does not spend it.
// Thread-safe: the shared parts (resolver, DKIM library, PSL, IDNA) are
// safe for concurrent use; everything per message lives in the
// MessageCheck, used by one libmilter thread.
#pragma once

#include <memory>

#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/core/dns_budget.hh"
#include "lib/core/idna.hh"
#include "lib/core/policy_engine.hh"
#include "lib/core/public_suffix.hh"
#include "milter/message_check.hh"

namespace dmarc
{
// pct sampling (RFC 7489 §6.6.4): a per-thread generator seeded from the
// system's entropy.
class ThreadRandomSource : public RandomSource
{
public:
  unsigned percentRoll() override;
};

class DmarcChecker : public MessageChecker
{
public:
  // psl: needed in rfc7489 mode (nullptr otherwise); idna: for U-label
  // author domains. All must outlive the checker.
  DmarcChecker(TimedDnsResolver& resolver, const DkimLibrary& dkim, const PublicSuffixList* psl,
               const IdnaConverter* idna);

  std::unique_ptr<MessageCheck> begin(const Config& config, const Envelope& envelope) override;

private:
  friend class DmarcMessageCheck;
  TimedDnsResolver& d_resolver;
  const DkimLibrary& d_dkim;
  const PublicSuffixList* d_psl;
  const IdnaConverter* d_idna;
  ThreadRandomSource d_random;
};
} // namespace dmarc
