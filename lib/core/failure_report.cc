// failure_report.cc: the AFRF message of one failure report (RFC 9991
// "Format"; RFC 6591 §3; RFC 5965 §2-3). Lines end in LF; the transports
// convert.
#include "lib/core/failure_report.hh"

#include <algorithm>

#include "lib/core/auth_results.hh"
#include "lib/core/error.hh"
#include "lib/core/mail_date.hh"
#include "lib/core/quoted_printable.hh"

namespace dmarc
{
namespace
{
// Why: RFC 5322 §2.1.1 allows 998 octets a line; no field we write needs
// more than a few hundred, so a longer value is an attack and is cut.
constexpr std::size_t s_maxFieldValue = 2000;
// A folded line is cut here, under the 998 octets of RFC 5322 §2.1.1.
constexpr std::size_t s_maxLine = 990;
constexpr std::size_t s_foldWidth = 78;

// One header field, its value made safe: every control (CR and LF
// included) and 8-bit byte becomes a space or '?', then folded at spaces.
void field(std::string& out, std::string_view name, std::string_view value)
{
  std::string clean;
  clean.reserve(std::min(value.size(), s_maxFieldValue));
  for (char c : value.substr(0, s_maxFieldValue)) {
    auto byte = static_cast<unsigned char>(c);
    clean += byte < 32 || byte == 127 ? ' ' : (byte > 127 ? '?' : c);
  }
  std::string line = std::string(name) + ":";
  std::size_t pos = 0;
  while (pos < clean.size()) {
    std::size_t space = clean.find(' ', pos + 1);
    std::string_view word =
        std::string_view(clean).substr(pos, space == std::string::npos ? clean.npos : space - pos);
    if (pos == 0 && word.front() != ' ') {
      line += ' ';
    }
    pos += word.size();
    if (line.size() + word.size() > s_foldWidth && line.size() > name.size() + 2 &&
        word.front() == ' ') {
      out += line + "\n";
      line.clear();
    }
    // A word too long for any line (only an attack writes one) is cut.
    line += word.substr(0, s_maxLine - std::min(s_maxLine, line.size()));
  }
  out += line + "\n";
}

// An already folded field (the Authentication-Results the builder made,
// whose values came from the message): its folding kept, any other control
// or 8-bit byte made '?', each line cut at the RFC 5322 limit.
std::string safeFolded(std::string_view field)
{
  std::string out;
  std::size_t column = 0;
  for (std::size_t i = 0; i < field.size(); ++i) {
    const char c = field[i];
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n' && i + 1 < field.size() && field[i + 1] == '\t') {
      out += c;
      column = 0;
      continue;
    }
    if (column++ >= s_maxLine) {
      continue;
    }
    out += (byte < 32 && c != '\t') || byte > 126 ? '?' : c;
  }
  return out;
}

std::string angle(std::string_view address)
{
  return "<" + std::string(address) + ">";
}

// The signature the DKIM-Domain/-Selector fields describe: the first that
// failed verification, else the first.
const DkimSignatureOutcome* reportedSignature(const Verdict& verdict)
{
  for (const auto& signature : verdict.dkim) {
    if (signature.result != DkimResult::Pass) {
      return &signature;
    }
  }
  return verdict.dkim.empty() ? nullptr : &verdict.dkim.front();
}

struct Redacted
{
  std::string mailFrom;
  std::vector<std::string> rcptTo;
  std::string headers;
  std::string authResults;
};

Redacted redact(const FailureReportInfo& info, const MessageRecord& record,
                const LocalPartRedactor* redactor)
{
  const FailureSample& sample = *record.failure;
  AuthResultsFormat format;
  format.newline = "\n";
  Redacted out{sample.mailFrom, sample.rcptTo, sample.headers,
               composeAuthResults(info.authservId, record.verdict, format)};
  if (redactor == nullptr) {
    return out;
  }
  std::vector<std::string> known;
  if (!sample.mailFrom.empty()) {
    known.emplace_back(localPartOf(sample.mailFrom));
  }
  for (auto& rcpt : out.rcptTo) {
    known.emplace_back(localPartOf(rcpt));
    rcpt = redactor->address(rcpt);
  }
  out.mailFrom = redactor->address(sample.mailFrom);
  out.headers = redactor->text(sample.headers, known);
  out.authResults = redactor->text(out.authResults, known);
  return out;
}

std::string feedbackPart(const FailureReportInfo& info, const MessageRecord& record,
                         const Redacted& redacted)
{
  const Verdict& verdict = record.verdict;
  std::string out = "Content-Type: message/feedback-report\n\n";
  field(out, "Feedback-Type", "auth-failure");
  field(out, "User-Agent", info.userAgent);
  field(out, "Version", "1");
  field(out, "Auth-Failure", "dmarc");
  field(out, "Identity-Alignment", identityAlignment(verdict));
  field(out, "Delivery-Result", toString(deliveryResultOf(verdict.applied)));
  field(out, "Reported-Domain", verdict.fromDomain);
  if (!record.clientIp.empty()) {
    field(out, "Source-IP", record.clientIp);
  }
  field(out, "Arrival-Date", rfc5322Date(std::chrono::system_clock::to_time_t(record.receivedAt)));
  field(out, "Reporting-MTA", "dns; " + info.reportingMta);
  field(out, "Original-Mail-From", angle(redacted.mailFrom));
  if (info.includeRecipients) {
    for (const auto& rcpt : redacted.rcptTo) {
      field(out, "Original-Rcpt-To", angle(rcpt));
    }
  }
  // Folded with LF + TAB by the A-R builder, its values from the message.
  out += safeFolded(redacted.authResults) + "\n";
  if (const auto* signature = reportedSignature(verdict)) {
    field(out, "DKIM-Domain", signature->domain);
    field(out, "DKIM-Selector", signature->selector);
  }
  return out;
}

std::string textPart(const MessageRecord& record)
{
  const Verdict& verdict = record.verdict;
  std::string out = "Content-Type: text/plain; charset=us-ascii\n"
                    "Content-Transfer-Encoding: 7bit\n\n";
  std::string text =
      "This is a DMARC failure report (RFC 9991) for a message with the "
      "author domain " +
      verdict.fromDomain + ", received from " +
      (record.clientIp.empty() ? std::string("an unknown address") : record.clientIp) +
      ". DMARC result: " + std::string(toString(verdict.result)) +
      "; disposition: " + std::string(toString(verdict.applied)) +
      ". The message's header section is attached; its body is not. "
      "Local parts of addresses may be replaced by keyed hashes." +
      (record.failure->headersTruncated
           ? std::string(" The header section was longer than this receiver "
                         "keeps; its last fields are left out.")
           : std::string());
  for (char& c : text) {
    auto byte = static_cast<unsigned char>(c);
    c = byte < 32 || byte > 126 ? '?' : c;
  }
  return out + text + "\n";
}

std::string headersPart(const Redacted& redacted)
{
  std::string out = "Content-Type: text/rfc822-headers\n";
  if (isSevenBitText(redacted.headers)) {
    out += "Content-Transfer-Encoding: 7bit\n\n";
    for (char c : redacted.headers) {
      if (c != '\r') {
        out += c;
      }
    }
    if (!out.ends_with("\n")) {
      out += '\n';
    }
    return out;
  }
  out += "Content-Transfer-Encoding: quoted-printable\n\n";
  return out + encodeQuotedPrintable(redacted.headers);
}

std::string chooseBoundary(std::string boundary, const std::vector<std::string>& parts)
{
  for (unsigned n = 0;; ++n) {
    bool clash = std::any_of(parts.begin(), parts.end(), [&](const std::string& part) {
      return part.find("--" + boundary) != std::string::npos;
    });
    if (!clash) {
      return boundary;
    }
    boundary += "_" + std::to_string(n);
  }
}
} // namespace

std::string_view toString(DeliveryResult value)
{
  switch (value) {
  case DeliveryResult::Delivered:
    return "delivered";
  case DeliveryResult::Spam:
    return "spam";
  case DeliveryResult::Policy:
    return "policy";
  case DeliveryResult::Reject:
    return "reject";
  case DeliveryResult::Other:
    return "other";
  }
  return "other";
}

DeliveryResult deliveryResultOf(Disposition applied)
{
  switch (applied) {
  case Disposition::None:
  case Disposition::Pass:
    return DeliveryResult::Delivered;
  case Disposition::Quarantine:
    return DeliveryResult::Spam;
  case Disposition::Reject:
    return DeliveryResult::Reject;
  case Disposition::Tempfail:
    return DeliveryResult::Other;
  }
  return DeliveryResult::Other;
}

std::string identityAlignment(const Verdict& verdict)
{
  if (verdict.dkimAligned && verdict.spfAligned) {
    return "dkim, spf";
  }
  if (verdict.dkimAligned) {
    return "dkim";
  }
  return verdict.spfAligned ? "spf" : "none";
}

bool isPlainMailAddress(std::string_view address)
{
  auto at = address.rfind('@');
  if (address.size() > 254 || at == std::string_view::npos || at == 0 || at + 1 == address.size()) {
    return false;
  }
  std::string_view local = address.substr(0, at);
  std::string_view domain = address.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != local.npos) {
    return false;
  }
  for (char c : local) {
    auto byte = static_cast<unsigned char>(c);
    if (byte <= 32 || byte >= 127 || std::string_view("()<>[]:;@\\,\"").find(c) != local.npos) {
      return false;
    }
  }
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != domain.npos) {
    return false;
  }
  return std::all_of(domain.begin(), domain.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

std::string composeFailureReport(const FailureReportInfo& info, const MessageRecord& record,
                                 const LocalPartRedactor* redactor)
{
  if (!isPlainMailAddress(info.from) || info.to.empty() ||
      !std::all_of(info.to.begin(), info.to.end(), isPlainMailAddress)) {
    throw Error("failure report: unsafe or missing From/To address");
  }
  if (!record.failure) {
    throw Error("failure report: the record has no failure sample");
  }
  const Redacted redacted = redact(info, record, redactor);
  const std::vector<std::string> parts{textPart(record), feedbackPart(info, record, redacted),
                                       headersPart(redacted)};
  const std::string boundary = chooseBoundary(info.boundary, parts);
  std::string out;
  field(out, "From", info.from);
  std::string to;
  for (const auto& address : info.to) {
    to += (to.empty() ? "" : ", ") + address;
  }
  field(out, "To", to);
  field(out, "Date", rfc5322Date(info.date));
  field(out, "Subject",
        "DMARC failure report for " + record.verdict.fromDomain + " from " +
            (record.clientIp.empty() ? "unknown" : record.clientIp));
  field(out, "Message-ID", angle(info.messageId));
  field(out, "Auto-Submitted", "auto-generated");
  field(out, "MIME-Version", "1.0");
  field(out, "Content-Type",
        "multipart/report; report-type=feedback-report; boundary=\"" + boundary + "\"");
  out += "\nThis is a multi-part message in MIME format.\n";
  for (const auto& part : parts) {
    out += "\n--" + boundary + "\n" + part;
  }
  out += "\n--" + boundary + "--\n";
  return out;
}
} // namespace dmarc
