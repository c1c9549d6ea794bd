// feedback_report_parser.cc: RFC 5322 style fields, unfolded, bounded.
#include "reporting/ingest/feedback_report_parser.hh"

#include <map>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// The fields of the body, names lower-cased, values unfolded and trimmed,
// the first occurrence kept; false when over a bound.
bool readFields(std::string_view body, std::map<std::string, std::string>& fields)
{
  std::size_t count = 0;
  std::string name;
  std::string value;
  auto flush = [&] {
    if (!name.empty()) {
      fields.emplace(toLowerAscii(name),
                     std::string(trimSpace(value)).substr(0, s_maxFeedbackValue));
    }
    name.clear();
    value.clear();
  };
  while (!body.empty()) {
    auto end = body.find('\n');
    std::string_view line = body.substr(0, end);
    body = end == std::string_view::npos ? std::string_view() : body.substr(end + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !name.empty()) {
      value += " ";
      value += trimSpace(line);
      continue;
    }
    flush();
    auto colon = line.find(':');
    if (colon == std::string_view::npos || ++count > s_maxFeedbackFields) {
      return count <= s_maxFeedbackFields;
    }
    name = std::string(trimSpace(line.substr(0, colon)));
    value = std::string(line.substr(colon + 1));
  }
  flush();
  return true;
}

std::string field(const std::map<std::string, std::string>& fields, const std::string& name)
{
  auto it = fields.find(name);
  return it == fields.end() ? std::string() : printableAscii(it->second, s_maxFeedbackValue);
}

std::string bare(std::string text)
{
  if (text.size() >= 2 && text.front() == '<' && text.back() == '>') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}
} // namespace

std::optional<ReceivedFailureReport> parseFeedbackReport(std::string_view body, std::string& error)
{
  if (body.size() > s_maxFeedbackPart) {
    error = "feedback report part over " + std::to_string(s_maxFeedbackPart) + " bytes";
    return std::nullopt;
  }
  std::map<std::string, std::string> fields;
  if (!readFields(body, fields)) {
    error = "more than " + std::to_string(s_maxFeedbackFields) + " feedback report fields";
    return std::nullopt;
  }
  ReceivedFailureReport report;
  report.feedbackType = toLowerAscii(field(fields, "feedback-type"));
  if (report.feedbackType.empty()) {
    error = "no Feedback-Type field (RFC 5965 section 3.1)";
    return std::nullopt;
  }
  report.authFailure = toLowerAscii(field(fields, "auth-failure"));
  report.reportedDomain = toLowerAscii(field(fields, "reported-domain"));
  report.sourceIp = field(fields, "source-ip");
  report.arrivalDate = field(fields, "arrival-date");
  report.originalMailFrom = bare(field(fields, "original-mail-from"));
  report.identityAlignment = field(fields, "identity-alignment");
  report.deliveryResult = toLowerAscii(field(fields, "delivery-result"));
  report.dkimDomain = toLowerAscii(field(fields, "dkim-domain"));
  report.authenticationResults = field(fields, "authentication-results");
  return report;
}
} // namespace dmarc
