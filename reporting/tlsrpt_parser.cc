// tlsrpt_parser.cc: nlohmann-json walk over a TLS-RPT report.
// See tlsrpt_parser.hh for what is trusted and what is tolerated.
#include "reporting/tlsrpt_parser.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <nlohmann/json.hpp>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using Json = nlohmann::json;

class Reject : public Error
{
public:
  explicit Reject(const std::string& why) : Error(why) {}
};

std::string trimmed(const std::string& text)
{
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) {
    return {};
  }
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

class Walker
{
public:
  Walker(const TlsRptParseLimits& limits, TlsRptReport& report) : d_limits(limits), d_report(report)
  {}

  void note(std::string what)
  {
    for (const auto& known : d_report.leniencies) {
      if (known == what) {
        return;
      }
    }
    d_report.leniencies.push_back(std::move(what));
  }

  // A string member; "" when absent or null; rejected if another type.
  std::string string(const Json& object, const char* name, const std::string& where)
  {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
      return {};
    }
    if (!it->is_string()) {
      throw Reject(where + name + " is not a string");
    }
    const auto& value = it->get_ref<const std::string&>();
    if (value.size() > d_limits.maxFieldLength) {
      throw Reject(where + name + " longer than " + std::to_string(d_limits.maxFieldLength) +
                   " bytes");
    }
    return trimmed(value);
  }

  std::uint64_t count(const Json& object, const char* name, const std::string& where, bool required)
  {
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
      if (required) {
        note(std::string("missing ") + name);
      }
      return 0;
    }
    // Above 10^15 sessions a day is garbage (and would not fit the
    // database's bigint sums).
    constexpr std::uint64_t maxCount = 1000000000000000ULL;
    if (it->is_number_unsigned() && it->get<std::uint64_t>() <= maxCount) {
      return it->get<std::uint64_t>();
    }
    if (it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
        static_cast<std::uint64_t>(it->get<std::int64_t>()) <= maxCount) {
      return static_cast<std::uint64_t>(it->get<std::int64_t>());
    }
    throw Reject(where + name + " is not a non-negative integer up to 10^15");
  }

  std::vector<std::string> strings(const Json& object, const char* name, const std::string& where)
  {
    std::vector<std::string> out;
    const auto it = object.find(name);
    if (it == object.end() || it->is_null()) {
      return out;
    }
    if (it->is_string()) {
      // RFC 8460 Appendix B writes mx-host as one string (§4.4 says array).
      note(std::string(name) + " as a string");
      out.push_back(trimmed(it->get<std::string>()));
      return out;
    }
    if (!it->is_array()) {
      throw Reject(where + name + " is neither a string nor an array");
    }
    if (it->size() > d_limits.maxStringsPerPolicy) {
      throw Reject(where + name + " has more than " + std::to_string(d_limits.maxStringsPerPolicy) +
                   " entries");
    }
    for (const auto& entry : *it) {
      if (!entry.is_string()) {
        throw Reject(where + name + " has an entry that is not a string");
      }
      if (entry.get_ref<const std::string&>().size() > d_limits.maxFieldLength) {
        throw Reject(where + name + " has an entry longer than " +
                     std::to_string(d_limits.maxFieldLength));
      }
      out.push_back(trimmed(entry.get<std::string>()));
    }
    return out;
  }

  std::string address(const Json& object, const char* name, const std::string& where)
  {
    const std::string raw = string(object, name, where);
    if (raw.empty()) {
      return raw;
    }
    std::string canonical = canonicalIp(raw);
    if (canonical.empty()) {
      throw Reject(where + name + " '" + raw + "' is not an IP address");
    }
    return canonical;
  }

  void failure(const Json& detail, TlsRptPolicy& policy, const std::string& where)
  {
    if (!detail.is_object()) {
      throw Reject(where + "failure detail is not an object");
    }
    TlsRptFailure failure;
    failure.resultType = toLowerAscii(string(detail, "result-type", where));
    if (failure.resultType.empty()) {
      throw Reject(where + "failure detail without result-type");
    }
    failure.sendingMtaIp = address(detail, "sending-mta-ip", where);
    failure.receivingMxHostname = toLowerAscii(string(detail, "receiving-mx-hostname", where));
    failure.receivingMxHelo = string(detail, "receiving-mx-helo", where);
    failure.receivingIp = address(detail, "receiving-ip", where);
    failure.failedSessionCount = count(detail, "failed-session-count", where, true);
    failure.additionalInformation = string(detail, "additional-information", where);
    failure.failureReasonCode = string(detail, "failure-reason-code", where);
    policy.failures.push_back(std::move(failure));
  }

  void policy(const Json& entry, std::size_t index)
  {
    const std::string where = "policy " + std::to_string(index) + ": ";
    if (!entry.is_object()) {
      throw Reject(where + "not an object");
    }
    TlsRptPolicy policy;
    const auto policyIt = entry.find("policy");
    if (policyIt == entry.end() || !policyIt->is_object()) {
      throw Reject(where + "no policy object");
    }
    policy.policyType = toLowerAscii(string(*policyIt, "policy-type", where));
    if (policy.policyType != "tlsa" && policy.policyType != "sts" &&
        policy.policyType != "no-policy-found") {
      throw Reject(where + "policy-type '" + policy.policyType +
                   "' is not tlsa, sts or no-policy-found");
    }
    policy.policyStrings = strings(*policyIt, "policy-string", where);
    policy.policyDomain = toLowerAscii(string(*policyIt, "policy-domain", where));
    if (policy.policyDomain.empty()) {
      throw Reject(where + "no policy-domain");
    }
    policy.mxHosts = strings(*policyIt, "mx-host", where);
    const auto summary = entry.find("summary");
    if (summary == entry.end() || !summary->is_object()) {
      throw Reject(where + "no summary object");
    }
    policy.successfulSessions = count(*summary, "total-successful-session-count", where, true);
    policy.failedSessions = count(*summary, "total-failure-session-count", where, true);
    const auto details = entry.find("failure-details");
    if (details != entry.end() && !details->is_null()) {
      if (!details->is_array()) {
        throw Reject(where + "failure-details is not an array");
      }
      if (details->size() > d_limits.maxFailuresPerPolicy) {
        throw Reject(where + "more than " + std::to_string(d_limits.maxFailuresPerPolicy) +
                     " failure details");
      }
      for (const auto& detail : *details) {
        failure(detail, policy, where);
      }
    }
    d_report.policies.push_back(std::move(policy));
  }

  void report(const Json& root)
  {
    if (!root.is_object()) {
      throw Reject("top level is not a JSON object");
    }
    const std::string where;
    d_report.organizationName = string(root, "organization-name", where);
    if (d_report.organizationName.empty()) {
      throw Reject("no organization-name");
    }
    d_report.reportId = string(root, "report-id", where);
    if (d_report.reportId.empty()) {
      throw Reject("no report-id");
    }
    const auto contact = root.find("contact-info");
    if (contact == root.end() || contact->is_null()) {
      note("no contact-info");
    } else {
      d_report.contactInfo = string(root, "contact-info", where);
    }
    const auto range = root.find("date-range");
    if (range == root.end() || !range->is_object()) {
      throw Reject("no date-range object");
    }
    const std::string start = string(*range, "start-datetime", "date-range ");
    const std::string end = string(*range, "end-datetime", "date-range ");
    if (!parseRfc3339(start, d_report.begin)) {
      throw Reject("date-range start-datetime '" + start + "' is not an RFC 3339 date-time");
    }
    if (!parseRfc3339(end, d_report.end)) {
      throw Reject("date-range end-datetime '" + end + "' is not an RFC 3339 date-time");
    }
    const auto policies = root.find("policies");
    if (policies == root.end() || !policies->is_array()) {
      throw Reject("policies is missing or not an array (RFC 8460 §4.4)");
    }
    if (policies->size() > d_limits.maxPolicies) {
      throw Reject("more than " + std::to_string(d_limits.maxPolicies) + " policies");
    }
    std::size_t index = 0;
    for (const auto& entry : *policies) {
      policy(entry, ++index);
    }
  }

private:
  const TlsRptParseLimits& d_limits;
  TlsRptReport& d_report;
};

bool digits(std::string_view text, std::size_t pos, std::size_t count, int& value)
{
  if (pos + count > text.size()) {
    return false;
  }
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      return false;
    }
    value = value * 10 + (text[i] - '0');
  }
  return true;
}
} // namespace

int jsonNestingDepth(std::string_view json, int limit)
{
  int depth = 0;
  int deepest = 0;
  bool inString = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (inString) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        inString = false;
      }
      continue;
    }
    if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
      if (deepest > limit) {
        return deepest;
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

bool parseRfc3339(std::string_view text, std::int64_t& epoch)
{
  // full-date "T" partial-time time-offset (RFC 3339 §5.6); 't' and ' '
  // are accepted for T as §5.6 NOTE allows.
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
      !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't' && text[10] != ' ') || !digits(text, 11, 2, hour) ||
      text[13] != ':' || !digits(text, 14, 2, minute) || text[16] != ':' ||
      !digits(text, 17, 2, second)) {
    return false;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return false;
  }
  std::size_t pos = 19;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t fractionStart = pos;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      ++pos;
    }
    if (pos == fractionStart) {
      return false;
    }
  }
  int offsetSeconds = 0;
  if (pos < text.size() && (text[pos] == 'Z' || text[pos] == 'z')) {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int offsetHour = 0;
    int offsetMinute = 0;
    if (!digits(text, pos + 1, 2, offsetHour) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !digits(text, pos + 4, 2, offsetMinute) || offsetHour > 23 || offsetMinute > 59) {
      return false;
    }
    offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != text.size()) {
    return false;
  }
  std::tm parts{};
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_mday = day;
  parts.tm_hour = hour;
  parts.tm_min = minute;
  parts.tm_sec = second == 60 ? 59 : second;
  epoch = static_cast<std::int64_t>(timegm(&parts)) - offsetSeconds;
  return true;
}

std::string canonicalIp(std::string_view text)
{
  const std::string input(text);
  std::array<unsigned char, 16> binary{};
  std::array<char, INET6_ADDRSTRLEN> out{};
  if (inet_pton(AF_INET, input.c_str(), binary.data()) == 1) {
    return inet_ntop(AF_INET, binary.data(), out.data(), out.size());
  }
  if (inet_pton(AF_INET6, input.c_str(), binary.data()) == 1) {
    return inet_ntop(AF_INET6, binary.data(), out.data(), out.size());
  }
  return {};
}

TlsRptParseResult parseTlsRptReport(std::string_view json, const TlsRptParseLimits& limits)
{
  TlsRptParseResult result;
  if (json.size() > limits.maxBytes) {
    result.error = "report larger than " + std::to_string(limits.maxBytes) + " bytes";
    return result;
  }
  if (jsonNestingDepth(json, limits.maxDepth) > limits.maxDepth) {
    result.error = "JSON nested deeper than " + std::to_string(limits.maxDepth) + " levels";
    return result;
  }
  // allow_exceptions=false: a syntax error is a discarded value, not a throw.
  const Json root = Json::parse(json.begin(), json.end(), nullptr, false);
  if (root.is_discarded()) {
    result.error = "not valid JSON";
    return result;
  }
  Walker walker(limits, result.report);
  try {
    walker.report(root);
  } catch (const Error& reject) {
    result.error = reject.what();
    result.report = {};
    return result;
  } catch (const nlohmann::json::exception& error) {
    result.error = std::string("JSON: ") + error.what();
    result.report = {};
    return result;
  }
  result.ok = true;
  return result;
}
} // namespace dmarc
