// report_extractor.hh: from one input of `dmarc-reports ingest` (a report
// e-mail, or a report file as written by receivers: .xml, .xml.gz, .zip,
// .json, .json.gz) to the parsed reports it carries, each either parsed or
// rejected with its reason.
//
// Trusts nothing; bounds come from the MIME walk, decompression and the two
// parsers. Reads only the files it is given; the caller stores the results.
// An aggregate report is not kept in memory: it is judged here with its
// records only counted, and ExtractedReport::replayRecords reads them again
// (decompressing again) for the store.
// The body of a report decides its kind (RFC 8460 §5.6: the body wins over
// the file name and Subject): JSON is TLS-RPT, XML is a DMARC report. A
// mail's message/feedback-report part is a failure report (RFC 9991).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "reporting/ingest/decompress.hh"
#include "reporting/ingest/dmarc_report_parser.hh"
#include "reporting/ingest/feedback_report_parser.hh"
#include "reporting/ingest/mime_walk.hh"
#include "reporting/ingest/tlsrpt_parser.hh"

namespace dmarc
{
enum class ExtractedKind
{
  Dmarc,
  TlsRpt,
  Failure, // a DMARC failure report (RFC 9991): a message/feedback-report part
  Unknown, // an attachment that looked like a report but is neither
};

struct ExtractedReport
{
  ExtractedKind kind = ExtractedKind::Unknown;
  std::string source; // file name, or "<message>/<attachment name>"
  bool ok = false;
  std::string error;             // why it is rejected, when !ok
  IngestedAggregateReport dmarc; // without records: see replayRecords
  TlsRptReport tlsrpt;
  ReceivedFailureReport failure; // its reporter and Message-ID from the mail's header
  // For an accepted DMARC report: gives its records to the sink, in order;
  // false if they could not be read again as they were the first time.
  std::function<bool(const DmarcRecordSink&)> replayRecords;
};

struct ExtractedInput
{
  bool ok = false; // false: the input itself is unusable (error says why)
  std::string error;
  std::string headerDomain;    // TLS-Report-Domain (RFC 8460 §5.3)
  std::string headerSubmitter; // TLS-Report-Submitter
  // The input was a mail (RFC 8460 §5.3: its TLS-RPT reports must then be
  // DKIM-signed by the reporting domain), not a bare report file.
  bool fromMessage = false;
  std::vector<ExtractedReport> reports;
};

struct ExtractLimits
{
  MimeLimits mime;
  DecompressLimits decompress;
  DmarcParseLimits dmarc;
  TlsRptParseLimits tlsrpt;
  // Report attachments per message: a receiver sends one; a few more are
  // tolerated, not hundreds.
  std::size_t maxReportsPerMessage = 16;
};

// One report e-mail (RFC 5322 message with MIME attachments).
ExtractedInput extractFromMessage(std::string_view message, std::string_view source,
                                  const ExtractLimits& limits = {});

// One file: a report e-mail (detected by its header) or a report payload.
ExtractedInput extractFromFile(std::string_view bytes, std::string_view name,
                               const ExtractLimits& limits = {});

// Whether a file whose first bytes are `head` is a mail (a header field
// first, or a name ending in .eml) rather than a report payload.
bool isReportMessage(std::string_view head, std::string_view name);

// A report payload file (not a mail), read from disk as it is parsed.
ExtractedInput extractFromPayloadFile(const std::string& path, const ExtractLimits& limits = {});

std::string_view toString(ExtractedKind kind);
} // namespace dmarc
