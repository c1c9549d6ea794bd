// destination_check.cc: the _report._dmarc lookup and its decision.
// Pure apart from the DnsResolver interface it is given.
#include "reporting/check/destination_check.hh"

#include <vector>

#include "lib/core/dmarc_record.hh"
#include "reporting/report_naming.hh"

namespace dmarc
{

DestinationCheck checkDestination(DnsResolver& resolver, std::string_view policyDomain,
                                  std::string_view orgDomain, const RuaUri& uri)
{
  DestinationCheck check;
  check.destination = uri;
  if (isSameOrBelowDomain(uri.host, orgDomain) || isSameOrBelowDomain(uri.host, policyDomain)) {
    check.status = DestinationCheck::Status::Internal;
    check.reason = "same organizational domain";
    return check;
  }
  std::string name = std::string(policyDomain) + "._report._dmarc." + uri.host;
  // RFC 9990: a name over the DNS limits means "not authorized".
  if (!isPlainDomainName(name)) {
    check.reason = "verification name too long or invalid";
    return check;
  }
  DnsAnswer answer = resolver.query(name, DnsType::TXT);
  if (answer.status == DnsStatus::Failure) {
    check.status = DestinationCheck::Status::TempError;
    check.reason = "DNS failure looking up " + name;
    return check;
  }
  bool authorized = false;
  std::vector<RuaUri> replacements;
  for (const auto& record : answer.records) {
    if (!isDmarcRecord(record)) {
      continue; // step 4: only records starting with v=DMARC1 count
    }
    authorized = true;
    auto uris = ruaUrisFromRecord(record);
    replacements.insert(replacements.end(), uris.begin(), uris.end());
  }
  if (!authorized) {
    check.reason = "no v=DMARC1 record at " + name;
    return check;
  }
  check.status = DestinationCheck::Status::Authorized;
  check.reason = "authorized by " + name;
  for (const auto& replacement : replacements) {
    if (replacement.scheme != uri.scheme) {
      continue;
    }
    if (replacement.host != uri.host) {
      // RFC 7489 §7.1: a different host means send to neither.
      check.status = DestinationCheck::Status::NotAuthorized;
      check.reason = "the record at " + name + " redirects to another host";
      return check;
    }
    check.destination = replacement;
    check.destination.uri = uri.uri; // bookkeeping stays under the published URI
    if (!replacement.maxBytes) {
      check.destination.maxBytes = uri.maxBytes;
    }
    check.reason += " (rua replaced by the destination's own)";
    break;
  }
  return check;
}

std::string_view toString(DestinationCheck::Status status)
{
  switch (status) {
  case DestinationCheck::Status::Internal:
    return "internal";
  case DestinationCheck::Status::Authorized:
    return "authorized";
  case DestinationCheck::Status::NotAuthorized:
    return "not-authorized";
  case DestinationCheck::Status::TempError:
    return "temperror";
  }
  return "not-authorized";
}
} // namespace dmarc
