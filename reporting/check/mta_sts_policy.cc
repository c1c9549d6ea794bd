// mta_sts_policy.cc: strict parsers for the MTA-STS and TLS-RPT texts; see
// mta_sts_policy.hh.
#include "reporting/check/mta_sts_policy.hh"

#include <cctype>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
std::string_view stripDot(std::string_view name)
{
  if (!name.empty() && name.back() == '.') {
    name.remove_suffix(1);
  }
  return name;
}

struct Field
{
  std::string name;
  std::string value;
};

// "v=X; a=b; c=d;" into fields; false on a field without '='.
bool splitFields(std::string_view record, std::vector<Field>& out)
{
  // A bound for hostile records: real ones have two or three fields.
  constexpr std::size_t maxFields = 32;
  while (!record.empty()) {
    const auto semicolon = record.find(';');
    const std::string_view part = trimSpaceOrTab(record.substr(0, semicolon));
    record =
        semicolon == std::string_view::npos ? std::string_view() : record.substr(semicolon + 1);
    if (part.empty()) {
      continue;
    }
    const auto equals = part.find('=');
    if (equals == std::string_view::npos || out.size() >= maxFields) {
      return false;
    }
    out.push_back({std::string(trimSpaceOrTab(part.substr(0, equals))),
                   std::string(trimSpaceOrTab(part.substr(equals + 1)))});
  }
  return true;
}

bool startsWithVersion(std::string_view record, std::string_view version)
{
  // %s"v=STSv1" / %s"v=TLSRPTv1": case-sensitive, then ';' or the end
  // (RFC 8461 §3.1, RFC 8460 §3), white space allowed around fields.
  record = trimSpaceOrTab(record);
  if (record.substr(0, version.size()) != version) {
    return false;
  }
  const std::string_view rest = trimSpaceOrTab(record.substr(version.size()));
  return rest.empty() || rest.front() == ';';
}
} // namespace

StsTxtCheck checkStsTxtRecords(const std::vector<std::string>& records)
{
  StsTxtCheck check;
  std::vector<std::string_view> candidates;
  for (const auto& record : records) {
    if (startsWithVersion(record, "v=STSv1")) {
      candidates.push_back(record);
    }
  }
  if (candidates.empty()) {
    check.error = records.empty() ? "no TXT record" : "no TXT record starting with v=STSv1";
    return check;
  }
  if (candidates.size() > 1) {
    check.error = std::to_string(candidates.size()) +
                  " records start with v=STSv1; with more than one, "
                  "senders treat the domain as having no policy";
    return check;
  }
  std::vector<Field> fields;
  if (!splitFields(candidates.front(), fields)) {
    check.error = "malformed record (a field without '=')";
    return check;
  }
  for (const auto& field : fields) {
    if (field.name == "id" && check.id.empty()) {
      check.id = field.value;
    }
  }
  if (check.id.empty()) {
    check.error = "no id= field (required, RFC 8461 §3.1)";
    return check;
  }
  if (check.id.size() > 32) {
    check.error = "id '" + check.id + "' is longer than 32 characters";
    return check;
  }
  for (const char c : check.id) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0) {
      check.error = "id '" + check.id + "' has characters other than letters and digits";
      return check;
    }
  }
  check.valid = true;
  return check;
}

namespace
{
// The max_age line's value: 1 to 10 digits, at most a year; under a day is
// valid but weak, so only a warning.
void readMaxAge(StsPolicy& policy, const std::string& where, const std::string& value)
{
  bool digits = !value.empty() && value.size() <= 10;
  for (const char c : value) {
    digits = digits && c >= '0' && c <= '9';
  }
  if (!digits) {
    policy.errors.push_back(where + "max_age '" + value + "' is not 1 to 10 digits");
    return;
  }
  policy.maxAge = std::stoull(value);
  if (*policy.maxAge > g_stsMaxAgeLimit) {
    policy.errors.push_back(where + "max_age " + value +
                            " is above the maximum of 31557600 (one year)");
  } else if (*policy.maxAge < 86400) {
    policy.warnings.push_back(
        where + "max_age " + value +
        " is under a day; senders re-fetch constantly and lose protection quickly");
  }
}

// An mx line's pattern, lower case; a wildcard only as the whole left-most
// label (RFC 8461 §3.2).
void addMxPattern(StsPolicy& policy, const std::string& where, const std::string& value)
{
  if (value.empty()) {
    policy.errors.push_back(where + "empty mx pattern");
    return;
  }
  const std::string pattern = toLowerAscii(value);
  if (pattern.find('*') != std::string::npos &&
      (pattern.rfind("*.", 0) != 0 || pattern.find('*', 1) != std::string::npos)) {
    policy.errors.push_back(where + "mx '" + value +
                            "': a wildcard is allowed only as the whole left-most label");
    return;
  }
  policy.mx.push_back(pattern);
}
} // namespace

StsPolicy parseStsPolicy(std::string_view text)
{
  StsPolicy policy;
  bool sawVersion = false;
  bool sawMode = false;
  bool sawMaxAge = false;
  std::size_t lineNumber = 0;
  // A policy has a handful of lines; 1000 mx lines is already absurd.
  constexpr std::size_t maxLines = 1000;
  while (!text.empty()) {
    if (++lineNumber > maxLines) {
      policy.errors.push_back("more than " + std::to_string(maxLines) + " lines");
      break;
    }
    const auto newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (trimSpaceOrTab(line).empty()) {
      continue;
    }
    const auto colon = line.find(':');
    const std::string where = "line " + std::to_string(lineNumber) + ": ";
    if (colon == std::string_view::npos) {
      policy.errors.push_back(where + "not a 'key: value' line");
      continue;
    }
    const std::string key(trimSpaceOrTab(line.substr(0, colon)));
    const std::string value(trimSpaceOrTab(line.substr(colon + 1)));
    if (key == "version") {
      if (sawVersion) {
        policy.warnings.push_back(where + "second version line ignored (the first wins)");
        continue;
      }
      sawVersion = true;
      policy.version = value;
      if (value != "STSv1") {
        policy.errors.push_back(where + "version is '" + value + "', must be STSv1");
      }
    } else if (key == "mode") {
      if (sawMode) {
        policy.warnings.push_back(where + "second mode line ignored (the first wins)");
        continue;
      }
      sawMode = true;
      policy.mode = value;
      if (value != "enforce" && value != "testing" && value != "none") {
        policy.errors.push_back(where + "mode is '" + value +
                                "', must be enforce, testing or none");
      }
    } else if (key == "max_age") {
      if (sawMaxAge) {
        policy.warnings.push_back(where + "second max_age line ignored (the first wins)");
        continue;
      }
      sawMaxAge = true;
      readMaxAge(policy, where, value);
    } else if (key == "mx") {
      addMxPattern(policy, where, value);
    }
    // Other keys are extensions: ignored (RFC 8461 §3.2).
  }
  if (!sawVersion) {
    policy.errors.push_back("no version line");
  }
  if (!sawMode) {
    policy.errors.push_back("no mode line");
  }
  if (!sawMaxAge) {
    policy.errors.push_back("no max_age line");
  }
  if (policy.mx.empty() && sawMode && policy.mode != "none") {
    policy.errors.push_back("no mx line (required unless mode is none)");
  }
  return policy;
}

bool stsMxMatches(std::string_view pattern, std::string_view host)
{
  const std::string wanted = toLowerAscii(stripDot(pattern));
  const std::string name = toLowerAscii(stripDot(host));
  if (wanted.rfind("*.", 0) != 0) {
    return wanted == name;
  }
  const std::string_view suffix = std::string_view(wanted).substr(1); // ".example.com"
  if (name.size() <= suffix.size() ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  // The part the '*' stands for must be exactly one non-empty label.
  const std::string_view label = std::string_view(name).substr(0, name.size() - suffix.size());
  return !label.empty() && label.find('.') == std::string_view::npos;
}

TlsRptTxtCheck checkTlsRptTxtRecords(const std::vector<std::string>& records)
{
  TlsRptTxtCheck check;
  std::vector<std::string_view> candidates;
  for (const auto& record : records) {
    if (startsWithVersion(record, "v=TLSRPTv1")) {
      candidates.push_back(record);
    }
  }
  if (candidates.empty()) {
    check.error = records.empty() ? "no TXT record" : "no TXT record starting with v=TLSRPTv1";
    return check;
  }
  if (candidates.size() > 1) {
    check.error = std::to_string(candidates.size()) +
                  " records start with v=TLSRPTv1; with more than one, "
                  "senders treat the domain as having none";
    return check;
  }
  std::vector<Field> fields;
  if (!splitFields(candidates.front(), fields)) {
    check.error = "malformed record (a field without '=')";
    return check;
  }
  bool sawRua = false;
  for (const auto& field : fields) {
    if (field.name != "rua" || sawRua) {
      continue;
    }
    sawRua = true;
    std::string_view list = field.value;
    while (!list.empty()) {
      const auto comma = list.find(',');
      const std::string uri(trimSpaceOrTab(list.substr(0, comma)));
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
      const std::string scheme = toLowerAscii(uri.substr(0, uri.find(':') + 1));
      if (scheme != "mailto:" && scheme != "https:") {
        check.error = "rua URI '" + uri + "' is neither mailto: nor https:";
        return check;
      }
      if (uri.size() <= scheme.size()) {
        check.error = "rua URI '" + uri + "' is empty after its scheme";
        return check;
      }
      check.rua.push_back(uri);
    }
  }
  if (!sawRua || check.rua.empty()) {
    check.error = "no rua= field (required, RFC 8460 §3)";
    return check;
  }
  check.valid = true;
  return check;
}

std::string suggestStsPolicy(const std::vector<std::string>& mxHosts, std::string_view mode)
{
  std::string out = "version: STSv1\nmode: " + std::string(mode) + "\n";
  for (const auto& host : mxHosts) {
    out += "mx: " + toLowerAscii(stripDot(host)) + "\n";
  }
  out += "max_age: 604800\n";
  return out;
}
} // namespace dmarc
