// failure_caps.hh: the abuse controls on how many failure reports leave
// (RFC 9991 "Security Considerations": a forger can make a receiver mail
// the domain owner once per forged message): per reported domain per hour
// and per day, and for all domains per hour.
//
// The counts of reports already sent come from the database once per
// domain per run (the loader); the run then counts its own sends. Runs are
// serialised by the run lock, so no other run adds reports meanwhile.
// Pure apart from the loader it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

namespace dmarc
{
struct FailureCapLimits
{
  std::uint64_t perDomainHour = 10;
  std::uint64_t perDomainDay = 100;
  std::uint64_t globalHour = 1000;
};

struct SentCounts
{
  std::uint64_t hour = 0; // messages reported in the last hour
  std::uint64_t day = 0;  // ... in the last 24 hours
};

class FailureCaps
{
public:
  // domainCounts(domain) and globalHour() read what earlier runs sent.
  FailureCaps(FailureCapLimits limits, std::function<SentCounts(const std::string&)> domainCounts,
              std::function<std::uint64_t()> globalHour);

  // std::nullopt when one more report about this domain is allowed, else
  // which cap stops it ("domain hourly cap 10", ...).
  std::optional<std::string> refusal(const std::string& domain);
  // One more message about this domain was reported.
  void count(const std::string& domain);

private:
  SentCounts& countsOf(const std::string& domain);

  FailureCapLimits d_limits;
  std::function<SentCounts(const std::string&)> d_domainCounts;
  std::function<std::uint64_t()> d_globalHour;
  std::map<std::string, SentCounts> d_domains;
  std::optional<std::uint64_t> d_global;
};
} // namespace dmarc
