// failure_report.hh: composes one DMARC failure report (RFC 9991) as an
// Abuse Reporting Format message: multipart/report;
// report-type=feedback-report (RFC 5965 §2) with a text/plain part for
// people, a message/feedback-report part of Feedback-Type auth-failure and
// Auth-Failure dmarc (RFC 6591 §3) and the original header section as
// text/rfc822-headers (never the body).
//
// Pure. Trusts nothing in the MessageRecord: the envelope, the header
// section, DKIM domains and selectors came from the SMTP client. Every
// value written into a header field is stripped of line breaks and
// controls and folded, the header section travels 7bit only when it is
// plain printable ASCII (else quoted-printable), and the MIME boundary is
// chosen so that it occurs in no part. Only the From and To addresses are
// trusted to be safe addr-specs; compose() refuses anything else there.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "lib/core/local_part_redaction.hh"
#include "lib/core/message_record.hh"

namespace dmarc
{
// RFC 6591 §3.1 Delivery-Result values.
enum class DeliveryResult
{
  Delivered,
  Spam,
  Policy,
  Reject,
  Other,
};

std::string_view toString(DeliveryResult value);
// What the milter did with the message, as the report says it.
DeliveryResult deliveryResultOf(Disposition applied);
// "none", or the aligned mechanisms: "dkim", "spf", "dkim, spf"
// (the Identity-Alignment field of RFC 9991).
std::string identityAlignment(const Verdict& verdict);

struct FailureReportInfo
{
  std::string from;               // our reporting address (From:, the envelope sender)
  std::vector<std::string> to;    // the destinations of this report (safe addr-specs)
  std::string reportingMta;       // our host name (Reporting-MTA: dns; ...)
  std::string authservId;         // authserv-id of the report's Authentication-Results
  std::string userAgent;          // e.g. "dmarc-reports/1.2"
  std::string messageId;          // the report's Message-ID without <>, unique
  std::string boundary;           // a random token; lengthened when a part contains it
  std::time_t date = 0;           // Date:
  bool includeRecipients = false; // Original-Rcpt-To fields (RFC 9991 privacy)
};

// The whole message with LF line ends. `redactor` (may be nullptr: no
// redaction) replaces the local parts of the envelope, the header section
// and every field that names an address. Throws dmarc::Error when From or a
// To address is not a plain address or the record has no failure sample.
std::string composeFailureReport(const FailureReportInfo& info, const MessageRecord& record,
                                 const LocalPartRedactor* redactor);

// True when the address may go into From:/To: as it is: dot-atom local
// part and a plain domain name, at most 254 octets.
bool isPlainMailAddress(std::string_view address);
} // namespace dmarc
