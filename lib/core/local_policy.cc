// local_policy.cc: site policy + facts -> the engine's LocalPolicy.
#include "lib/core/local_policy.hh"

#include <algorithm>

namespace dmarc
{
LocalPolicy localPolicyFor(const SitePolicy& site, const LocalFacts& facts)
{
  LocalPolicy local;
  bool allIgnored = !facts.authorDomains.empty() &&
                    std::all_of(facts.authorDomains.begin(), facts.authorDomains.end(),
                                [&](const std::string& d) { return site.isIgnoredMailFrom(d); });
  if (!facts.client) {
    // No IP client: a local submission (Postfix non_smtpd_milters, a
    // Unix-socket SMTP session). Evaluated and labelled, never enforced.
    local.enforce = false;
    local.comment = "no client address (local submission)";
  } else if (site.ignoreHosts.contains(*facts.client)) {
    local.enforce = false;
    local.comment = "IgnoreHosts " + facts.client->toString();
  } else if (site.ignoreAuthenticatedClients && !facts.authenticatedUser.empty()) {
    local.enforce = false;
    local.comment = "IgnoreAuthenticatedClients";
  } else if (allIgnored) {
    local.enforce = false;
    local.comment = "IgnoreMailFrom";
  } else if (!site.rejectFailures) {
    local.enforce = false;
    local.comment = "RejectFailures false";
  }
  if (facts.client && site.trustedForwarders.contains(*facts.client)) {
    local.trustedForwarder = true;
    local.comment += (local.comment.empty() ? "" : "; ") + std::string("TrustedForwarders");
  }
  if (site.isTrustedMailingList(facts.listId)) {
    local.mailingList = true;
    local.comment += (local.comment.empty() ? "" : "; ") + std::string("TrustedMailingLists");
  }
  // A per-domain policy applies when every author domain has one; with
  // several, the strictest of them.
  std::optional<Policy> forced;
  for (const auto& domain : facts.authorDomains) {
    const auto* entry = site.domainPolicyFor(domain);
    if (entry == nullptr) {
      forced.reset();
      break;
    }
    if (!forced || static_cast<int>(entry->policy) > static_cast<int>(*forced)) {
      forced = entry->policy;
    }
  }
  if (forced) {
    local.forcePolicy = forced;
    local.comment += (local.comment.empty() ? "" : "; ") + std::string("DomainPolicyOverrides");
  }
  return local;
}
} // namespace dmarc
