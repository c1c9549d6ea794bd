// alignment.cc: strict and relaxed identifier alignment (see alignment.hh).
// Pure: no I/O of its own.
#include "lib/core/alignment.hh"

#include "lib/core/domain_name.hh"

namespace dmarc
{
Alignment checkAlignment(std::string_view authorDomain, std::string_view identifier,
                         AlignmentMode mode, OrgDomainFinder& finder)
{
  if (identifier.empty() || authorDomain.empty()) {
    return Alignment::NotAligned;
  }
  if (equalsIgnoreCase(authorDomain, identifier)) {
    return Alignment::Aligned;
  }
  if (mode == AlignmentMode::Strict || !isValidDomainName(identifier)) {
    return Alignment::NotAligned;
  }
  // Names in different top-level domains never share an Organizational Domain.
  if (!equalsIgnoreCase(lastLabels(authorDomain, 1), lastLabels(identifier, 1))) {
    return Alignment::NotAligned;
  }
  OrgDomain authorOrg = finder.organizationalDomain(authorDomain);
  if (authorOrg.tempError) {
    return Alignment::TempError;
  }
  if (!isSameOrSubdomain(identifier, authorOrg.domain)) {
    return Alignment::NotAligned;
  }
  OrgDomain identifierOrg = finder.organizationalDomain(identifier);
  if (identifierOrg.tempError) {
    return Alignment::TempError;
  }
  return equalsIgnoreCase(identifierOrg.domain, authorOrg.domain) ? Alignment::Aligned
                                                                  : Alignment::NotAligned;
}

std::string_view toString(Alignment value)
{
  switch (value) {
  case Alignment::Aligned:
    return "aligned";
  case Alignment::NotAligned:
    return "not-aligned";
  case Alignment::TempError:
    return "temperror";
  }
  return "not-aligned";
}
} // namespace dmarc
