// failure_caps.cc: counting against the three limits.
#include "reporting/failure/failure_caps.hh"

namespace dmarc
{
FailureCaps::FailureCaps(FailureCapLimits limits,
                         std::function<SentCounts(const std::string&)> domainCounts,
                         std::function<std::uint64_t()> globalHour)
    : d_limits(limits), d_domainCounts(std::move(domainCounts)), d_globalHour(std::move(globalHour))
{}

SentCounts& FailureCaps::countsOf(const std::string& domain)
{
  auto it = d_domains.find(domain);
  if (it == d_domains.end()) {
    it = d_domains.emplace(domain, d_domainCounts(domain)).first;
  }
  return it->second;
}

std::optional<std::string> FailureCaps::refusal(const std::string& domain)
{
  if (!d_global) {
    d_global = d_globalHour();
  }
  if (*d_global >= d_limits.globalHour) {
    return "global hourly cap " + std::to_string(d_limits.globalHour);
  }
  const SentCounts& counts = countsOf(domain);
  if (counts.hour >= d_limits.perDomainHour) {
    return "domain hourly cap " + std::to_string(d_limits.perDomainHour);
  }
  if (counts.day >= d_limits.perDomainDay) {
    return "domain daily cap " + std::to_string(d_limits.perDomainDay);
  }
  return std::nullopt;
}

void FailureCaps::count(const std::string& domain)
{
  SentCounts& counts = countsOf(domain);
  ++counts.hour;
  ++counts.day;
  if (!d_global) {
    d_global = d_globalHour();
  }
  ++*d_global;
}
} // namespace dmarc
