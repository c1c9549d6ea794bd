// org_domain.cc: DMARC record discovery and Organizational Domains (see
// org_domain.hh). Pure: DNS only through DnsResolver.
#include "lib/core/org_domain.hh"

#include "lib/core/domain_name.hh"

namespace dmarc
{
OrgDomainFinder::OrgDomainFinder(DnsResolver& dns, DmarcMode mode, const PublicSuffixList* psl)
    : d_dns(dns), d_mode(mode), d_psl(psl)
{
  d_overLimit.kind = DmarcLookup::Kind::Failure;
  d_overLimit.error = "DMARC query limit reached";
}

const DmarcLookup& OrgDomainFinder::lookup(std::string_view domain)
{
  return lookupMutable(domain);
}

DmarcLookup& OrgDomainFinder::lookupMutable(std::string_view domain)
{
  for (auto& cached : d_lookups) {
    if (equalsIgnoreCase(cached.name, domain)) {
      return cached.result;
    }
  }
  if (d_queries >= g_maxDmarcQueries) {
    return d_overLimit;
  }
  ++d_queries;
  CachedLookup& entry = d_lookups.emplace_back();
  entry.name = toLowerAscii(domain);
  DmarcLookup& result = entry.result;
  // "_dmarc." + name on the stack: no allocation per query
  char qname[7 + g_maxDomainLength + 1];
  std::string_view prefix = "_dmarc.";
  std::size_t length =
      entry.name.size() < g_maxDomainLength ? entry.name.size() : g_maxDomainLength;
  prefix.copy(qname, prefix.size());
  entry.name.copy(qname + prefix.size(), length);
  DnsAnswer answer = d_dns.query(std::string_view(qname, prefix.size() + length), DnsType::TXT);
  switch (answer.status) {
  case DnsStatus::Failure:
    result.kind = DmarcLookup::Kind::Failure;
    result.error = answer.error.empty() ? "DNS failure" : answer.error;
    return result;
  case DnsStatus::NoData:
  case DnsStatus::NxDomain:
    result.kind = DmarcLookup::Kind::NoRecord;
    return result;
  case DnsStatus::Data:
    break;
  }
  const std::string* found = nullptr;
  std::size_t count = 0;
  for (const auto& text : answer.records) {
    if (isDmarcRecord(text)) {
      found = &text;
      ++count;
    }
  }
  if (count == 0) {
    result.kind = DmarcLookup::Kind::NoRecord;
  } else if (count > 1) {
    result.kind = DmarcLookup::Kind::Multiple;
  } else {
    result.kind = DmarcLookup::Kind::One;
    result.record = parseDmarcRecord(*found, d_mode);
  }
  return result;
}

TreeWalk OrgDomainFinder::walk(std::string_view start)
{
  TreeWalk walk;
  std::string_view name = start;
  for (std::size_t step = 0; step < g_maxWalkQueries && !name.empty(); ++step) {
    const DmarcLookup& found = lookup(name);
    if (found.kind == DmarcLookup::Kind::Failure) {
      walk.tempError = true;
      walk.error = "_dmarc." + std::string(name) + ": " + found.error;
      return walk;
    }
    if (found.kind == DmarcLookup::Kind::One) {
      walk.names.push_back(toLowerAscii(name));
      if (found.record.policy.psd != PsdFlag::Unknown) {
        break; // step 2: psd=y or psd=n stops the walk
      }
    }
    // step 3: 8 or more labels are cut to 7 in one step, else drop one label
    std::size_t labels = countLabels(name);
    name = labels >= 8 ? lastLabels(name, 7) : parentDomain(name);
  }
  return walk;
}

OrgDomain OrgDomainFinder::organizationalDomain(std::string_view domain)
{
  for (const auto& cached : d_orgs) {
    if (equalsIgnoreCase(cached.name, domain)) {
      return cached.result;
    }
  }
  OrgDomain result;
  if (d_mode == DmarcMode::Rfc7489) {
    // RFC 7489 §3.2: the public suffix plus one label; a name that is itself
    // a public suffix is its own Organizational Domain.
    auto registrable =
        d_psl != nullptr ? d_psl->registrableDomain(toLowerAscii(domain)) : std::nullopt;
    result.domain = registrable ? *registrable : toLowerAscii(domain);
  } else if (d_walks >= g_maxOrgDomainWalks) {
    result.tempError = true;
    result.error = "Organizational Domain walk limit reached";
  } else {
    ++d_walks;
    TreeWalk found = walk(domain);
    if (found.tempError) {
      result.tempError = true;
      result.error = std::move(found.error);
    } else if (found.names.empty()) {
      result.domain = toLowerAscii(domain); // §4.10.2 rule 4
    } else {
      const std::string& last = found.names.back();
      PsdFlag psd = lookup(last).record.policy.psd;
      if (psd == PsdFlag::No) {
        result.domain = last; // rule 1
      } else if (psd == PsdFlag::Yes && !equalsIgnoreCase(last, domain)) {
        // rule 2: one label below the PSD, on the way to the starting name
        result.domain = toLowerAscii(lastLabels(domain, countLabels(last) + 1));
      } else {
        result.domain = last; // rule 3: fewest labels with a record
      }
    }
  }
  d_orgs.push_back(CachedOrg{toLowerAscii(domain), result});
  return result;
}

std::string OrgDomainFinder::knownOrganizationalDomain(std::string_view domain) const
{
  for (const auto& cached : d_orgs) {
    if (equalsIgnoreCase(cached.name, domain) && !cached.result.tempError) {
      return cached.result.domain;
    }
  }
  return {};
}

PolicyLocation OrgDomainFinder::discoverPolicy(std::string_view authorDomain)
{
  PolicyLocation location;
  DmarcLookup& own = lookupMutable(authorDomain);
  if (own.kind == DmarcLookup::Kind::Failure) {
    location.kind = PolicyLocation::Kind::TempError;
    location.error = "_dmarc." + std::string(authorDomain) + ": " + own.error;
    return location;
  }
  if (own.kind == DmarcLookup::Kind::One) {
    location.kind = PolicyLocation::Kind::Author;
    location.domain = toLowerAscii(authorDomain);
    location.record = &own.record;
    return location;
  }
  if (d_mode == DmarcMode::Rfc7489 && own.kind == DmarcLookup::Kind::Multiple) {
    return location; // RFC 7489 §6.6.3 step 3: several records end discovery
  }
  OrgDomain org = organizationalDomain(authorDomain);
  if (org.tempError) {
    location.kind = PolicyLocation::Kind::TempError;
    location.error = std::move(org.error);
    return location;
  }
  if (equalsIgnoreCase(org.domain, authorDomain) && d_mode == DmarcMode::Rfc7489) {
    return location;
  }
  DmarcLookup& inherited = lookupMutable(org.domain);
  if (inherited.kind == DmarcLookup::Kind::Failure) {
    location.kind = PolicyLocation::Kind::TempError;
    location.error = "_dmarc." + org.domain + ": " + inherited.error;
    return location;
  }
  if (inherited.kind == DmarcLookup::Kind::One) {
    location.kind = PolicyLocation::Kind::OrgDomain;
    location.domain = org.domain;
    location.record = &inherited.record;
    return location;
  }
  if (d_mode == DmarcMode::Rfc9989) {
    // §4.10.1: failing an Organizational Domain record, the PSD's record. The
    // walk stopped at it (psd=y), so it is the last name found.
    TreeWalk found = walk(authorDomain); // served from the cache
    if (!found.names.empty()) {
      const std::string& last = found.names.back();
      DmarcLookup& psd = lookupMutable(last);
      if (psd.kind == DmarcLookup::Kind::One && psd.record.policy.psd == PsdFlag::Yes) {
        location.kind = PolicyLocation::Kind::Psd;
        location.domain = last;
        location.record = &psd.record;
      }
    }
  }
  return location;
}
} // namespace dmarc
