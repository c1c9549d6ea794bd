// fuzz_feedback_report.cc: libFuzzer target for the feedback report part
// of failure reports others send us (reporting/ingest/feedback_report_parser).
// Checks that an accepted part has a Feedback-Type and bounded, printable
// values, and that a refused one says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/ingest/feedback_report_parser.hh"
#include "tests/fuzz/fuzz_target.hh"

namespace
{
bool printableBounded(const std::string& value)
{
  if (value.size() > dmarc::s_maxFeedbackValue + 3) {
    return false;
  }
  for (char c : value) {
    if (static_cast<unsigned char>(c) < 32 || static_cast<unsigned char>(c) > 126) {
      return false;
    }
  }
  return true;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto report = dmarc::parseFeedbackReport(input, error);
  if (!report) {
    if (error.empty()) {
      std::abort();
    }
    return 0;
  }
  for (const auto* value :
       {&report->feedbackType, &report->authFailure, &report->reportedDomain, &report->sourceIp,
        &report->originalMailFrom, &report->deliveryResult, &report->authenticationResults}) {
    if (!printableBounded(*value)) {
      std::abort();
    }
  }
  if (report->feedbackType.empty()) {
    std::abort();
  }
  return 0;
}
