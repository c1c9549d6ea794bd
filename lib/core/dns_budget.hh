// dns_budget.hh: a per-message DNS time budget in front of the resolver.
//
// One message can trigger many lookups (DMARC record, its organizational
// domain, SPF with includes, one key per DKIM signature). Each query has its
// own timeout in the resolver; the budget bounds their sum, so that one
// message cannot hold an SMTP session for 10 x timeout. Once the budget is
// spent, further queries answer Failure without touching the network (a
// temperror upstream, never "no record").
//
// Pure: time comes from an injected clock function, and the real resolver
// is behind the DnsResolver interface. Not thread-safe: one budget belongs
// to one message, used by the thread that handles it.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string_view>

#include "lib/core/dns_answer.hh"

namespace dmarc
{
// A resolver that can bound one query by a caller-given timeout (the
// libunbound resolver can). The budget passes the remaining time down, so
// a slow query is cut at the budget rather than at the resolver's timeout.
class TimedDnsResolver : public DnsResolver
{
public:
  using DnsResolver::query;
  virtual DnsAnswer query(std::string_view name, DnsType type,
                          std::chrono::milliseconds timeout) = 0;
};

class DnsBudget : public DnsResolver
{
public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // The budget starts at construction. `now` defaults to steady_clock.
  DnsBudget(DnsResolver& inner, std::chrono::milliseconds budget, Clock now = {});
  DnsBudget(TimedDnsResolver& inner, std::chrono::milliseconds budget, Clock now = {});

  DnsAnswer query(std::string_view name, DnsType type) override;

  std::chrono::milliseconds remaining() const;
  bool exhausted() const { return remaining().count() <= 0; }
  std::size_t queries() const { return d_queries; } // passed to the resolver
  std::size_t refused() const { return d_refused; } // answered Failure by the budget

private:
  DnsResolver& d_inner;
  TimedDnsResolver* d_timed = nullptr;
  Clock d_now;
  std::chrono::steady_clock::time_point d_deadline;
  std::size_t d_queries = 0;
  std::size_t d_refused = 0;
};
} // namespace dmarc
