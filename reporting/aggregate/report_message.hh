// report_message.hh: composes the mail that carries one aggregate report:
// RFC 5322 headers, a short text/plain part for people, and the report as
// an application/gzip attachment (RFC 9990 "Report Delivery" -> "Email").
//
// Trusts only the values it checks: every address must pass
// isSafeMailAddress and every name isPlainDomainName, so nothing from DNS or
// the database can add a header. Lines end in LF; the transport converts
// (sendmail takes LF, the SMTP client writes CRLF and dot-stuffs).
#pragma once

#include <cstdint>
#include <ctime>
#include <istream>
#include <string>
#include <vector>

#include "lib/core/mail_date.hh"
#include "reporting/transport/byte_sink.hh"

namespace dmarc
{
struct ReportMessageInfo
{
  std::string from;            // the reporting address (From:)
  std::vector<std::string> to; // rua addresses of this delivery
  std::string receiver;        // our reporting domain (Submitter)
  std::string policyDomain;
  std::string reportId;
  std::int64_t begin = 0;
  std::int64_t end = 0;
  std::string filename; // the attachment's filename
  std::time_t date = 0; // Date:
  std::uint64_t records = 0;
  std::uint64_t messages = 0;
};

// Writes the whole message; the attachment bytes are read from `gzipped`
// and base64-encoded as they stream. Throws dmarc::Error on unsafe values.
void writeReportMessage(ByteSink& out, const ReportMessageInfo& info, std::istream& gzipped);

// RFC 7489 §7.2.2: when a report exceeds a destination's "!size" limit, a
// short text message says so instead (same Subject, no attachment).
void writeSizeErrorMessage(ByteSink& out, const ReportMessageInfo& info, std::uint64_t reportBytes,
                           std::uint64_t limitBytes);
} // namespace dmarc
