// unbound_resolver.hh: the one DNS resolver of the process, on libunbound.
//
// Every DNS consumer (DMARC record discovery, SPF through spf_checker, DKIM
// key lookups through libopendkim's query hooks, report checks) goes through
// one UnboundResolver, so there is one cache, one set of limits and one place
// to point tests at a loopback server. Create exactly one per process, after
// any fork and privilege drop (libunbound starts a resolver thread), and share
// it by reference: query() is safe to call from many threads at once
// (libmilter runs one thread per connection).
//
// Trusts: its configuration. Does not trust: anything in a DNS answer. Every
// answer is bounded (packet size, record count, TXT length, CNAME chain)
// before it is turned into a DnsAnswer; over a bound is a Failure, never a
// truncated answer that could read as "no record".
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dns_answer.hh"
#include "lib/core/dns_budget.hh"

namespace dmarc
{
struct UnboundResolverOptions
{
  // Forwarders as "address[@port]" (IPv4 or IPv6 literal, port 1-65535,
  // default 53). Empty: the system resolver (nameservers of resolvConf).
  std::vector<std::string> nameservers;
  // The resolv.conf to read when nameservers is empty; empty means the
  // system default (/etc/resolv.conf).
  std::string resolvConf;
  // Also read /etc/hosts (off by default: mail authentication must not be
  // decided by a local hosts file by accident).
  bool useHostsFile = false;
  // Upper bound for one query, cache misses and retries included. Past it
  // the query is cancelled and answers Failure ("timeout").
  std::chrono::milliseconds queryTimeout{5000};
  // DNSSEC: when set, answers are validated against the trust anchors in
  // this file (zone-file DS/DNSKEY format, as unbound's trust-anchor-file);
  // DnsAnswer::secure/bogus then report the outcome, and a bogus answer is a
  // Failure. Empty: no validation (secure and bogus are always false).
  std::string trustAnchorFile;

  // Bounds on hostile answers (RFC 7208 §4.6.4 and STYLE.md rule 11: every
  // count and length from the network is capped). Legitimate mail DNS stays
  // far below them; SPF and DKIM TXT records are a few hundred bytes.
  std::size_t maxAnswerBytes = 16384; // whole reply packet
  std::size_t maxRecords = 64;        // answer records of the asked type
  std::size_t maxTxtBytes = 8192;     // one TXT record, strings joined
  std::size_t maxCnameChain = 8;      // CNAMEs followed for one answer

  // Answers (data, NODATA, NXDOMAIN; never failures or bogus answers) are
  // kept for their TTL, capped at maxCacheTtl, in a small table in front of
  // libunbound's own cache: a hit then costs a hash lookup instead of two
  // thread hand-offs through libunbound's async pipe. 0 disables it.
  std::size_t cacheEntries = 10000;
  std::chrono::seconds maxCacheTtl{3600};

  // Called after every query, on the querying thread, with whether the
  // answer came from the table above, whether it is a Failure and how long
  // the query took (the milter's metrics). Must be cheap and not throw.
  std::function<void(bool cached, bool failed, std::chrono::nanoseconds elapsed)> observer;
};

// One forwarder from "address[@port]": throws ConfigError when it is not an
// IP literal or the port is out of range. Exposed so that configuration
// checking (dmarc-milter -n) rejects a bad Nameservers value up front.
struct NameserverAddress
{
  std::string address; // as written (IPv4 or IPv6 literal)
  std::uint16_t port = 53;
  std::string toUnbound() const; // "addr@port", as ub_ctx_set_fwd wants it
};
NameserverAddress parseNameserver(std::string_view text);

class UnboundResolver : public TimedDnsResolver
{
public:
  // Throws ConfigError when libunbound refuses the configuration (bad
  // forwarder, unreadable resolv.conf or trust anchor file).
  explicit UnboundResolver(UnboundResolverOptions options);
  ~UnboundResolver() override;
  UnboundResolver(const UnboundResolver&) = delete;
  UnboundResolver& operator=(const UnboundResolver&) = delete;

  // With the configured queryTimeout.
  DnsAnswer query(std::string_view name, DnsType type) override;
  // With an explicit upper bound (the smaller of it and queryTimeout is
  // used), for the per-message DNS time budget.
  DnsAnswer query(std::string_view name, DnsType type, std::chrono::milliseconds timeout) override;

  const UnboundResolverOptions& options() const { return d_options; }

private:
  DnsAnswer observed(std::string_view name, DnsType type, std::chrono::milliseconds timeout);
  class Impl;
  UnboundResolverOptions d_options;
  std::unique_ptr<Impl> d_impl;
};
} // namespace dmarc
