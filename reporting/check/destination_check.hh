// destination_check.hh: verification of external report destinations
// (RFC 7489 §7.1; RFC 9990 "Verifying External Destinations"; SPECS §4).
//
// A rua address outside the policy domain's Organizational Domain receives
// reports only if `<policy-domain>._report._dmarc.<rua-host>` publishes a
// TXT record starting with v=DMARC1; such a record's rua= may replace the
// URI, but only with one on the same host. Otherwise anyone could publish
// rua=mailto:victim@elsewhere and have us mail-bomb a third party.
//
// Trusts the DnsResolver to bound answers; parses the TXT text itself with
// bounds. A DNS failure is temporary (retry later), never "authorized".
#pragma once

#include <string>
#include <string_view>

#include "lib/core/dns_answer.hh"
#include "reporting/rua_uri.hh"

namespace dmarc
{
struct DestinationCheck
{
  enum class Status
  {
    Internal,      // same Organizational Domain: no check needed
    Authorized,    // the _report._dmarc record allows it
    NotAuthorized, // no such record, or the record redirects to another host
    TempError,     // DNS failure: try again on a later run
  };
  Status status = Status::NotAuthorized;
  RuaUri destination; // the URI to use (replaced by a same-host rua=, if any)
  std::string reason; // for the log and the database
};

DestinationCheck checkDestination(DnsResolver& resolver, std::string_view policyDomain,
                                  std::string_view orgDomain, const RuaUri& uri);

std::string_view toString(DestinationCheck::Status status);
} // namespace dmarc
