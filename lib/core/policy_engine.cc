// policy_engine.cc: DMARC evaluation of one message (see policy_engine.hh).
// Pure: no I/O of its own. Steps: author domains (From parsing, IDNA,
// multi-From rules), then per author domain: policy discovery, alignment,
// policy selection (p/sp/np, t, pct), local overrides; finally the strictest
// per-domain verdict is kept.
#include "lib/core/policy_engine.hh"

#include "lib/core/alignment.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/domain_name.hh"
#include "lib/core/from_header.hh"
#include "lib/core/org_domain.hh"

namespace dmarc
{
namespace
{
// Why 64: a message rarely carries more than 3 signatures; checking more
// than 64 only multiplies DNS walks for an attacker.
constexpr std::size_t s_maxSignaturesChecked = 64;

Disposition toDisposition(Policy policy)
{
  switch (policy) {
  case Policy::None:
    return Disposition::None;
  case Policy::Quarantine:
    return Disposition::Quarantine;
  case Policy::Reject:
    return Disposition::Reject;
  }
  return Disposition::None;
}

// One level lower: reject -> quarantine -> none (RFC 9989 §4.7 t; RFC 7489 §6.6.4).
Policy lower(Policy policy)
{
  return policy == Policy::Reject ? Policy::Quarantine : Policy::None;
}

void addOverride(Verdict& verdict, OverrideReason reason, std::string comment,
                 const LocalPolicy& local)
{
  if (!local.comment.empty()) {
    comment += comment.empty() ? "" : "; ";
    comment += local.comment;
  }
  verdict.overrides.push_back(Override{reason, std::move(comment)});
}

std::string domainOf(std::string_view address)
{
  auto at = address.rfind('@');
  return toLowerAscii(at == std::string_view::npos ? address : address.substr(at + 1));
}

// The SPF result DMARC may use: the MAIL FROM identity, or the HELO identity
// for a null reverse-path, and only a result for exactly that identity (the
// HELO/MAIL FROM confusion of CVE-2019-20790 cannot happen).
SpfOutcome selectSpf(const MessageFacts& facts)
{
  // tolerate the SMTP form "<addr>" and "<>" as well as the bare address
  std::string_view mailFrom = facts.mailFrom;
  if (mailFrom.size() >= 2 && mailFrom.front() == '<' && mailFrom.back() == '>') {
    mailFrom = mailFrom.substr(1, mailFrom.size() - 2);
  }
  if (!mailFrom.empty()) {
    std::string identity = domainOf(mailFrom);
    if (facts.spf.scope == SpfScope::Mfrom &&
        (facts.spf.domain.empty() || equalsIgnoreCase(facts.spf.domain, identity))) {
      SpfOutcome used = facts.spf;
      used.domain = identity;
      return used;
    }
    return SpfOutcome{SpfResult::None, SpfScope::Mfrom, identity,
                      "no SPF result for the MAIL FROM domain"};
  }
  std::string identity = toLowerAscii(facts.helo);
  const SpfOutcome* helo = nullptr;
  if (facts.spf.scope == SpfScope::Helo) {
    helo = &facts.spf;
  } else if (facts.spfHelo && facts.spfHelo->scope == SpfScope::Helo) {
    helo = &*facts.spfHelo;
  }
  if (helo != nullptr &&
      (identity.empty() || helo->domain.empty() || equalsIgnoreCase(helo->domain, identity))) {
    SpfOutcome used = *helo;
    used.domain = identity.empty() ? toLowerAscii(helo->domain) : identity;
    return used;
  }
  return SpfOutcome{SpfResult::None, SpfScope::Helo, identity,
                    "no SPF result for the HELO identity"};
}

// 0 = best (pass) ... higher = stricter; used to choose among the author
// domains' verdicts that are not deferred.
int severity(const Verdict& verdict)
{
  switch (verdict.result) {
  case DmarcResult::Pass:
    return 0;
  case DmarcResult::None:
    return 1;
  case DmarcResult::Permerror:
    return 2;
  case DmarcResult::Temperror:
    return 3;
  case DmarcResult::Fail:
    return 10 + static_cast<int>(verdict.applied == Disposition::Reject       ? 3
                                 : verdict.applied == Disposition::Quarantine ? 2
                                 : verdict.applied == Disposition::Tempfail   ? 1
                                                                              : 0);
  }
  return 0;
}

// How far a disposition departs from plain delivery: none (or pass) <
// quarantine < reject.
int actionRank(Disposition disposition)
{
  return disposition == Disposition::Reject ? 2 : disposition == Disposition::Quarantine ? 1 : 0;
}

// Local policy on a failing message's disposition, in a fixed order
// (forcePolicy, neverReject, then the exemptions). Each change is recorded
// as an override when `verdict` is given; without it the function only
// answers what the disposition would become.
Disposition applyLocalPolicy(Disposition applied, const LocalPolicy& local, DmarcMode mode,
                             Verdict* verdict)
{
  if (local.forcePolicy && toDisposition(*local.forcePolicy) != applied) {
    applied = toDisposition(*local.forcePolicy);
    if (verdict != nullptr) {
      addOverride(*verdict, OverrideReason::LocalPolicy,
                  "policy forced to " + std::string(toString(*local.forcePolicy)), local);
    }
  }
  if (local.neverReject && applied == Disposition::Reject) {
    applied = Disposition::Quarantine;
    if (verdict != nullptr) {
      addOverride(*verdict, OverrideReason::LocalPolicy, "never reject: quarantined instead",
                  local);
    }
  }
  struct Exemption
  {
    bool active;
    OverrideReason reason;
    const char* comment;
  };
  const Exemption exemptions[] = {
      {local.trustedForwarder, OverrideReason::TrustedForwarder, "trusted forwarder"},
      {local.mailingList, OverrideReason::MailingList, "mailing list"},
      {local.forwarded,
       mode == DmarcMode::Rfc7489 ? OverrideReason::Forwarded : OverrideReason::Other, "forwarded"},
      {!local.enforce, OverrideReason::LocalPolicy, "monitor mode: policy not enforced"},
  };
  for (const auto& exemption : exemptions) {
    if (exemption.active && applied != Disposition::None) {
      applied = Disposition::None;
      if (verdict != nullptr) {
        addOverride(*verdict, exemption.reason, exemption.comment, local);
      }
    }
  }
  return applied;
}

// RFC 7489 §6.6.4 pct: whether the message falls outside the sample. The
// roll is made once per author domain and kept in `roll`.
bool sampledOut(const PublishedPolicy& policy, const EngineOptions& options,
                std::optional<unsigned>& roll)
{
  if (options.mode != DmarcMode::Rfc7489 || policy.pct >= 100) {
    return false;
  }
  if (!roll) {
    roll = options.random != nullptr ? options.random->percentRoll() % 100 : 0;
  }
  return *roll >= policy.pct;
}

// One author domain's verdict, and the strictest disposition it could lead
// to: for a temperror, what a retry could bring (none, quarantine or
// reject, never tempfail); otherwise what is applied.
struct DomainOutcome
{
  Verdict verdict;
  Disposition worstCase = Disposition::None;
};

// A temperror. It defers the message (TemperrorAction tempfail) only when
// the outcome could be a reject or a quarantine: when every possible
// outcome is plain delivery (p=none, t=y or pct lowering a policy to none,
// a local exemption), retrying cannot change what happens to the message,
// so it is delivered with dmarc=temperror (RFC 9989 §5.4: p=none must not
// modify existing mail handling).
DomainOutcome temperror(Verdict verdict, const EngineOptions& options, std::string why,
                        Disposition worstCase)
{
  verdict.result = DmarcResult::Temperror;
  verdict.reason = std::move(why);
  verdict.requested = Disposition::None;
  verdict.applied = Disposition::None;
  if (actionRank(worstCase) == 0) {
    worstCase = Disposition::None;
    verdict.reason += "; not deferred: it would be delivered whatever the result";
  } else if (options.tempfailOnTemperror) {
    verdict.applied = Disposition::Tempfail;
  }
  return DomainOutcome{std::move(verdict), worstCase};
}

// Policy options: t=y (RFC 9989 §4.7) one level lower; an RFC 7489
// receiver does not know t.
Policy afterTestMode(Policy chosen, const PublishedPolicy& policy, const EngineOptions& options)
{
  return policy.testing && chosen != Policy::None && options.mode == DmarcMode::Rfc9989
             ? lower(chosen)
             : chosen;
}

// Alignment (RFC 9989 §4.4): any aligned pass, DKIM first (no DNS in the
// common case of d= equal to the author domain). Sets dkimAligned and
// spfAligned; returns whether an identifier could not be ruled out because
// of a temporary error (an aligned temperror, or a pass whose alignment is
// unknown), since that leaves the result unknown rather than a fail.
bool checkIdentifierAlignment(const std::string& author, Verdict& verdict,
                              const PublishedPolicy& policy, OrgDomainFinder& finder)
{
  bool tempError = false;
  std::size_t checked = 0;
  for (const auto& signature : verdict.dkim) {
    if (++checked > s_maxSignaturesChecked || verdict.dkimAligned) {
      break;
    }
    if (signature.result != DkimResult::Pass && signature.result != DkimResult::Temperror) {
      continue;
    }
    Alignment aligned = checkAlignment(author, signature.domain, policy.adkim, finder);
    if (signature.result == DkimResult::Pass && aligned == Alignment::Aligned) {
      verdict.dkimAligned = true;
    } else if (aligned != Alignment::NotAligned) {
      tempError = true; // an aligned temperror, or a pass whose alignment is unknown
    }
  }
  if (verdict.spf.result == SpfResult::Pass || verdict.spf.result == SpfResult::Temperror) {
    Alignment aligned = checkAlignment(author, verdict.spf.domain, policy.aspf, finder);
    if (verdict.spf.result == SpfResult::Pass && aligned == Alignment::Aligned) {
      verdict.spfAligned = true;
    } else if (aligned != Alignment::NotAligned) {
      tempError = true;
    }
  }
  return tempError;
}

// The policy chosen for an author domain, and the np that may apply instead
// when the author domain's existence could not be learnt (either applies,
// so a temperror).
struct SelectedPolicy
{
  Policy published = Policy::None;
  std::optional<Policy> unknownNp;
  std::string existenceError;
};

// Policy selection (RFC 9989 §4.10.1): p at the author domain, else sp for
// an existing and np for a non-existent author domain (RFC 7489: sp). It
// is made for a temperror too: whether the message is deferred depends
// on what the policy could do. The existence query is only made when np
// would change the outcome of a message that did not pass.
SelectedPolicy selectPolicy(const std::string& author, Verdict& verdict,
                            const PublishedPolicy& policy, PolicyLocation::Kind kind, bool passed,
                            const MessageFacts& facts, DnsResolver& dns,
                            const EngineOptions& options)
{
  SelectedPolicy selected;
  selected.published = policy.p;
  verdict.policyTag = PolicyTag::P;
  if (kind == PolicyLocation::Kind::Author) {
    return selected;
  }
  Policy subdomain = policy.sp.value_or(policy.p);
  selected.published = subdomain;
  verdict.policyTag = policy.sp ? PolicyTag::Sp : PolicyTag::P;
  bool npMatters =
      options.mode == DmarcMode::Rfc9989 && policy.np && *policy.np != subdomain && !passed;
  if (npMatters) {
    std::optional<bool> exists = facts.authorDomainExists;
    if (!exists) {
      DnsAnswer answer = dns.query(author, DnsType::A);
      if (answer.status == DnsStatus::Failure) {
        selected.unknownNp = *policy.np;
        selected.existenceError = answer.error.empty() ? std::string("DNS failure") : answer.error;
      } else {
        exists = answer.status != DnsStatus::NxDomain;
      }
    }
    if (exists) {
      verdict.authorDomainExists = *exists;
      if (!*exists) {
        selected.published = *policy.np;
        verdict.policyTag = PolicyTag::Np;
      }
    }
  } else if (facts.authorDomainExists) {
    verdict.authorDomainExists = *facts.authorDomainExists;
    if (!verdict.authorDomainExists && options.mode == DmarcMode::Rfc9989 && policy.np) {
      verdict.policyTag = PolicyTag::Np; // same value as sp, but np is the tag that applies
    }
  }
  return selected;
}

// The result or the policy is unknown: the strictest outcome a failure
// could have under each policy that may apply, after t, pct and local
// policy, decides whether the message is deferred.
Disposition worstFailureOutcome(const SelectedPolicy& selected, const PublishedPolicy& policy,
                                const EngineOptions& options, const LocalPolicy& local)
{
  std::optional<unsigned> roll; // RFC 7489 pct, one roll per author domain
  Disposition worst = Disposition::None;
  for (Policy candidate : {selected.published, selected.unknownNp.value_or(selected.published)}) {
    Policy outcome = afterTestMode(candidate, policy, options);
    if (outcome != Policy::None && sampledOut(policy, options, roll)) {
      outcome = lower(outcome);
    }
    Disposition applied = applyLocalPolicy(toDisposition(outcome), local, options.mode, nullptr);
    if (actionRank(applied) > actionRank(worst)) {
      worst = applied;
    }
  }
  return worst;
}

// A known failure: the published policy, lowered by t=y and then by pct,
// then local policy. Each lowering is recorded as an override so that the
// reports and the Authentication-Results say why less was done.
void applyFailurePolicy(Verdict& verdict, Policy published, const PublishedPolicy& policy,
                        const EngineOptions& options, const LocalPolicy& local)
{
  verdict.requested = toDisposition(published);
  Policy effective = afterTestMode(published, policy, options);
  if (effective != published) {
    addOverride(verdict, OverrideReason::PolicyTestMode,
                "t=y: " + std::string(toString(published)) + " applied as " +
                    std::string(toString(effective)),
                LocalPolicy{});
  }
  // RFC 7489 §6.6.4 pct: outside the sample, one level lower.
  std::optional<unsigned> roll; // RFC 7489 pct, one roll per author domain
  if (effective != Policy::None && sampledOut(policy, options, roll)) {
    Policy sampled = lower(effective);
    addOverride(verdict, OverrideReason::SampledOut,
                "pct=" + std::to_string(policy.pct) + ": " + std::string(toString(effective)) +
                    " applied as " + std::string(toString(sampled)),
                LocalPolicy{});
    effective = sampled;
  }
  verdict.effectivePolicy = effective;
  // Local policy, in a fixed order; each change of disposition gets its reason.
  verdict.applied = applyLocalPolicy(toDisposition(effective), local, options.mode, &verdict);
}

// One author domain, in the RFC 9989 order: policy discovery, alignment,
// policy selection, then the policy options and local policy for a failure.
DomainOutcome evaluateDomain(const std::string& author, Verdict verdict, const MessageFacts& facts,
                             DnsResolver& dns, const EngineOptions& options,
                             const LocalPolicy& local)
{
  verdict.fromDomain = author;
  OrgDomainFinder finder(dns, options.mode, options.psl);

  PolicyLocation location = finder.discoverPolicy(author);
  if (location.kind == PolicyLocation::Kind::TempError) {
    // The policy is unknown: the record that failed to come (at the author
    // domain, or one the walk or the PSL would have led to) may ask for
    // reject. Only local policy can rule an action out.
    Disposition worst = applyLocalPolicy(Disposition::Reject, local, options.mode, nullptr);
    return temperror(std::move(verdict), options, "policy discovery: " + location.error, worst);
  }
  if (location.kind == PolicyLocation::Kind::None) {
    verdict.result = DmarcResult::None;
    verdict.reason = "no DMARC record";
    verdict.orgDomain = options.mode == DmarcMode::Rfc7489
                            ? finder.organizationalDomain(author).domain
                            : finder.knownOrganizationalDomain(author);
    return DomainOutcome{std::move(verdict), Disposition::None};
  }
  DmarcRecord& record = *location.record;
  // moved, not copied: the finder only reads policy.psd (an enum) from now on
  verdict.policy = std::move(record.policy);
  verdict.policy->domain = location.domain;
  if (record.status != RecordStatus::Valid) {
    verdict.result = DmarcResult::Permerror;
    verdict.reason = "unusable DMARC record at " + location.domain + ": " + record.error;
    return DomainOutcome{std::move(verdict), Disposition::None};
  }
  const PublishedPolicy& policy = *verdict.policy;

  bool tempError = checkIdentifierAlignment(author, verdict, policy, finder);
  verdict.orgDomain = finder.knownOrganizationalDomain(author);
  if (verdict.orgDomain.empty() && options.mode == DmarcMode::Rfc7489) {
    verdict.orgDomain = finder.organizationalDomain(author).domain;
  }

  bool passed = verdict.dkimAligned || verdict.spfAligned;
  if (passed) {
    verdict.result = DmarcResult::Pass;
    verdict.reason = verdict.dkimAligned ? "aligned DKIM pass" : "aligned SPF pass";
  } else if (!tempError) {
    verdict.result = DmarcResult::Fail;
    verdict.reason = "no aligned DKIM or SPF pass";
  }

  SelectedPolicy selected =
      selectPolicy(author, verdict, policy, location.kind, passed, facts, dns, options);
  if (passed) {
    verdict.effectivePolicy = afterTestMode(selected.published, policy, options);
    verdict.requested = selected.published == Policy::None ? Disposition::None : Disposition::Pass;
    verdict.applied = verdict.requested;
    Disposition applied = verdict.applied;
    return DomainOutcome{std::move(verdict), applied};
  }
  if (tempError || selected.unknownNp) {
    Disposition worst = worstFailureOutcome(selected, policy, options, local);
    return temperror(std::move(verdict), options,
                     tempError ? "no aligned pass, and an aligned identifier had a temporary error"
                               : "author domain existence: " + selected.existenceError,
                     worst);
  }
  applyFailurePolicy(verdict, selected.published, policy, options, local);
  Disposition applied = verdict.applied;
  return DomainOutcome{std::move(verdict), applied};
}

Verdict rejectUnusable(Verdict verdict, DmarcResult result, std::string why,
                       const LocalPolicy& local, bool reject)
{
  verdict.result = result;
  verdict.reason = std::move(why);
  verdict.requested = Disposition::None;
  verdict.applied = Disposition::None;
  if (reject && local.enforce) {
    verdict.applied = Disposition::Reject;
    addOverride(verdict, OverrideReason::LocalPolicy, verdict.reason, local);
  }
  return verdict;
}
} // namespace

Verdict evaluate(const MessageFacts& facts, DnsResolver& dns, const EngineOptions& options,
                 const LocalPolicy& local)
{
  return evaluate(collectAuthorDomains(facts.fromHeaders, options.idna), facts, dns, options,
                  local);
}

Verdict evaluate(const AuthorDomains& authors, const MessageFacts& facts, DnsResolver& dns,
                 const EngineOptions& options, const LocalPolicy& local)
{
  Verdict base;
  base.discoveryMethod =
      options.mode == DmarcMode::Rfc7489 ? DiscoveryMethod::Psl : DiscoveryMethod::TreeWalk;
  base.dkim = facts.dkim;
  base.spf = selectSpf(facts);
  base.spfHelo = facts.spfHelo;

  base.fromDomains = authors.domains;
  bool rejectUnusableFrom = options.unusableFrom == FromAction::Reject;
  if (authors.unusable) {
    return rejectUnusable(std::move(base), DmarcResult::Permerror, authors.why, local,
                          rejectUnusableFrom);
  }
  if (authors.absent) {
    return rejectUnusable(std::move(base), DmarcResult::None, authors.why, local,
                          rejectUnusableFrom);
  }
  if (authors.domains.size() > 1) {
    base.fromDomain = authors.domains.front();
    if (options.multiFrom == MultiFromAction::Reject) {
      return rejectUnusable(std::move(base), DmarcResult::Permerror,
                            "From addresses in " + std::to_string(authors.domains.size()) +
                                (options.mode == DmarcMode::Rfc7489 ? " domains (RFC 7489 §6.6.1)"
                                                                    : " domains (RFC 9989 §11.5)"),
                            local, true);
    }
    if (authors.domains.size() > options.maxAuthorDomains) {
      return rejectUnusable(std::move(base), DmarcResult::Permerror,
                            "From addresses in " + std::to_string(authors.domains.size()) +
                                " domains, over the limit of " +
                                std::to_string(options.maxAuthorDomains),
                            local, true);
    }
  }
  // RFC 9989 §11.5 (RFC 7489 §6.6.1): evaluate every author domain and keep
  // the strictest outcome. A deferred temperror wins only over a known
  // outcome less strict than what it could lead to: when another author
  // domain already brings a reject (or a quarantine, against a temperror
  // that could at most quarantine), retrying cannot change the outcome.
  std::optional<DomainOutcome> known;
  std::optional<DomainOutcome> deferred;
  bool single = authors.domains.size() == 1;
  for (const auto& author : authors.domains) {
    DomainOutcome outcome =
        evaluateDomain(author, single ? std::move(base) : base, facts, dns, options, local);
    if (outcome.verdict.applied == Disposition::Tempfail) {
      if (!deferred || actionRank(outcome.worstCase) > actionRank(deferred->worstCase)) {
        deferred = std::move(outcome);
      }
    } else if (!known || severity(outcome.verdict) > severity(known->verdict)) {
      known = std::move(outcome);
    }
  }
  if (deferred &&
      (!known || actionRank(deferred->worstCase) > actionRank(known->verdict.applied))) {
    return std::move(deferred->verdict);
  }
  return std::move(known->verdict);
}
} // namespace dmarc
