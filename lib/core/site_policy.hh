// site_policy.hh: what the site's configuration says about deciding mail,
// as typed values: enumerations are enum classes and address lists are
// parsed when the configuration is read (milter/config.cc), so deciding a
// message compares no configuration text.
//
// Pure: values and lookups only. Trusts its contents: they were validated
// when the file was read.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/address_list.hh"
#include "lib/core/policy_engine.hh"

namespace dmarc
{
// A DomainPolicyOverrides word: the local policy for one author domain.
struct DomainPolicyOverride
{
  std::string domain; // lower case, applies to subdomains too
  Policy policy = Policy::None;
};

struct SitePolicy
{
  // How DMARC is evaluated (DMARCStandard, RejectMultiValueFrom,
  // MaxAuthorDomains, UnusableFromAction, TemperrorAction). The psl, idna
  // and random pointers stay null here: they belong to the process and come
  // with each decision (decision.hh, DecisionTools).
  EngineOptions engine;

  std::string authservId;                      // ours (AuthservID, HOSTNAME resolved)
  std::vector<std::string> trustedAuthservIds; // TrustedAuthservIDs

  bool rejectFailures = true;   // RejectFailures
  std::string rejectText;       // RejectString, with at most one %s
  bool holdQuarantined = false; // HoldQuarantinedMessages
  bool requiredHeaders = false; // RequiredHeaders

  // Local exemptions, reported as override reasons.
  AddressList ignoreHosts;
  bool ignoreAuthenticatedClients = false;
  std::vector<std::string> ignoreMailFrom; // lower case, no trailing dot
  AddressList trustedForwarders;
  std::vector<std::string> trustedMailingLists; // "*": any List-Id
  std::vector<std::string> trustedArcSealers;   // ARC-Seal d= domains, lower case, no trailing dot
  std::vector<DomainPolicyOverride> domainPolicies;

  // The local policy override for an author domain (exact or parent; the
  // most specific entry wins), if any.
  const DomainPolicyOverride* domainPolicyFor(std::string_view domain) const;
  bool isIgnoredMailFrom(std::string_view domain) const;
  bool isTrustedMailingList(std::string_view listId) const;
  // One of TrustedArcSealers (case-insensitive, exact: a sealer's
  // subdomain is another sealer).
  bool isTrustedArcSealer(std::string_view sealDomain) const;
  // AuthservID or one of TrustedAuthservIDs, without regard to case: an
  // incoming Authentication-Results field claiming it is forged (RFC 8601 §5).
  bool isOwnAuthservId(std::string_view id) const;
};
} // namespace dmarc
