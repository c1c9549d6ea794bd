// list_authentication.hh: whether a message's List-Id is the list's own.
// Any sender can write "List-Id: <a.trusted.list>", so TrustedMailingLists
// exempts a message only when the list signed it: a DKIM signature passes
// whose d= is the list identifier, its domain (the identifier without its
// first label, RFC 2919's list-id-namespace) or that domain's
// Organizational Domain. Stricter than OpenDMARC, which trusts the header.
//
// Pure: DNS only through the OrgDomainFinder (the tree walk or PSL of the
// site's DMARC mode), and only when a passing d= is a parent of the list's
// domain. Trusts the DKIM results (the milter measured them); the List-Id
// is hostile and checked as a domain name first.
#pragma once

#include <string_view>
#include <vector>

#include "lib/core/dkim_result.hh"
#include "lib/core/org_domain.hh"

namespace dmarc
{
bool isListIdAuthenticated(std::string_view listId, const std::vector<DkimSignatureOutcome>& dkim,
                           OrgDomainFinder& finder);
} // namespace dmarc
