// report_extractor.cc: which MIME parts are reports, and turning each into
// a parsed report; see report_extractor.hh.
#include "reporting/report_extractor.hh"

#include <cctype>

namespace dmarc
{
namespace
{
bool endsWith(std::string_view text, std::string_view suffix)
{
  if (text.size() < suffix.size()) {
    return false;
  }
  for (std::size_t i = 0; i < suffix.size(); ++i) {
    const auto got = static_cast<char>(
        std::tolower(static_cast<unsigned char>(text[text.size() - suffix.size() + i])));
    if (got != suffix[i]) {
      return false;
    }
  }
  return true;
}

// A part is a report candidate by media type or file name; receivers use
// application/gzip, application/zip, application/x-zip-compressed, text/xml,
// application/xml, application/octet-stream and application/tlsrpt+*.
bool isReportCandidate(const MimeLeaf& leaf)
{
  const std::string& type = leaf.mediaType;
  if (type == "application/tlsrpt+gzip" || type == "application/tlsrpt+json" ||
      type == "application/gzip" || type == "application/x-gzip" || type == "application/zip" ||
      type == "application/x-zip-compressed" || type == "application/x-zip" || type == "text/xml" ||
      type == "application/xml" || type == "application/json") {
    return true;
  }
  const std::string& name = leaf.filename;
  return endsWith(name, ".xml") || endsWith(name, ".gz") || endsWith(name, ".zip") ||
         endsWith(name, ".json") || endsWith(name, ".xml.gz") || endsWith(name, ".json.gz");
}

char firstSignificant(std::string_view data)
{
  // Skip a UTF-8 byte order mark and white space.
  if (data.substr(0, 3) == "\xEF\xBB\xBF") {
    data.remove_prefix(3);
  }
  for (const char c : data) {
    if (std::isspace(static_cast<unsigned char>(c)) == 0) {
      return c;
    }
  }
  return '\0';
}

ExtractedReport parsePayload(std::string_view payload, std::string source,
                             const ExtractLimits& limits)
{
  ExtractedReport report;
  report.source = std::move(source);
  const DecompressResult plain = decompressReport(payload, limits.decompress);
  if (!plain.ok) {
    report.error = plain.error;
    return report;
  }
  const char first = firstSignificant(plain.data);
  if (first == '{' || first == '[') {
    report.kind = ExtractedKind::TlsRpt;
    TlsRptParseResult parsed = parseTlsRptReport(plain.data, limits.tlsrpt);
    report.ok = parsed.ok;
    report.error = std::move(parsed.error);
    report.tlsrpt = std::move(parsed.report);
    return report;
  }
  if (first == '<' || first == '\0') {
    report.kind = ExtractedKind::Dmarc;
    DmarcParseResult parsed = parseDmarcAggregateReport(plain.data, limits.dmarc);
    report.ok = parsed.ok;
    report.error = std::move(parsed.error);
    report.dmarc = std::move(parsed.report);
    return report;
  }
  report.error = "neither XML nor JSON";
  return report;
}

bool looksLikeMessage(std::string_view bytes)
{
  // A header field name at the very start, followed by ':' (RFC 5322 §2.2),
  // is mail; XML, JSON, gzip and zip never start that way.
  std::size_t i = 0;
  while (i < bytes.size() && i < 80 && bytes[i] != ':') {
    // Real field names are letters, digits and '-' (RFC 5322 allows more,
    // but a '{' or '"' here means JSON, not mail).
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (std::isalnum(c) == 0 && c != '-') {
      return false;
    }
    ++i;
  }
  return i > 0 && i < bytes.size() && bytes[i] == ':';
}
} // namespace

std::string_view toString(ExtractedKind kind)
{
  switch (kind) {
  case ExtractedKind::Dmarc:
    return "dmarc";
  case ExtractedKind::TlsRpt:
    return "tlsrpt";
  case ExtractedKind::Unknown:
    break;
  }
  return "unknown";
}

ExtractedInput extractFromMessage(std::string_view message, std::string_view source,
                                  const ExtractLimits& limits)
{
  ExtractedInput input;
  input.fromMessage = true;
  const MimeWalkResult walk = walkMime(message, limits.mime);
  if (!walk.ok) {
    input.error = "MIME: " + walk.error;
    return input;
  }
  input.headerDomain = walk.headers.get("TLS-Report-Domain");
  input.headerSubmitter = walk.headers.get("TLS-Report-Submitter");
  std::size_t index = 0;
  for (const auto& leaf : walk.leaves) {
    ++index;
    if (!isReportCandidate(leaf)) {
      continue;
    }
    if (input.reports.size() >= limits.maxReportsPerMessage) {
      input.error =
          "more than " + std::to_string(limits.maxReportsPerMessage) + " report attachments";
      input.reports.clear();
      return input;
    }
    std::string name(source);
    name += "/";
    name += leaf.filename.empty() ? "part" + std::to_string(index) : leaf.filename;
    input.reports.push_back(parsePayload(leaf.body, std::move(name), limits));
  }
  if (input.reports.empty()) {
    input.error = "no report attachment in the message";
    return input;
  }
  input.ok = true;
  return input;
}

ExtractedInput extractFromFile(std::string_view bytes, std::string_view name,
                               const ExtractLimits& limits)
{
  if (endsWith(name, ".eml") || looksLikeMessage(bytes)) {
    return extractFromMessage(bytes, name, limits);
  }
  ExtractedInput input;
  input.ok = true;
  input.reports.push_back(parsePayload(bytes, std::string(name), limits));
  return input;
}
} // namespace dmarc
