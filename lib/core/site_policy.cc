// site_policy.cc: the lookups of the site policy (see site_policy.hh).
#include "lib/core/site_policy.hh"

#include <algorithm>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// name is domain or a subdomain of it (both lower case).
bool withinDomain(std::string_view name, std::string_view domain)
{
  return name == domain || (name.size() > domain.size() && name.ends_with(domain) &&
                            name[name.size() - domain.size() - 1] == '.');
}
} // namespace

const DomainPolicyOverride* SitePolicy::domainPolicyFor(std::string_view domain) const
{
  auto name = toLowerAscii(domain);
  const DomainPolicyOverride* best = nullptr;
  for (const auto& entry : domainPolicies) {
    // The most specific entry wins.
    if (withinDomain(name, entry.domain) &&
        (best == nullptr || entry.domain.size() > best->domain.size())) {
      best = &entry;
    }
  }
  return best;
}

bool SitePolicy::isIgnoredMailFrom(std::string_view domain) const
{
  auto name = toLowerAscii(domain);
  for (const auto& entry : ignoreMailFrom) {
    if (withinDomain(name, entry)) {
      return true;
    }
  }
  return false;
}

bool SitePolicy::isTrustedMailingList(std::string_view listId) const
{
  if (listId.empty()) {
    return false;
  }
  for (const auto& entry : trustedMailingLists) {
    if (entry == "*" || equalsIgnoreCase(entry, listId)) {
      return true;
    }
  }
  return false;
}

bool SitePolicy::isTrustedArcSealer(std::string_view sealDomain) const
{
  while (!sealDomain.empty() && sealDomain.back() == '.') {
    sealDomain.remove_suffix(1);
  }
  if (sealDomain.empty()) {
    return false;
  }
  return std::any_of(trustedArcSealers.begin(), trustedArcSealers.end(),
                     [&](const std::string& entry) { return equalsIgnoreCase(entry, sealDomain); });
}

bool SitePolicy::isOwnAuthservId(std::string_view id) const
{
  if (equalsIgnoreCase(id, authservId)) {
    return true;
  }
  for (const auto& entry : trustedAuthservIds) {
    if (equalsIgnoreCase(entry, id)) {
      return true;
    }
  }
  return false;
}
} // namespace dmarc
