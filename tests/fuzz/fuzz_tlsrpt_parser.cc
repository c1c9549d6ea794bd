// fuzz_tlsrpt_parser.cc: libFuzzer target for the TLS-RPT report parser
// (reporting/ingest/tlsrpt_parser). Checks that an accepted report has its
// identity, a known policy type per policy, bounded lists and counts, and
// that a rejected one carries a reason.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/ingest/tlsrpt_parser.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::TlsRptParseLimits limits;
  limits.maxPolicies = 100;
  limits.maxFailuresPerPolicy = 100;
  const dmarc::TlsRptParseResult result = dmarc::parseTlsRptReport(input, limits);
  if (!result.ok) {
    if (result.error.empty() || !result.report.policies.empty()) {
      std::abort();
    }
    return 0;
  }
  const auto& report = result.report;
  if (report.reportId.empty() || report.organizationName.empty() ||
      report.policies.size() > limits.maxPolicies) {
    std::abort();
  }
  for (const auto& policy : report.policies) {
    if (policy.policyType != "sts" && policy.policyType != "tlsa" &&
        policy.policyType != "no-policy-found") {
      std::abort();
    }
    if (policy.failures.size() > limits.maxFailuresPerPolicy ||
        policy.successfulSessions > 1000000000000000ULL) {
      std::abort();
    }
    for (const auto& failure : policy.failures) {
      if (failure.resultType.empty() ||
          (!failure.sendingMtaIp.empty() &&
           dmarc::canonicalIp(failure.sendingMtaIp) != failure.sendingMtaIp)) {
        std::abort();
      }
    }
  }
  return 0;
}
