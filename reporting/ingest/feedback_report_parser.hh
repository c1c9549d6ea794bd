// feedback_report_parser.hh: the message/feedback-report part of a DMARC
// failure report another receiver sends us (RFC 5965 §3, RFC 6591 §3,
// RFC 9991), read into the fields `dmarc-reports ingest` stores
// (sql/0008 failure_report_received).
//
// Trusts nothing: the part comes from any sender. The part is bounded
// (s_maxFeedbackPart), and so are the number of fields and each stored
// value; folded lines are unfolded; names are case-insensitive; the first
// of a repeated field counts. A part without Feedback-Type is refused.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
// A feedback report part is a few hundred bytes; 64 KiB and 200 fields
// leave room for a long Authentication-Results without allowing floods.
inline constexpr std::size_t s_maxFeedbackPart = 64 * 1024;
inline constexpr std::size_t s_maxFeedbackFields = 200;
inline constexpr std::size_t s_maxFeedbackValue = 2000;

struct ReceivedFailureReport
{
  std::string reporter;        // the report mail's From address
  std::string reportMessageId; // its Message-ID; empty when absent
  std::string feedbackType;    // lower case, e.g. "auth-failure"
  std::string authFailure;     // lower case, e.g. "dmarc"
  std::string reportedDomain;  // lower case
  std::string sourceIp;        // as written; empty when absent
  std::string arrivalDate;
  std::string originalMailFrom;
  std::string identityAlignment;
  std::string deliveryResult;
  std::string dkimDomain;
  std::string authenticationResults;
};

// The fields of one message/feedback-report body; std::nullopt with `error`
// set when it is not one.
std::optional<ReceivedFailureReport> parseFeedbackReport(std::string_view body, std::string& error);
} // namespace dmarc
