// tlsrpt_parser.cc: nlohmann-json walk over a TLS-RPT report. The parser's
// callback turns each failure detail and each policy into values as soon as
// it is complete and drops its JSON, so that the tree never holds more than
// the report's top-level members and one policy (a JSON tree takes about 20
// times the bytes of its text). See tlsrpt_parser.hh for what is trusted
// and what is tolerated.
#include "reporting/ingest/tlsrpt_parser.hh"

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

// The failure details of the policy being read, taken out of the tree as
// each is complete.
struct StreamedDetails
{
  std::size_t count = 0; // elements seen, read or not
  std::vector<TlsRptFailure> failures;
  std::vector<std::string> notes;
  std::string error; // the first detail's error
};

class Walker
{
public:
  Walker(const TlsRptParseLimits& limits, TlsRptReport& report) : d_limits(limits), d_report(report)
  {}

  // Leniencies go to the list of the part being read; finish() joins the
  // lists in the order a walk of the whole tree would have noted them.
  void noteInto(std::vector<std::string>* notes) { d_notes = notes; }
  void note(std::string what) { d_notes->push_back(std::move(what)); }

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

  void failure(const Json& detail, std::vector<TlsRptFailure>& failures, const std::string& where)
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
    failures.push_back(std::move(failure));
  }

  // `streamed`: the failure details the parser callback already read out
  // of this policy's failure-details (which it left empty).
  void policy(const Json& entry, std::size_t index, StreamedDetails& streamed)
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
      if (details->size() + streamed.count > d_limits.maxFailuresPerPolicy) {
        throw Reject(where + "more than " + std::to_string(d_limits.maxFailuresPerPolicy) +
                     " failure details");
      }
      if (!streamed.error.empty()) {
        throw Reject(streamed.error);
      }
      policy.failures = std::move(streamed.failures);
      noteInto(&streamed.notes);
      for (const auto& detail : *details) {
        failure(detail, policy.failures, where);
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
    if (policies->size() + d_streamedPolicies > d_limits.maxPolicies) {
      throw Reject("more than " + std::to_string(d_limits.maxPolicies) + " policies");
    }
    if (!d_policyError.empty()) {
      throw Reject(d_policyError);
    }
    std::size_t index = d_streamedPolicies;
    for (const auto& entry : *policies) {
      StreamedDetails none;
      noteInto(&d_policyNotes);
      policy(entry, ++index, none);
    }
  }

  // One element of policies, complete: read now, its JSON then dropped.
  // Its error, if any, waits until the top-level members have been judged.
  void streamedPolicy(const Json& entry, StreamedDetails& streamed)
  {
    ++d_streamedPolicies;
    if (!d_policyError.empty() || d_streamedPolicies > d_limits.maxPolicies) {
      return;
    }
    std::vector<std::string> notes;
    noteInto(&notes);
    try {
      policy(entry, d_streamedPolicies, streamed);
    } catch (const Reject& reject) {
      d_policyError = reject.what();
      return;
    }
    d_policyNotes.insert(d_policyNotes.end(), notes.begin(), notes.end());
    d_policyNotes.insert(d_policyNotes.end(), streamed.notes.begin(), streamed.notes.end());
  }

  // One element of a policy's failure-details, complete.
  void streamedDetail(const Json& detail, std::size_t policyIndex, StreamedDetails& streamed)
  {
    ++streamed.count;
    if (!streamed.error.empty() || streamed.count > d_limits.maxFailuresPerPolicy) {
      return;
    }
    if (++d_failures > d_limits.maxFailures) {
      streamed.error =
          "more than " + std::to_string(d_limits.maxFailures) + " failure details in the report";
      return;
    }
    noteInto(&streamed.notes);
    try {
      failure(detail, streamed.failures, "policy " + std::to_string(policyIndex) + ": ");
    } catch (const Reject& reject) {
      streamed.error = reject.what();
    }
  }

  // A second "policies" member replaces the first, as in the tree.
  void restartPolicies()
  {
    d_report.policies.clear();
    d_streamedPolicies = 0;
    d_failures = 0;
    d_policyError.clear();
    d_policyNotes.clear();
  }

  std::size_t streamedPolicies() const { return d_streamedPolicies; }

  void finish()
  {
    std::vector<std::string> all = d_rootNotes;
    all.insert(all.end(), d_policyNotes.begin(), d_policyNotes.end());
    for (auto& what : all) {
      if (std::find(d_report.leniencies.begin(), d_report.leniencies.end(), what) ==
          d_report.leniencies.end()) {
        d_report.leniencies.push_back(std::move(what));
      }
    }
  }

  void readRoot(const Json& root)
  {
    noteInto(&d_rootNotes);
    report(root);
    finish();
  }

private:
  const TlsRptParseLimits& d_limits;
  TlsRptReport& d_report;
  std::vector<std::string>* d_notes = nullptr;
  std::vector<std::string> d_rootNotes;
  std::vector<std::string> d_policyNotes;
  std::size_t d_streamedPolicies = 0;
  std::size_t d_failures = 0; // in the whole report
  std::string d_policyError;
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

namespace
{
// The bounds checked before parsing: the size, and the nesting depth, so
// that the parser's state per depth below has a fixed size. Empty when the
// report is within both.
std::string beyondLimits(std::string_view json, const TlsRptParseLimits& limits)
{
  if (json.size() > limits.maxBytes) {
    return "report larger than " + std::to_string(limits.maxBytes) + " bytes";
  }
  if (jsonNestingDepth(json, limits.maxDepth) > limits.maxDepth) {
    return "JSON nested deeper than " + std::to_string(limits.maxDepth) + " levels";
  }
  return {};
}
} // namespace

TlsRptParseResult parseTlsRptReport(std::string_view json, const TlsRptParseLimits& limits)
{
  TlsRptParseResult result;
  result.error = beyondLimits(json, limits);
  if (!result.error.empty()) {
    return result;
  }
  // Where the parser is: the key and the kind of container at each depth
  // (depth 0 is the top-level value, its members are at depth 1).
  Walker walker(limits, result.report);
  std::vector<std::string> keyAt(static_cast<std::size_t>(limits.maxDepth) + 2);
  std::vector<bool> arrayAt(keyAt.size());
  StreamedDetails details;
  const auto inPolicies = [&] { return keyAt[1] == "policies" && arrayAt[1] && !arrayAt[0]; };
  const auto inDetails = [&] {
    return inPolicies() && !arrayAt[2] && keyAt[3] == "failure-details" && arrayAt[3];
  };
  const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
    const auto at = static_cast<std::size_t>(depth);
    if (at + 1 >= keyAt.size()) {
      return true; // deeper than the pre-scan allows: never reached
    }
    switch (event) {
    case Json::parse_event_t::key:
      keyAt[at] = parsed.get<std::string>();
      if (at == 1 && keyAt[1] == "policies") {
        walker.restartPolicies();
      } else if (at == 3 && keyAt[3] == "failure-details" && inPolicies()) {
        details = {};
      }
      return true;
    case Json::parse_event_t::object_start:
    case Json::parse_event_t::array_start:
      arrayAt[at] = event == Json::parse_event_t::array_start;
      keyAt[at + 1].clear();
      if (at == 2 && inPolicies()) {
        details = {};
      }
      return true;
    case Json::parse_event_t::object_end:
    case Json::parse_event_t::array_end:
    case Json::parse_event_t::value:
      break;
    }
    // A complete value: a failure detail (depth 4) or a policy (depth 2)
    // is read and dropped; "failure-details" and "policies" stay, empty.
    const bool complete =
        event != Json::parse_event_t::value || (!parsed.is_object() && !parsed.is_array());
    if (complete && at == 4 && inDetails()) {
      walker.streamedDetail(parsed, walker.streamedPolicies() + 1, details);
      return false;
    }
    if (complete && at == 2 && inPolicies()) {
      walker.streamedPolicy(parsed, details);
      details = {};
      return false;
    }
    return true;
  };
  // allow_exceptions=false: a syntax error is a discarded value, not a throw.
  const Json root = Json::parse(json.begin(), json.end(), callback, false);
  if (root.is_discarded()) {
    result = {};
    result.error = "not valid JSON";
    return result;
  }
  try {
    walker.readRoot(root);
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
