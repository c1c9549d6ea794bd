// spf_checker.hh: SPF (RFC 7208) for the MAIL FROM and HELO identities, with
// libspf2 as the evaluator and our DnsResolver as its only DNS source.
//
// libspf2 (Debian 1.2.10) gets a custom SPF_dns_server_t whose lookup,
// get_spf and get_exp callbacks call the DnsResolver given here. Around it
// this adapter does what libspf2 does not (see
// ../shared/docs/libspf2-conformance.md):
//   - the RFC 7208 §4.3 domain check and the top-level record selection,
//     with none / temperror / permerror decided here, not "(invalid)";
//   - every record (top level, include, redirect) is checked against the
//     RFC 7208 ABNF (lib/core/spf_record) before libspf2 compiles it;
//   - the 10 DNS-querying terms and the 2 void lookups are counted in our
//     DNS layer across include and redirect (RFC 7208 §4.6.4);
//   - IPv4-mapped IPv6 clients are checked as IPv4 (RFC 7208 §5);
//   - "/0" CIDR lengths, which libspf2's compiler refuses, are evaluated;
//   - exp= explanations follow §6.2 (one TXT record, ASCII, spaces kept).
//
// Trusts: nothing in DNS, the MAIL FROM or the HELO name; all are bounded
// and validated before libspf2 sees them. Thread-safe: each check builds its
// own libspf2 server, so one SpfChecker serves all libmilter threads,
// provided the resolver is thread-safe (UnboundResolver is).
#pragma once

#include <string>
#include <string_view>

#include "lib/core/dns_answer.hh"
#include "lib/core/idna.hh"
#include "lib/core/spf_result.hh"

namespace dmarc
{
struct SpfCheckerOptions
{
  // %{r} in explanations: the receiving host's domain (RFC 7208 §7.3).
  std::string receivingDomain = "unknown";
  // The explanation used for a fail when the domain publishes no exp=
  // (RFC 7208 §6.2). Macro-expanded like exp text; empty means libspf2's.
  std::string defaultExplanation;
  // RFC 7208 §4.6.4 limits. They protect third parties from being flooded
  // by our lookups on behalf of a hostile record: do not raise them.
  unsigned maxDnsTerms = 10;   // a, mx, ptr, exists, include, redirect
  unsigned maxVoidLookups = 2; // terms whose lookup was NXDOMAIN or NODATA
  // Converts a UTF-8 MAIL FROM or HELO domain (SMTPUTF8) to its A-label
  // before the check (RFC 8616 §4). Not owned; must outlive the checker.
  // Null: a non-ASCII domain gives "none".
  const IdnaConverter* idna = nullptr;
};

class SpfChecker
{
public:
  explicit SpfChecker(DnsResolver& resolver, SpfCheckerOptions options = {});

  // The MAIL FROM identity (RFC 7208 §2.4). A null reverse-path (empty
  // mailFrom, or "<>") checks postmaster@<helo> and reports scope Helo. A
  // mailFrom without '@' is taken as a domain (postmaster@<domain>).
  // clientIp is the SMTP client address as text (IPv4, IPv6, or
  // IPv4-mapped IPv6); an unusable one gives temperror.
  SpfOutcome checkMailFrom(std::string_view clientIp, std::string_view mailFrom,
                           std::string_view helo) const;

  // The HELO identity (RFC 7208 §2.3), recorded separately from MAIL FROM.
  SpfOutcome checkHelo(std::string_view clientIp, std::string_view helo) const;

  const SpfCheckerOptions& options() const { return d_options; }

private:
  SpfOutcome check(std::string_view clientIp, std::string_view sender, std::string_view helo,
                   SpfScope scope) const;

  DnsResolver& d_resolver;
  SpfCheckerOptions d_options;
};
} // namespace dmarc
