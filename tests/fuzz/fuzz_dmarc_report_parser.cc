// fuzz_dmarc_report_parser.cc: libFuzzer target for the aggregate report
// parser (reporting/ingest/dmarc_report_parser). Checks that an accepted report
// keeps every promise the database schema relies on (an identity, at least
// one record, canonical addresses, bounded counts) and that a rejected one
// carries a reason and no records.
#include <arpa/inet.h>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/ingest/dmarc_report_parser.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::DmarcParseLimits limits;
  limits.maxRecords = 1000;
  const dmarc::DmarcParseResult result = dmarc::parseDmarcAggregateReport(input, limits);
  if (!result.ok) {
    if (result.error.empty() || !result.report.records.empty()) {
      std::abort();
    }
    return 0;
  }
  const auto& report = result.report;
  if (report.reportId.empty() || report.policy.domain.empty() || report.records.empty() ||
      report.records.size() > limits.maxRecords) {
    std::abort();
  }
  if (report.policy.pct && (*report.policy.pct < 0 || *report.policy.pct > 100)) {
    std::abort();
  }
  std::array<unsigned char, 16> binary{};
  for (const auto& record : report.records) {
    if (inet_pton(AF_INET, record.sourceIp.c_str(), binary.data()) != 1 &&
        inet_pton(AF_INET6, record.sourceIp.c_str(), binary.data()) != 1) {
      std::abort();
    }
    if (record.count > 1000000000000000ULL || record.dkimAuth.size() > limits.maxDkimPerRecord ||
        record.spfAuth.size() > limits.maxSpfPerRecord ||
        record.reasons.size() > limits.maxReasonsPerRecord) {
      std::abort();
    }
    if (record.dkim != "" && record.dkim != "pass" && record.dkim != "fail") {
      std::abort();
    }
  }
  return 0;
}
