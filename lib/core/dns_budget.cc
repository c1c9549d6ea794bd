// dns_budget.cc: the per-message DNS time budget (see dns_budget.hh).
// Pure: the clock is injected.
#include "lib/core/dns_budget.hh"

namespace dmarc
{
namespace
{
DnsBudget::Clock defaultClock(DnsBudget::Clock now)
{
  if (now) {
    return now;
  }
  return [] { return std::chrono::steady_clock::now(); };
}
} // namespace

DnsBudget::DnsBudget(DnsResolver& inner, std::chrono::milliseconds budget, Clock now)
    : d_inner(inner), d_now(defaultClock(std::move(now))), d_deadline(d_now() + budget)
{}

DnsBudget::DnsBudget(TimedDnsResolver& inner, std::chrono::milliseconds budget, Clock now)
    : d_inner(inner), d_timed(&inner), d_now(defaultClock(std::move(now))),
      d_deadline(d_now() + budget)
{}

std::chrono::milliseconds DnsBudget::remaining() const
{
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(d_deadline - d_now());
  return left.count() > 0 ? left : std::chrono::milliseconds(0);
}

DnsAnswer DnsBudget::query(std::string_view name, DnsType type)
{
  auto left = remaining();
  if (left.count() <= 0) {
    ++d_refused;
    DnsAnswer answer;
    answer.status = DnsStatus::Failure;
    answer.error = "per-message DNS time budget exhausted";
    return answer;
  }
  ++d_queries;
  if (d_timed != nullptr) {
    return d_timed->query(name, type, left);
  }
  return d_inner.query(name, type);
}
} // namespace dmarc
