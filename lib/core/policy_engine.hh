// policy_engine.hh: the DMARC engine's entry point. One call decides DMARC for
// one message (RFC 9989, or RFC 7489 in compatibility mode) and returns a
// Verdict: result, the policy that applies and where it was found, what the
// published policy asks for, and what is done after local policy, with every
// override reason (RFC 9990 PolicyOverrideType, plus RFC 7489's forwarded and
// sampled_out).
//
// Pure: no I/O of its own. DNS goes through DnsResolver, the Public Suffix
// List through PublicSuffixList, IDNA through IdnaConverter, randomness (RFC
// 7489 pct) through RandomSource: all injected. Thread-safe: evaluate() keeps
// all state on its own stack, so libmilter threads may call it concurrently as
// long as the injected objects are thread-safe (the resolver and random source
// may also simply be per-thread or per-session objects).
//
// Trusts nothing in MessageFacts that came from the message (From fields);
// trusts the SPF and DKIM outcomes to be what our own adapters computed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/core/author_domains.hh"
#include "lib/core/dkim_result.hh"
#include "lib/core/dmarc_record.hh"
#include "lib/core/dns_answer.hh"
#include "lib/core/idna.hh"
#include "lib/core/public_suffix.hh"
#include "lib/core/spf_result.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
// Uniform integers in [0, 99] for RFC 7489 §6.6.4 pct sampling.
class RandomSource
{
public:
  virtual ~RandomSource() = default;
  virtual unsigned percentRoll() = 0;
};

// What the milter knows about the message.
struct MessageFacts
{
  // The raw value of every From field, in order (folded or not, as received).
  std::vector<std::string> fromHeaders;
  // The MAIL FROM address without angle brackets ("" for the null
  // reverse-path "<>"). Its domain is the SPF identity for DMARC; with a null
  // reverse-path the HELO identity is used (RFC 7208 §2.4, RFC 7489 §3.1.2).
  std::string mailFrom;
  std::string helo;
  SpfOutcome spf;                         // the MAIL FROM check (scope Mfrom)
  std::optional<SpfOutcome> spfHelo;      // the HELO check, when done (scope Helo)
  std::vector<DkimSignatureOutcome> dkim; // one per signature, in header order
  // Whether the Author Domain exists in DNS (RFC 9989 §3.2.13, for np). When
  // unset the engine asks the resolver (A query: NXDOMAIN means it does not
  // exist), and only when np would change the outcome.
  std::optional<bool> authorDomainExists;
};

// What to do with a message whose author cannot be determined.
enum class FromAction
{
  Reject, // disposition reject, override local_policy (the safe default)
  Accept, // no DMARC (result none / permerror), delivered
};

// RFC 9989 §11.5: several From addresses in different domains.
enum class MultiFromAction
{
  EvaluateAll, // evaluate each author domain (up to maxAuthorDomains), apply the strictest
  Reject,      // reject the message outright
};

// Configuration (from the immutable Config; per-process, not per-message).
struct EngineOptions
{
  DmarcMode mode = DmarcMode::Rfc9989;
  MultiFromAction multiFrom = MultiFromAction::EvaluateAll;
  // More distinct author domains than this: rejected whatever multiFrom says
  // (bounds the DNS work one message can cause).
  unsigned maxAuthorDomains = 4;
  // What to do when no author domain can be determined: no From field, a
  // From without any mailbox, a malformed From, a domain literal, a U-label
  // without an IdnaConverter or an invalid name. (Several From fields are not
  // in this list: they are evaluated like several addresses, see multiFrom.)
  FromAction unusableFrom = FromAction::Reject;
  // temperror: fail closed with a 4xx (Disposition::Tempfail) or open.
  // Only a temperror whose outcome could be a reject or a quarantine is
  // deferred; one that would be delivered whatever the result (the policy
  // in effect comes to none, or local policy exempts the message) never
  // is (RFC 9989 §5.4).
  bool tempfailOnTemperror = false;
  const PublicSuffixList* psl = nullptr; // required in Rfc7489 mode
  const IdnaConverter* idna = nullptr;   // for U-label author domains; null: they are unusable
  RandomSource* random = nullptr;        // pct sampling; null: every message is in the sample
};

// Local decisions the milter made for this message (from its configuration
// and connection); the engine turns each into the right override reason.
struct LocalPolicy
{
  bool enforce = true;               // false: monitor only (applied none, reason local_policy)
  bool trustedForwarder = false;     // e.g. ARC-sealed by or relayed from a trusted forwarder
  bool mailingList = false;          // a list we accept failing mail from
  bool forwarded = false;            // a known forwarder (RFC 7489 "forwarded"; RFC 9989: other)
  bool neverReject = false;          // per-domain: reject becomes quarantine
  std::optional<Policy> forcePolicy; // per-domain: replaces the published policy on failure
  std::string comment;               // added to each override's comment (which rule matched)
};

// Decides DMARC for one message. What the Verdict holds:
// - result: pass | fail | none (no record, or no author with Accept) |
//   temperror (any DNS failure that matters, including the author domain's
//   existence when np and sp differ; never reported as none) |
//   permerror (unusable record, unusable From, or multi-From rejected).
// - policy: the record applied, with the domain where it was found;
//   policyTag says whether p, sp or np chose the policy; discoveryMethod is
//   psl or treewalk; orgDomain is the author's Organizational Domain when it
//   was needed (RFC 9989 §4.10.2 lets the walk be skipped), else "".
// - requested: what the published policy asks for (fail: none | quarantine |
//   reject; pass under p=quarantine/reject: Disposition::Pass, which RFC 7489
//   reports print as none); effectivePolicy: after t=y / pct (A-R
//   policy.dmarc); applied: after local policy (Tempfail only for temperror
//   with tempfailOnTemperror, and only when a failure could be rejected or
//   quarantined: the DMARC record lookup failing leaves the policy unknown,
//   a DKIM, SPF or alignment lookup failing leaves it known, and t=y, pct
//   and local policy count); overrides: one entry per change, in the order
//   t=y, pct, forcePolicy, neverReject, trustedForwarder, mailingList,
//   forwarded, monitor mode. With several author domains the strictest
//   outcome applies; a deferred temperror only when it could lead to a
//   stricter one than the others decide.
// - spf: the SPF result DMARC used (MAIL FROM, or HELO for "<>"), dkim: every
//   signature as given, spfAligned / dkimAligned: the policy_evaluated values.
Verdict evaluate(const MessageFacts& facts, DnsResolver& dns, const EngineOptions& options,
                 const LocalPolicy& local);
// The same, with the author domains already collected from facts.fromHeaders
// (collectAuthorDomains with options.idna), so that a caller keying its own
// rules on them parses the From fields once.
Verdict evaluate(const AuthorDomains& authors, const MessageFacts& facts, DnsResolver& dns,
                 const EngineOptions& options, const LocalPolicy& local);
} // namespace dmarc
