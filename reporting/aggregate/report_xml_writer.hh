// report_xml_writer.hh: streams one aggregate report as XML through
// libxml2's xmlTextWriter into a ByteSink, record by record, so that memory
// stays flat however many records a report has.
//
// Trusts nothing it is given: every string goes through xmlTextWriter (which
// escapes markup) after being made valid XML 1.0 text (invalid UTF-8 and
// control characters replaced) and capped in length. A hostile header_from,
// selector or comment cannot end an element early or overflow anything
// (the report XML overflow of CVE-2020-12460 in a peer). Must not be used
// after an exception: a half-written document is abandoned, never sent.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "reporting/aggregate/report_model.hh"
#include "reporting/transport/byte_sink.hh"

namespace dmarc
{
// The namespace of RFC 9990 aggregate reports.
constexpr const char* g_dmarcXmlNamespace = "urn:ietf:params:xml:ns:dmarc-2.0";
// Longest text written for any one element. Domain names are at most 253
// octets; comments and human_result are free text, and 1 KiB is plenty for a
// person to read while keeping a hostile row from making a report huge.
constexpr std::size_t g_maxXmlTextBytes = 1024;

class ReportXmlWriter
{
public:
  ReportXmlWriter(ByteSink& sink, ReportFormat format);
  ~ReportXmlWriter();
  ReportXmlWriter(const ReportXmlWriter&) = delete;
  ReportXmlWriter& operator=(const ReportXmlWriter&) = delete;

  // Writes everything up to the first <record>.
  void begin(const ReportMetadata& metadata, const ReportPolicy& policy);
  // Writes one <record>; the row is normalised for the format first.
  void addRecord(ReportRow row);
  // Closes the document and flushes into the sink (not sink.finish()).
  void finish();

  std::uint64_t records() const { return d_records; }
  std::uint64_t messages() const { return d_messages; }

private:
  struct Impl;
  std::unique_ptr<Impl> d_impl;
  ReportFormat d_format;
  AlignmentMode d_adkim = AlignmentMode::Relaxed;
  std::uint64_t d_records = 0;
  std::uint64_t d_messages = 0;
};

// Makes text safe to hand to an XML writer: valid UTF-8, only XML 1.0
// characters (TAB, LF, CR and >= 0x20; no U+FFFE/U+FFFF), at most maxBytes
// (cut on a character boundary). Anything else becomes U+FFFD.
std::string xmlSafeText(std::string_view text, std::size_t maxBytes = g_maxXmlTextBytes);
} // namespace dmarc
