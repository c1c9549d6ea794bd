// report_naming.cc: Report-ID, filename and Subject of an aggregate report.
// Pure: no I/O.
#include "reporting/report_naming.hh"

#include <algorithm>
#include <cctype>
#include <ctime>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
bool isAlnum(std::string_view text)
{
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 && c < 0x80;
  });
}
} // namespace

bool isPlainDomainName(std::string_view name)
{
  if (name.empty() || name.size() > 253) {
    return false;
  }
  std::size_t labelLength = 0;
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c == '.') {
      if (labelLength == 0) {
        return false;
      }
      labelLength = 0;
      continue;
    }
    bool ok = (c < 0x80 && std::isalnum(c) != 0) || c == '-' || c == '_';
    if (!ok || ++labelLength > 63) {
      return false;
    }
  }
  return labelLength != 0;
}

bool isSameOrBelowDomain(std::string_view name, std::string_view parent)
{
  if (parent.empty()) {
    return false;
  }
  if (name.size() == parent.size()) {
    return equalsIgnoreCase(name, parent);
  }
  return name.size() > parent.size() && name[name.size() - parent.size() - 1] == '.' &&
         equalsIgnoreCase(name.substr(name.size() - parent.size()), parent);
}

std::string makeReportId(std::int64_t begin, std::uint64_t serial, std::string_view randomAlnum)
{
  std::time_t when = static_cast<std::time_t>(begin);
  std::tm utc{};
  gmtime_r(&when, &utc);
  char date[16];
  std::strftime(date, sizeof date, "%Y%m%d", &utc);
  std::string id = date;
  id += 'r';
  id += std::to_string(serial);
  id += 'x';
  for (char c : randomAlnum) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
      id += c;
    }
  }
  return id;
}

std::string reportFilename(std::string_view receiver, std::string_view policyDomain,
                           std::int64_t begin, std::int64_t end, std::string_view reportId,
                           bool gzipped)
{
  if (!isPlainDomainName(receiver) || !isPlainDomainName(policyDomain)) {
    throw Error("report filename: not a plain domain name");
  }
  if (!isAlnum(reportId)) {
    throw Error("report filename: the Report-ID is not alphanumeric");
  }
  std::string name;
  name.append(receiver).append("!").append(policyDomain);
  name.append("!").append(std::to_string(begin)).append("!").append(std::to_string(end));
  name.append("!").append(reportId);
  name.append(gzipped ? ".xml.gz" : ".xml");
  return name;
}

std::string reportSubject(std::string_view policyDomain, std::string_view receiver,
                          std::string_view reportId)
{
  if (!isPlainDomainName(receiver) || !isPlainDomainName(policyDomain) || !isAlnum(reportId)) {
    throw Error("report subject: unsafe domain name or Report-ID");
  }
  std::string subject = "Report Domain: ";
  subject.append(policyDomain).append(" Submitter: ").append(receiver);
  subject.append(" Report-ID: <").append(reportId).append(">");
  return subject;
}

std::string alnumFromBytes(std::string_view bytes)
{
  static constexpr std::string_view s_alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  for (char b : bytes) {
    out += s_alphabet[static_cast<unsigned char>(b) % s_alphabet.size()];
  }
  return out;
}
} // namespace dmarc
