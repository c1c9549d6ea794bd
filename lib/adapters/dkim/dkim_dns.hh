// dkim_dns.hh: libopendkim's key lookups routed through our DnsResolver.
// libopendkim asks through dkim_dns_set_query_start/waitreply/cancel and
// parses the reply as a DNS message in wire format (header, question,
// answers, as res_query() would return it), so the DnsAnswer our resolver
// gives is encoded back into that form here.
//
// Trusts: the resolver to bound what it returns (answer size, record count).
// The query name comes from a signature's s= and d= tags, so it is hostile:
// a name that is not a plausible host name is answered NXDOMAIN without
// asking the resolver. A Failure answer becomes a transport error, which
// libopendkim reports as a key lookup failure (temperror), never as a
// missing key.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "lib/adapters/dkim/dkim_capi.hh"
#include "lib/core/dns_answer.hh"

namespace dmarc
{
// Where a DNS message for a TXT query would not fit, or the answer is a
// Failure: nullopt. Otherwise the number of bytes written to `out`: a
// response with the question (qname, TXT, IN), rcode NOERROR or NXDOMAIN
// and one TXT answer per record, each record split into character-strings
// of at most 255 bytes. A qname that cannot be a host name (empty or
// overlong labels, characters outside letters, digits, '-' and '_') is
// answered NXDOMAIN with the root name as question.
std::optional<std::size_t> encodeTxtReply(std::string_view qname, const DnsAnswer& answer,
                                          std::span<unsigned char> out);

// True when `qname` is a name we are willing to put to the resolver.
bool isQueryableName(std::string_view qname);

// The key record as libopendkim must see it when verifying signatures for
// `service` (RFC 6376 §3.6.1: s= is a colon-separated list of service
// types, "*" for all, and "*" when absent). libopendkim knows one service:
// it accepts a key only when s= is absent or lists "email" or "*"
// (dkim_key_smtp(), DKIM_SIGERROR_NOTEMAILKEY otherwise), and has no
// setting for another. So for "email" the record is returned as it is;
// for another service (RFC 8460 §3 registers "tlsrpt" for the DKIM keys of
// TLS-RPT report mail) the s= tag is rewritten: to "*" when the key permits
// the service (s= lists it or "*"; no s= at all is left as it is), so that
// libopendkim accepts it, and to "not-<service>" when it does not, so that
// libopendkim refuses it as a key for another service. A record with more
// than one s= tag is invalid (RFC 6376 §3.2) and refused the same way.
// Only the s= tag changes; everything else is passed on byte for byte.
std::string keyRecordForService(std::string_view record, std::string_view service);

// Installs the query hooks on `lib`: key lookups go to `resolver` (which
// must outlive `lib`), or to the resolver of a ScopedDkimResolver alive on
// the querying thread. libopendkim's own resolver init/close hooks are
// removed, so dkim_close() never touches our resolver. `service` is the
// DKIM service the library verifies for: "email" (DKIM as every mail
// verifier uses it) or "tlsrpt" (key records rewritten by
// keyRecordForService); anything else is a ConfigError.
void installDkimDnsHooks(DKIM_LIB* lib, DnsResolver& resolver, std::string_view service = "email");

// While alive, key lookups made on this thread use `resolver` (for instance
// one with a per-message time budget). Nests; restores the previous one.
class ScopedDkimResolver
{
public:
  explicit ScopedDkimResolver(DnsResolver* resolver) noexcept;
  ~ScopedDkimResolver();
  ScopedDkimResolver(const ScopedDkimResolver&) = delete;
  ScopedDkimResolver& operator=(const ScopedDkimResolver&) = delete;

private:
  DnsResolver* d_previous;
};
} // namespace dmarc
