// posture_check.hh: `dmarc-reports check DOMAIN`: what a sender sees of
// one of our domains, checked and explained in plain words: the DMARC record
// (syntax, policy, rua destinations and their _report._dmarc
// authorisations; for a domain without its own record, which parent's record
// applies by the RFC 9989 §4.10 DNS tree walk and by the RFC 7489 Public
// Suffix List method, found with the engine's own discovery), the SPF record (syntax, DNS lookup
// count), the MX hosts, MTA-STS (RFC 8461: TXT record, policy fetched over HTTPS, syntax, every MX
// matched, each MX's STARTTLS certificate) and TLS-RPT (RFC 8460 §3).
//
// All I/O goes through interfaces (DnsResolver, HttpsFetcher,
// StarttlsProber), so the checks run against fakes in unit tests and against
// loopback servers in integration tests. Trusts nothing it reads; every DNS
// failure is reported as such, never as "no record".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dns_answer.hh"
#include "lib/core/public_suffix.hh"
#include "reporting/check/tls_probe.hh"

namespace dmarc
{
struct StsPolicy;

struct Finding
{
  enum class Level
  {
    Ok,
    Warning, // works, but weaker than it should be
    Error,   // broken, or unsafe: senders will not do what the owner intends
  };
  Level level = Level::Ok;
  std::string area; // DMARC, SPF, MX, MTA-STS, STARTTLS, TLS-RPT
  std::string message;
};

struct PostureOptions
{
  std::uint16_t httpsPort = 443; // of mta-sts.<domain>
  std::uint16_t smtpPort = 25;   // of each MX
  bool checkStarttls = true;
};

struct DomainPosture
{
  std::string domain;
  std::vector<Finding> findings;
  std::vector<std::string> mxHosts; // live MX host names, by preference
  Finding::Level worst() const;
};

class PostureChecker
{
public:
  PostureChecker(DnsResolver& resolver, const PublicSuffixList& psl, HttpsFetcher& fetcher,
                 StarttlsProber& prober, PostureOptions options)
      : d_resolver(resolver), d_psl(psl), d_fetcher(fetcher), d_prober(prober), d_options(options)
  {}

  DomainPosture check(std::string_view domain);

private:
  void checkDmarc(DomainPosture& posture);
  void checkInheritedDmarc(DomainPosture& posture);
  void addDuplicateDmarc(DomainPosture& posture, const std::string& name, std::size_t count);
  void checkRuaDestinations(DomainPosture& posture, const std::string& record);
  void checkSpf(DomainPosture& posture);
  void checkMx(DomainPosture& posture);
  void checkMtaSts(DomainPosture& posture);
  void checkStsMxCoverage(DomainPosture& posture, const StsPolicy& policy);
  void probeStarttls(DomainPosture& posture);
  void checkTlsRpt(DomainPosture& posture);
  std::vector<std::string> addresses(std::string_view host);

  DnsResolver& d_resolver;
  const PublicSuffixList& d_psl;
  HttpsFetcher& d_fetcher;
  StarttlsProber& d_prober;
  PostureOptions d_options;
};

// The DNS records and the MTA-STS policy file to publish for a domain whose
// MX hosts are `mxHosts` (starting in testing mode, as RFC 8461 §8.3 advises).
std::string suggestPublication(std::string_view domain, const std::vector<std::string>& mxHosts,
                               std::string_view policyId);

std::string_view toString(Finding::Level level);
} // namespace dmarc
