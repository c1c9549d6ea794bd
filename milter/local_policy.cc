// local_policy.cc: configuration + connection facts -> engine inputs.
#include "milter/local_policy.hh"

#include <algorithm>

#include "lib/core/from_header.hh"
#include "milter/config.hh"

namespace dmarc
{
EngineOptions engineOptionsFor(const Config& config, const PublicSuffixList* psl,
                               const IdnaConverter* idna, RandomSource* random)
{
  const auto& v = config.values;
  EngineOptions options;
  options.mode = v.DMARCStandard == "rfc7489" ? DmarcMode::Rfc7489 : DmarcMode::Rfc9989;
  options.multiFrom =
      v.RejectMultiValueFrom ? MultiFromAction::Reject : MultiFromAction::EvaluateAll;
  options.maxAuthorDomains = static_cast<unsigned>(v.MaxAuthorDomains);
  options.unusableFrom = v.UnusableFromAction == "accept" ? FromAction::Accept : FromAction::Reject;
  options.tempfailOnTemperror = v.TemperrorAction == "tempfail";
  options.psl = psl;
  options.idna = idna;
  options.random = random;
  return options;
}

std::vector<std::string> authorDomainsOf(const std::vector<std::string>& fromValues)
{
  std::vector<std::string> domains;
  for (const auto& value : fromValues) {
    auto parsed = parseFromHeader(value);
    if (parsed.status != FromParseStatus::Ok) {
      continue;
    }
    for (const auto& address : parsed.addresses) {
      if (!address.domainLiteral &&
          std::find(domains.begin(), domains.end(), address.domain) == domains.end()) {
        domains.push_back(address.domain);
      }
    }
  }
  return domains;
}

LocalPolicy localPolicyFor(const Config& config, const LocalFacts& facts)
{
  LocalPolicy local;
  const auto& v = config.values;
  bool allIgnored = !facts.authorDomains.empty() &&
                    std::all_of(facts.authorDomains.begin(), facts.authorDomains.end(),
                                [&](const std::string& d) { return config.isIgnoredMailFrom(d); });
  if (!facts.client) {
    // No IP client: a local submission (Postfix non_smtpd_milters, a
    // Unix-socket SMTP session). Evaluated and labelled, never enforced.
    local.enforce = false;
    local.comment = "no client address (local submission)";
  } else if (config.ignoreHosts.contains(*facts.client)) {
    local.enforce = false;
    local.comment = "IgnoreHosts " + facts.client->toString();
  } else if (v.IgnoreAuthenticatedClients && !facts.authenticatedUser.empty()) {
    local.enforce = false;
    local.comment = "IgnoreAuthenticatedClients";
  } else if (allIgnored) {
    local.enforce = false;
    local.comment = "IgnoreMailFrom";
  } else if (!v.RejectFailures) {
    local.enforce = false;
    local.comment = "RejectFailures false";
  }
  if (facts.client && config.trustedForwarders.contains(*facts.client)) {
    local.trustedForwarder = true;
    local.comment += (local.comment.empty() ? "" : "; ") + std::string("TrustedForwarders");
  }
  if (config.isTrustedMailingList(facts.listId)) {
    local.mailingList = true;
    local.comment += (local.comment.empty() ? "" : "; ") + std::string("TrustedMailingLists");
  }
  // A per-domain policy applies when every author domain has one; with
  // several, the strictest of them.
  std::optional<Policy> forced;
  for (const auto& domain : facts.authorDomains) {
    const auto* entry = config.domainPolicyFor(domain);
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
