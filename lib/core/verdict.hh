// verdict.hh: everything the DMARC engine decided about one message, as a
// value. The milter acts on it, the history store records it, and the
// aggregate report is built from what was stored. Nothing here does I/O.
//
// The engine (policy_engine.hh) fills it; the field set is the contract with
// sql/ (every field the aggregate report needs is here).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dkim_result.hh"
#include "lib/core/spf_result.hh"

namespace dmarc
{
// RFC 8601 / RFC 9989 §9.2 dmarc method results.
enum class DmarcResult
{
  None,
  Pass,
  Fail,
  Temperror,
  Permerror,
};

// A published policy value (p, sp, np).
enum class Policy
{
  None,
  Quarantine,
  Reject,
};

// Which tag of the record chose the policy.
enum class PolicyTag
{
  P,
  Sp,
  Np,
};

// RFC 9990 DispositionType, plus the SMTP outcomes the milter can apply.
enum class Disposition
{
  None,       // delivered, no action
  Pass,       // RFC 9990: DMARC passed under an enforcing policy
  Quarantine, // held or marked
  Reject,     // 5xx at end of data
  Tempfail,   // 4xx (temperror under a fail-closed configuration); never in reports
};

// RFC 9990 PolicyOverrideType, plus RFC 7489's forwarded and sampled_out.
enum class OverrideReason
{
  LocalPolicy,
  MailingList,
  TrustedForwarder,
  PolicyTestMode,
  Other,
  Forwarded,  // RFC 7489 only
  SampledOut, // RFC 7489 only
};

enum class DiscoveryMethod
{
  Psl,      // RFC 7489 Public Suffix List
  TreeWalk, // RFC 9989 §4.10 DNS tree walk
};

enum class AlignmentMode
{
  Relaxed,
  Strict,
};

enum class PsdFlag
{
  Unknown, // psd=u or absent
  Yes,
  No,
};

struct Override
{
  OverrideReason reason = OverrideReason::Other;
  std::string comment;
};

// A DMARC record as found in DNS, with the domain it was found at.
struct PublishedPolicy
{
  std::string domain; // where the record was found (A-label, no "_dmarc.")
  std::string record; // the TXT text as found
  Policy p = Policy::None;
  std::optional<Policy> sp;
  std::optional<Policy> np;
  AlignmentMode adkim = AlignmentMode::Relaxed;
  AlignmentMode aspf = AlignmentMode::Relaxed;
  std::string fo = "0";
  unsigned pct = 100;   // RFC 7489 only; 100 when absent
  bool testing = false; // t=y (RFC 9989)
  PsdFlag psd = PsdFlag::Unknown;
  std::vector<std::string> rua; // URIs as published (size suffix removed)
  std::vector<std::string> ruf;
};

struct Verdict
{
  // The RFC5322.From domain evaluated (A-label, lower case); empty when the
  // message had none. When several author domains were evaluated, this is the
  // one whose result decided, and fromDomains lists them all.
  std::string fromDomain;
  std::vector<std::string> fromDomains;

  DmarcResult result = DmarcResult::None;
  std::string reason; // human-readable why (logs, A-R comment)

  bool dkimAligned = false; // policy_evaluated/dkim
  bool spfAligned = false;  // policy_evaluated/spf

  std::optional<PublishedPolicy> policy; // the record applied, if any
  std::string orgDomain;                 // Organizational Domain of fromDomain
  DiscoveryMethod discoveryMethod = DiscoveryMethod::TreeWalk;
  PolicyTag policyTag = PolicyTag::P;
  bool authorDomainExists = true;

  // The policy after t=y / pct (the A-R policy.dmarc value).
  Policy effectivePolicy = Policy::None;
  // What the published policy asks for (before local policy).
  Disposition requested = Disposition::None;
  // What is done after local policy and overrides.
  Disposition applied = Disposition::None;
  std::vector<Override> overrides;

  SpfOutcome spf;                         // the SPF result used for DMARC
  std::optional<SpfOutcome> spfHelo;      // the HELO check, when done separately
  std::vector<DkimSignatureOutcome> dkim; // every signature evaluated
};

std::string_view toString(DmarcResult value);
std::string_view toString(Policy value);
std::string_view toString(PolicyTag value);
std::string_view toString(Disposition value);
std::string_view toString(OverrideReason value);
std::string_view toString(DiscoveryMethod value);
std::string_view toString(AlignmentMode value);
std::string_view toString(PsdFlag value);
} // namespace dmarc
