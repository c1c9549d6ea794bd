// source_names.hh: naming the sending sources of aggregate reports by
// forward-confirmed reverse DNS, so that the overview can group addresses
// by the organisation that runs them (the registrable domain of the name).
//
// Trusts nothing from DNS: anyone who controls an address's reverse zone can
// name it "mail.bigprovider.example", so a PTR name counts only when its own
// A/AAAA records lead back to the address (forward-confirmed). Unconfirmed
// or absent names leave the source as its address. Pure apart from the
// DnsResolver and PublicSuffixList interfaces it is given; thread-safe as
// far as they are (the overview asks from several threads).
#pragma once

#include <string>

#include "lib/core/dns_answer.hh"
#include "lib/core/public_suffix.hh"

namespace dmarc
{
// The reverse DNS name of an IPv4 or IPv6 address in text form
// ("1.2.0.192.in-addr.arpa", nibbles under ip6.arpa); "" when the text is
// not an address.
std::string reverseDnsName(const std::string& address);

struct SourceName
{
  std::string ptrName;      // first PTR name, lower-case; "" when none
  bool confirmed = false;   // ptrName's addresses include the source
  std::string organisation; // registrable domain of a confirmed name, else ""
  bool failed = false;      // DNS failure: not an answer, do not cache
};

SourceName lookUpSourceName(DnsResolver& resolver, const PublicSuffixList& psl,
                            const std::string& address);

// What the page shows for a source: its organisation when confirmed, else
// the address.
std::string sourceLabel(const std::string& address, const SourceName& name);
} // namespace dmarc
