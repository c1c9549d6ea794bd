// report_xml_writer.cc: RFC 9990 / RFC 7489 aggregate report XML through
// libxml2's xmlTextWriter. Element order follows the schemas in
// shared/data/dmarc-schemas (sequence where they say sequence).
#include "reporting/aggregate/report_xml_writer.hh"

#include <exception>

#include <libxml/xmlwriter.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using TextWriterPtr = CHandle<xmlTextWriter, &xmlFreeTextWriter>;

void appendReplacement(std::string& out)
{
  out += "\xEF\xBF\xBD"; // U+FFFD
}
} // namespace

std::string xmlSafeText(std::string_view text, std::size_t maxBytes)
{
  std::string out;
  out.reserve(std::min(text.size(), maxBytes));
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t cp = 0;
    if (byte < 0x80) {
      length = 1;
      cp = byte;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      cp = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      cp = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      cp = byte & 0x07;
    }
    bool valid = length != 0 && i + length <= text.size();
    for (std::size_t k = 1; valid && k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      valid = (next & 0xC0) == 0x80;
      cp = (cp << 6) | (next & 0x3F);
    }
    // Overlong forms, surrogates, and code points XML 1.0 forbids.
    static constexpr char32_t s_minForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    valid = valid && cp >= s_minForLength[length] && cp <= 0x10FFFF &&
            !(cp >= 0xD800 && cp <= 0xDFFF) && cp != 0xFFFE && cp != 0xFFFF &&
            (cp >= 0x20 || cp == 0x09 || cp == 0x0A || cp == 0x0D);
    std::size_t need = valid ? length : 3;
    if (out.size() + need > maxBytes) {
      break;
    }
    if (valid) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      appendReplacement(out);
      i += 1;
    }
  }
  return out;
}

// Owns the libxml2 output buffer and writer. The output callback runs inside
// libxml2 (a C library): it must not throw, so it stores the first error and
// returns -1, and the C++ side rethrows after the libxml2 call returns.
struct ReportXmlWriter::Impl
{
  ByteSink& sink;
  std::exception_ptr error;
  TextWriterPtr writer;

  explicit Impl(ByteSink& target) : sink(target) {}

  static int onWrite(void* context, const char* buffer, int length) noexcept
  {
    auto* self = static_cast<Impl*>(context);
    if (self->error) {
      return -1;
    }
    if (length <= 0) {
      return 0;
    }
    try {
      self->sink.write(std::string_view(buffer, static_cast<std::size_t>(length)));
      return length;
    } catch (...) {
      self->error = std::current_exception();
      return -1;
    }
  }
  static int onClose(void*) noexcept { return 0; }

  void check(int rc, const char* what)
  {
    if (error) {
      std::rethrow_exception(error);
    }
    if (rc < 0) {
      throw Error(std::string("report XML: ") + what + " failed");
    }
  }

  auto x(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

  void start(const char* name) { check(xmlTextWriterStartElement(writer.get(), x(name)), name); }
  void end() { check(xmlTextWriterEndElement(writer.get()), "end element"); }
  void text(const char* name, std::string_view value)
  {
    std::string safe = xmlSafeText(value);
    check(xmlTextWriterWriteElement(writer.get(), x(name), x(safe.c_str())), name);
  }
  void number(const char* name, std::int64_t value) { text(name, std::to_string(value)); }
};

ReportXmlWriter::ReportXmlWriter(ByteSink& sink, ReportFormat format)
    : d_impl(std::make_unique<Impl>(sink)), d_format(format)
{
  xmlOutputBufferPtr out =
      xmlOutputBufferCreateIO(&Impl::onWrite, &Impl::onClose, d_impl.get(), nullptr);
  if (out == nullptr) {
    throw Error("report XML: cannot create the output buffer");
  }
  // The writer owns the output buffer from here on, and frees it.
  d_impl->writer.reset(xmlNewTextWriter(out));
  if (!d_impl->writer) {
    xmlOutputBufferClose(out);
    throw Error("report XML: cannot create the text writer");
  }
  xmlTextWriterSetIndent(d_impl->writer.get(), 1);
  xmlTextWriterSetIndentString(d_impl->writer.get(), d_impl->x("  "));
}

ReportXmlWriter::~ReportXmlWriter() = default;

void ReportXmlWriter::begin(const ReportMetadata& metadata, const ReportPolicy& published)
{
  auto& w = *d_impl;
  const auto& policy = published.policy;
  const bool bis = d_format == ReportFormat::Rfc9990;
  d_adkim = policy.adkim;
  w.check(xmlTextWriterStartDocument(w.writer.get(), "1.0", "UTF-8", nullptr), "document");
  w.start("feedback");
  if (bis) {
    w.check(xmlTextWriterWriteAttribute(w.writer.get(), w.x("xmlns"), w.x(g_dmarcXmlNamespace)),
            "xmlns");
  }
  // RFC 9990: optional, and when present MUST be 1.0; RFC 7489: required.
  w.text("version", "1.0");

  w.start("report_metadata");
  w.text("org_name", metadata.orgName);
  w.text("email", metadata.email);
  if (!metadata.extraContactInfo.empty()) {
    w.text("extra_contact_info", metadata.extraContactInfo);
  }
  w.text("report_id", metadata.reportId);
  w.start("date_range");
  w.number("begin", metadata.begin);
  w.number("end", metadata.end);
  w.end();
  if (!metadata.error.empty()) {
    w.text("error", metadata.error);
  }
  if (bis && !metadata.generator.empty()) {
    w.text("generator", metadata.generator);
  }
  w.end(); // report_metadata

  w.start("policy_published");
  w.text("domain", policy.domain);
  if (bis) {
    w.text("p", toString(policy.p));
    if (policy.sp) {
      w.text("sp", toString(*policy.sp));
    }
    if (policy.np) {
      w.text("np", toString(*policy.np));
    }
    w.text("adkim", toString(policy.adkim));
    w.text("aspf", toString(policy.aspf));
    w.text("discovery_method", toString(published.discoveryMethod));
    w.text("fo", policy.fo);
    w.text("testing", policy.testing ? "y" : "n");
  } else {
    // RFC 7489 Appendix C requires sp, pct and fo; sp defaults to p (§6.3).
    w.text("adkim", toString(policy.adkim));
    w.text("aspf", toString(policy.aspf));
    w.text("p", toString(policy.p));
    w.text("sp", toString(policy.sp.value_or(policy.p)));
    w.number("pct", policy.pct);
    w.text("fo", policy.fo);
  }
  w.end(); // policy_published
}

void ReportXmlWriter::addRecord(ReportRow row)
{
  auto& w = *d_impl;
  const bool bis = d_format == ReportFormat::Rfc9990;
  normaliseRow(row, d_format, d_adkim);

  w.start("record");
  w.start("row");
  w.text("source_ip", formatSourceIp(row.sourceIp, d_format));
  w.number("count", static_cast<std::int64_t>(row.count));
  w.start("policy_evaluated");
  w.text("disposition", toString(row.disposition));
  w.text("dkim", row.dkimAligned ? "pass" : "fail");
  w.text("spf", row.spfAligned ? "pass" : "fail");
  for (const auto& reason : row.reasons) {
    w.start("reason");
    w.text("type", toString(reason.reason));
    if (!reason.comment.empty()) {
      w.text("comment", reason.comment);
    }
    w.end();
  }
  w.end(); // policy_evaluated
  w.end(); // row

  w.start("identifiers");
  if (bis) {
    w.text("header_from", row.headerFrom);
    // RFC 9990: present but empty for a null reverse-path.
    w.text("envelope_from", row.envelopeFrom);
    if (!row.envelopeTo.empty()) {
      w.text("envelope_to", row.envelopeTo);
    }
  } else {
    if (!row.envelopeTo.empty()) {
      w.text("envelope_to", row.envelopeTo);
    }
    w.text("envelope_from", row.envelopeFrom);
    w.text("header_from", row.headerFrom);
  }
  w.end(); // identifiers

  w.start("auth_results");
  for (const auto& sig : row.dkim) {
    w.start("dkim");
    w.text("domain", sig.domain);
    w.text("selector", sig.selector); // REQUIRED in RFC 9990
    w.text("result", toString(sig.result));
    if (!sig.humanResult.empty()) {
      w.text("human_result", sig.humanResult);
    }
    w.end();
  }
  if (row.spf) {
    w.start("spf");
    w.text("domain", row.spf->domain);
    w.text("scope", toString(row.spf->scope));
    w.text("result", toString(row.spf->result));
    if (bis && !row.spf->explanation.empty()) {
      w.text("human_result", row.spf->explanation);
    }
    w.end();
  } else if (!bis) {
    // RFC 7489 Appendix C requires at least one spf element.
    w.start("spf");
    w.text("domain", row.envelopeFrom.empty() ? row.headerFrom : row.envelopeFrom);
    w.text("scope", "mfrom");
    w.text("result", "none");
    w.end();
  }
  w.end(); // auth_results
  w.end(); // record
  ++d_records;
  d_messages += row.count;
}

void ReportXmlWriter::finish()
{
  auto& w = *d_impl;
  w.check(xmlTextWriterEndDocument(w.writer.get()), "end document");
  w.check(xmlTextWriterFlush(w.writer.get()), "flush");
  // Close now, while the sink still takes bytes: freeing the writer later
  // (after the caller finished the sink) would flush into a closed sink.
  w.writer.reset();
  w.check(0, "close");
}
} // namespace dmarc
