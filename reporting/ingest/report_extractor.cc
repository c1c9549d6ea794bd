// report_extractor.cc: which MIME parts are reports, and turning each into
// a parsed report; see report_extractor.hh.
#include "reporting/ingest/report_extractor.hh"

#include <array>
#include <cctype>
#include <memory>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
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
  return endsWithIgnoreCase(name, ".xml") || endsWithIgnoreCase(name, ".gz") ||
         endsWithIgnoreCase(name, ".zip") || endsWithIgnoreCase(name, ".json") ||
         endsWithIgnoreCase(name, ".xml.gz") || endsWithIgnoreCase(name, ".json.gz");
}

// The address of a From or the id of a Message-ID field: what is between
// the last '<' and '>', else the trimmed text.
std::string angleContent(std::string_view value)
{
  auto open = value.rfind('<');
  auto close = value.rfind('>');
  if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
    return std::string(value.substr(open + 1, close - open - 1));
  }
  return std::string(trimSpace(value));
}

// A message/feedback-report part (RFC 5965 §3) as a failure report whose
// reporter and identity come from the mail that carries it.
ExtractedReport failureReport(const MimeHeaders& headers, const MimeLeaf& leaf,
                              std::string_view source, std::size_t index)
{
  ExtractedReport report;
  report.kind = ExtractedKind::Failure;
  report.source = std::string(source) + "/part" + std::to_string(index);
  auto parsed = parseFeedbackReport(leaf.body, report.error);
  if (!parsed) {
    return report;
  }
  report.failure = std::move(*parsed);
  report.failure.reporter = printableAscii(angleContent(headers.get("From")), 255);
  report.failure.reportMessageId = printableAscii(angleContent(headers.get("Message-ID")), 255);
  report.ok = true;
  return report;
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

// The first character that is not white space (after a UTF-8 byte order
// mark), read from the start of the stream; '\0' when there is none.
char firstSignificant(ByteReader& reader)
{
  std::array<char, 4096> buffer{};
  std::string head; // enough to see a byte order mark whole
  while (head.size() < 4) {
    const std::size_t got = reader.read(buffer.data(), buffer.size());
    if (got == 0) {
      break;
    }
    head.append(buffer.data(), got);
  }
  if (const char first = firstSignificant(head); first != '\0') {
    return first;
  }
  while (const std::size_t got = reader.read(buffer.data(), buffer.size())) {
    for (const char c : std::string_view(buffer.data(), got)) {
      if (std::isspace(static_cast<unsigned char>(c)) == 0) {
        return c;
      }
    }
  }
  return '\0';
}

// `raw` opens the payload as it was attached (or as the file holds it).
ExtractedReport parsePayload(const ByteReaderOpener& raw, std::string source,
                             const ExtractLimits& limits)
{
  ExtractedReport report;
  report.source = std::move(source);
  const DecompressLimits decompressLimits = limits.decompress;
  const ByteReaderOpener plain = [raw, decompressLimits] {
    return openDecompressed(raw(), decompressLimits);
  };
  char first = '\0';
  try {
    first = firstSignificant(*plain());
  } catch (const ByteReadError& error) {
    report.error = error.what();
    return report;
  }
  if (first == '{' || first == '[') {
    report.kind = ExtractedKind::TlsRpt;
    try {
      const auto reader = plain();
      const std::string json = readAll(*reader, limits.tlsrpt.maxBytes, "report");
      TlsRptParseResult parsed = parseTlsRptReport(json, limits.tlsrpt);
      report.ok = parsed.ok;
      report.error = std::move(parsed.error);
      report.tlsrpt = std::move(parsed.report);
    } catch (const ByteReadError& error) {
      report.error = error.what();
    }
    return report;
  }
  if (first == '<' || first == '\0') {
    report.kind = ExtractedKind::Dmarc;
    // Judged whole here, records only counted; they are read again, one
    // by one, when the report is stored (replayRecords).
    DmarcParseResult parsed = parseDmarcAggregateReport(plain, limits.dmarc);
    report.ok = parsed.ok;
    report.error = parsed.error;
    report.dmarc = parsed.report;
    if (parsed.ok) {
      const DmarcParseLimits dmarcLimits = limits.dmarc;
      report.replayRecords = [plain, checked = std::move(parsed),
                              dmarcLimits](const DmarcRecordSink& sink) {
        return replayDmarcRecords(plain, checked, dmarcLimits, sink);
      };
    }
    return report;
  }
  // Neither: unless the payload itself is broken further on.
  try {
    const auto reader = plain();
    std::array<char, 65536> buffer{};
    while (reader->read(buffer.data(), buffer.size()) > 0) {
    }
  } catch (const ByteReadError& error) {
    report.error = error.what();
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
  case ExtractedKind::Failure:
    return "failure";
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
  MimeWalkResult walk = walkMime(message, limits.mime);
  if (!walk.ok) {
    input.error = "MIME: " + walk.error;
    return input;
  }
  input.headerDomain = walk.headers.get("TLS-Report-Domain");
  input.headerSubmitter = walk.headers.get("TLS-Report-Submitter");
  std::size_t index = 0;
  for (auto& leaf : walk.leaves) {
    ++index;
    if (leaf.mediaType == "message/feedback-report") {
      input.reports.push_back(failureReport(walk.headers, leaf, source, index));
      continue;
    }
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
    auto body = std::make_shared<const std::string>(std::move(leaf.body));
    input.reports.push_back(parsePayload(
        [body] { return std::make_unique<SharedMemoryReader>(body); }, std::move(name), limits));
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
  if (isReportMessage(bytes, name)) {
    return extractFromMessage(bytes, name, limits);
  }
  ExtractedInput input;
  input.ok = true;
  auto copy = std::make_shared<const std::string>(bytes);
  input.reports.push_back(parsePayload(
      [copy] { return std::make_unique<SharedMemoryReader>(copy); }, std::string(name), limits));
  return input;
}

bool isReportMessage(std::string_view head, std::string_view name)
{
  return endsWithIgnoreCase(name, ".eml") || looksLikeMessage(head);
}

ExtractedInput extractFromPayloadFile(const std::string& path, const ExtractLimits& limits)
{
  ExtractedInput input;
  input.ok = true;
  input.reports.push_back(
      parsePayload([path] { return std::make_unique<FileReader>(path); }, path, limits));
  return input;
}
} // namespace dmarc
