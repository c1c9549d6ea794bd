// list_authentication.cc: a List-Id backed by the list's DKIM signature
// (see list_authentication.hh).
#include "lib/core/list_authentication.hh"

#include <optional>
#include <string>

#include "lib/core/ascii_text.hh"
#include "lib/core/domain_name.hh"

namespace dmarc
{
namespace
{
std::string bareDomain(std::string_view name)
{
  std::string domain = toLowerAscii(name);
  while (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return domain;
}
} // namespace

bool isListIdAuthenticated(std::string_view listId, const std::vector<DkimSignatureOutcome>& dkim,
                           OrgDomainFinder& finder)
{
  const std::string id = bareDomain(listId);
  if (id.empty() || !isValidDomainName(id)) {
    return false;
  }
  const std::string domain = countLabels(id) > 1 ? std::string(parentDomain(id)) : id;
  std::optional<OrgDomain> org; // looked up once, when a parent domain signed
  for (const auto& signature : dkim) {
    if (signature.result != DkimResult::Pass) {
      continue;
    }
    const std::string d = bareDomain(signature.domain);
    if (d.empty()) {
      continue;
    }
    if (d == id || d == domain) {
      return true;
    }
    if (!isSameOrSubdomain(domain, d)) {
      continue;
    }
    if (!org) {
      org = finder.organizationalDomain(domain);
    }
    if (!org->tempError && equalsIgnoreCase(org->domain, d)) {
      return true;
    }
  }
  return false;
}
} // namespace dmarc
