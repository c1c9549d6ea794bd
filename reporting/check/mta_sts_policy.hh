// mta_sts_policy.hh: the texts of MTA-STS (RFC 8461) and SMTP TLS Reporting
// (RFC 8460 §3) that a domain publishes: the `_mta-sts` and `_smtp._tls`
// TXT records, the policy file, and the MX pattern match.
//
// Pure: strings in, values out. Trusts nothing: the texts come from DNS and
// from a web server. Used by `dmarc-reports check` to explain what is wrong
// with our own domains, so parsing is strict and every deviation is named.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
// RFC 8461 §3.2: max_age is at most 31557600 seconds (about a year).
inline constexpr std::uint64_t g_stsMaxAgeLimit = 31557600;
// RFC 8461 §3.3: a policy body above 64 KB is not fetched further.
inline constexpr std::size_t g_stsMaxPolicyBytes = 64U * 1024U;

struct StsTxtCheck
{
  bool valid = false; // exactly one record starting with v=STSv1 and a valid id
  std::string id;
  std::string error; // what is wrong, in plain words, when !valid
};

// The TXT strings at _mta-sts.<domain> (RFC 8461 §3.1).
StsTxtCheck checkStsTxtRecords(const std::vector<std::string>& records);

struct StsPolicy
{
  std::string version;
  std::string mode; // enforce | testing | none
  std::optional<std::uint64_t> maxAge;
  std::vector<std::string> mx; // patterns, lower case
  std::vector<std::string> errors;
  std::vector<std::string> warnings;
  bool valid() const { return errors.empty(); }
};

// The policy file text (RFC 8461 §3.2): "key: value" lines ended by LF or CRLF.
StsPolicy parseStsPolicy(std::string_view text);

// RFC 8461 §4.1: an exact name, or "*." plus a suffix where "*" matches
// exactly one whole left-most label. Case-insensitive; trailing dots ignored.
bool stsMxMatches(std::string_view pattern, std::string_view host);

struct TlsRptTxtCheck
{
  bool valid = false;
  std::vector<std::string> rua; // mailto: and https: URIs
  std::string error;
};

// The TXT strings at _smtp._tls.<domain> (RFC 8460 §3).
TlsRptTxtCheck checkTlsRptTxtRecords(const std::vector<std::string>& records);

// A policy file to publish for these MX hosts, in `mode`, with a max_age of
// one week (RFC 8461 §3.2 suggests weeks or more once stable).
std::string suggestStsPolicy(const std::vector<std::string>& mxHosts, std::string_view mode);
} // namespace dmarc
