// report_message.cc: the MIME message of an aggregate report. Base64 comes
// from OpenSSL (EVP_EncodeBlock), not from hand-written code.
#include "reporting/aggregate/report_message.hh"

#include <array>

#include <openssl/evp.h>

#include "lib/core/error.hh"
#include "reporting/report_naming.hh"
#include "reporting/rua_uri.hh"

namespace dmarc
{
namespace
{
// 57 input bytes make one 76-character base64 line (RFC 2045 §6.8).
constexpr std::size_t s_base64LineInput = 57;

std::string utcText(std::int64_t when)
{
  std::time_t t = static_cast<std::time_t>(when);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &utc);
  return text;
}

// Folds a header at spaces so that no line exceeds 78 characters
// (RFC 5322 §2.1.1); the Subject grammar allows FWS between its words.
std::string foldHeader(const std::string& name, const std::string& value)
{
  std::string out = name + ":";
  std::size_t lineLength = out.size();
  std::size_t start = 0;
  while (start <= value.size()) {
    auto space = value.find(' ', start);
    std::string word =
        value.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (lineLength + 1 + word.size() > 78 && lineLength > name.size() + 1) {
      out += "\n";
      lineLength = 0;
    }
    out += " " + word;
    lineLength += 1 + word.size();
    if (space == std::string::npos) {
      break;
    }
    start = space + 1;
  }
  return out + "\n";
}
} // namespace

void writeSizeErrorMessage(ByteSink& out, const ReportMessageInfo& info, std::uint64_t reportBytes,
                           std::uint64_t limitBytes)
{
  if (!isSafeMailAddress(info.from) || info.to.size() != 1 || !isSafeMailAddress(info.to[0])) {
    throw Error("report message: unsafe or missing From/To address");
  }
  std::string subject = reportSubject(info.policyDomain, info.receiver, info.reportId);
  std::string text;
  text += "From: " + info.from + "\n";
  text += "To: " + info.to[0] + "\n";
  text += foldHeader("Subject", subject);
  text += "Date: " + rfc5322Date(info.date) + "\n";
  text += "Message-ID: <" + info.reportId + ".size@" + info.receiver + ">\n";
  text += "MIME-Version: 1.0\n";
  text += "Content-Type: text/plain; charset=us-ascii\n";
  text += "Content-Transfer-Encoding: 7bit\n\n";
  text += "A DMARC aggregate report for " + info.policyDomain + " from " + info.receiver + ",\n";
  text += "covering " + utcText(info.begin) + " to " + utcText(info.end) + ",\n";
  text += "is " + std::to_string(reportBytes) + " bytes, more than the " +
          std::to_string(limitBytes) + " bytes this address accepts (RFC 7489 section 7.2.2).\n";
  text += "Report-ID: " + info.reportId + "\n";
  out.write(text);
}

void writeReportMessage(ByteSink& out, const ReportMessageInfo& info, std::istream& gzipped)
{
  if (!isSafeMailAddress(info.from) || info.to.empty()) {
    throw Error("report message: unsafe or missing From/To address");
  }
  for (const auto& to : info.to) {
    if (!isSafeMailAddress(to)) {
      throw Error("report message: unsafe To address");
    }
  }
  // reportSubject and reportFilename check the domains and the Report-ID.
  std::string subject = reportSubject(info.policyDomain, info.receiver, info.reportId);
  std::string expected =
      reportFilename(info.receiver, info.policyDomain, info.begin, info.end, info.reportId);
  if (info.filename != expected) {
    throw Error("report message: filename does not match the report");
  }
  const std::string boundary = "=_dmarc_report_" + info.reportId;

  std::string head;
  head += "From: " + info.from + "\n";
  std::string toList;
  for (const auto& to : info.to) {
    toList += (toList.empty() ? "" : ", ") + to;
  }
  head += foldHeader("To", toList);
  head += foldHeader("Subject", subject);
  head += "Date: " + rfc5322Date(info.date) + "\n";
  // RFC 9990: the ridtxt MAY also be used in the Message-ID.
  head += "Message-ID: <" + info.reportId + "@" + info.receiver + ">\n";
  head += "MIME-Version: 1.0\n";
  head += "Content-Type: multipart/mixed;\n boundary=\"" + boundary + "\"\n";
  head += "\nThis is a MIME-formatted DMARC aggregate report.\n\n";
  head += "--" + boundary + "\n";
  head += "Content-Type: text/plain; charset=us-ascii\n";
  head += "Content-Transfer-Encoding: 7bit\n\n";
  head += "This is a DMARC aggregate report (RFC 9990) from " + info.receiver + "\n";
  head += "for " + info.policyDomain + ", covering " + utcText(info.begin) + " to " +
          utcText(info.end) + ".\n";
  head += "Report-ID: " + info.reportId + "\n";
  head += "Records: " + std::to_string(info.records) +
          ", messages: " + std::to_string(info.messages) + ".\n\n";
  head += "--" + boundary + "\n";
  head += "Content-Type: application/gzip;\n name=\"" + info.filename + "\"\n";
  head += "Content-Transfer-Encoding: base64\n";
  head += "Content-Disposition: attachment;\n filename=\"" + info.filename + "\"\n\n";
  out.write(head);

  std::array<char, s_base64LineInput * 64> input{};
  std::array<unsigned char, (s_base64LineInput * 64 / 3) * 4 + 1> encoded{};
  std::string lines;
  while (gzipped) {
    gzipped.read(input.data(), static_cast<std::streamsize>(input.size()));
    auto got = static_cast<std::size_t>(gzipped.gcount());
    if (got == 0) {
      break;
    }
    lines.clear();
    for (std::size_t offset = 0; offset < got; offset += s_base64LineInput) {
      std::size_t piece = std::min(s_base64LineInput, got - offset);
      int length = EVP_EncodeBlock(encoded.data(),
                                   reinterpret_cast<const unsigned char*>(input.data() + offset),
                                   static_cast<int>(piece));
      lines.append(reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(length));
      lines += '\n';
    }
    out.write(lines);
  }
  if (gzipped.bad()) {
    throw Error("report message: cannot read the report file");
  }
  out.write("\n--" + boundary + "--\n");
}
} // namespace dmarc
