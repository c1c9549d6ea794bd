// tlsrpt_parser.hh: reads an SMTP TLS Reporting report (RFC 8460 §4, I-JSON)
// that a sending MTA sent us, into values.
//
// Trusts nothing: the JSON comes from any sender. nlohmann-json parses it
// after a pre-scan bounds the nesting depth (the parser's own recursion and
// the destructor of a deep document both grow with depth), and each policy
// and failure detail is turned into values, its JSON dropped, as soon as it
// has been read, so that memory follows the values, not a JSON tree; sizes and counts
// of policies, failure details and strings are bounded. Lenient where real
// senders deviate harmlessly (SPECS.md §8): `mx-host` as a string or an
// array, `contact-info` null or absent, failure details without IPs or
// host names, unknown members ignored. Strict where guessing would store
// wrong data: no report-id, no organization, no date range, a policies
// member that is not an array, negative or non-integer counts, an address
// that is not an IP address. Never throws for bad input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
struct TlsRptFailure
{
  std::string resultType;   // lower-cased; open registry (RFC 8460 §4.3)
  std::string sendingMtaIp; // canonical, "" when absent
  std::string receivingMxHostname;
  std::string receivingMxHelo;
  std::string receivingIp; // canonical, "" when absent
  std::uint64_t failedSessionCount = 0;
  std::string additionalInformation;
  std::string failureReasonCode;
};

struct TlsRptPolicy
{
  std::string policyType; // tlsa|sts|no-policy-found
  std::vector<std::string> policyStrings;
  std::string policyDomain;
  std::vector<std::string> mxHosts;
  std::uint64_t successfulSessions = 0;
  std::uint64_t failedSessions = 0;
  std::vector<TlsRptFailure> failures;
};

struct TlsRptReport
{
  std::string organizationName;
  std::int64_t begin = 0; // epoch seconds of start-datetime
  std::int64_t end = 0;
  std::string contactInfo;
  std::string reportId;
  std::vector<TlsRptPolicy> policies;
  std::vector<std::string> leniencies;
};

struct TlsRptParseLimits
{
  // Reports are kilobytes; a busy sender's day with many MX hosts is a few
  // MB. 16 MiB stops a flood before parsing.
  std::size_t maxBytes = 16U * 1024U * 1024U;
  // The schema nests 5 levels; 32 leaves room for extensions.
  int maxDepth = 32;
  std::size_t maxPolicies = 1000;
  std::size_t maxFailuresPerPolicy = 10000;
  // Held as values until the report is stored: this bounds their memory
  // (about 12 MB) where 16 MiB of small details could make 800,000.
  std::size_t maxFailures = 50000;
  std::size_t maxStringsPerPolicy = 1000;
  std::size_t maxFieldLength = 2048;
};

struct TlsRptParseResult
{
  bool ok = false;
  std::string error;
  TlsRptReport report;
};

TlsRptParseResult parseTlsRptReport(std::string_view json, const TlsRptParseLimits& limits = {});

// RFC 3339 date-time ("2016-04-01T00:00:00Z", offsets, fractions) to epoch
// seconds; false if it is not one.
bool parseRfc3339(std::string_view text, std::int64_t& epoch);

// Canonical text of an IPv4 or IPv6 address; "" if it is not one.
std::string canonicalIp(std::string_view text);

// Maximum nesting of [] and {} outside strings, stopping early past limit.
int jsonNestingDepth(std::string_view json, int limit);
} // namespace dmarc
