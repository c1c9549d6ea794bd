// alignment.hh: DMARC identifier alignment (RFC 9989 §4.4 and Appendix B.1;
// RFC 7489 §3.1): strict means the two domains are equal, relaxed means they
// share the Organizational Domain, found by the same method (tree walk or
// PSL) as the policy.
//
// Pure: DNS only through the OrgDomainFinder (and so DnsResolver). Trusts
// nothing: identifiers come from SPF and DKIM results and may be any bytes.
// Walks are skipped whenever the answer is known without them (§4.10.2):
// strict mode, equal names, or an identifier that is not under the Author
// Domain's Organizational Domain (an Organizational Domain is always the name
// itself or one of its ancestors, so no walk could make them equal).
#pragma once

#include <string_view>

#include "lib/core/org_domain.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
enum class Alignment
{
  Aligned,
  NotAligned,
  TempError, // an Organizational Domain walk failed: unknown
};

Alignment checkAlignment(std::string_view authorDomain, std::string_view identifier,
                         AlignmentMode mode, OrgDomainFinder& finder);

std::string_view toString(Alignment value);
} // namespace dmarc
