// dmarc_report_parser.cc: an aggregate report read as a stream with
// libxml2's xmlTextReader; each child of <feedback> (the metadata, the
// policy, one record) is expanded into a small tree, walked, and freed
// before the next, so memory stays flat whatever the number of records.
// See dmarc_report_parser.hh for what is trusted and what is tolerated.
#include "reporting/ingest/dmarc_report_parser.hh"

#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>
#include <initializer_list>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using XmlReaderPtr = CHandle<xmlTextReader, &xmlFreeTextReader>;

constexpr std::uint64_t s_maxCount = 1000000000000000ULL;
constexpr std::string_view s_rfc9990Namespace = "urn:ietf:params:xml:ns:dmarc-2.0";

// Thrown inside this file only, caught in parseDmarcAggregateReport: a
// reason to reject the whole report.
class Reject : public Error
{
public:
  explicit Reject(const std::string& why) : Error(why) {}
};

std::string_view nameOf(const xmlNode* node)
{
  return node->name != nullptr ? reinterpret_cast<const char*>(node->name) : "";
}

bool isElement(const xmlNode* node, std::string_view name)
{
  return node->type == XML_ELEMENT_NODE && nameOf(node) == name;
}

// The parts of a report in the order the original tree walk judged them:
// leniencies are listed, and errors take precedence, in this order whatever
// the order of the elements in the document.
enum class Part
{
  Prefix,
  Version,
  Metadata,
  Policy,
  Records,
  Shape,
  Count,
};

class Walker
{
public:
  Walker(const DmarcParseLimits& limits, IngestedAggregateReport& report,
         const DmarcRecordSink& sink)
      : d_limits(limits), d_report(report), d_sink(sink)
  {}

  void setPart(Part part) { d_part = part; }

  // The element's own text and CDATA, trimmed. Entity references are not
  // followed (the document has no DTD, so there are none to follow).
  std::string text(const xmlNode* element, std::string_view what) const
  {
    std::string out;
    for (const xmlNode* child = element->children; child != nullptr; child = child->next) {
      if ((child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) &&
          child->content != nullptr) {
        out.append(reinterpret_cast<const char*>(child->content));
        if (out.size() > d_limits.maxFieldLength) {
          throw Reject(std::string(what) + " longer than " +
                       std::to_string(d_limits.maxFieldLength) + " bytes");
        }
      }
    }
    return std::string(trimSpace(out));
  }

  const xmlNode* child(const xmlNode* parent, std::string_view name) const
  {
    for (const xmlNode* node = parent->children; node != nullptr; node = node->next) {
      if (isElement(node, name)) {
        return node;
      }
    }
    return nullptr;
  }

  std::string childText(const xmlNode* parent, std::string_view name) const
  {
    const xmlNode* node = child(parent, name);
    return node != nullptr ? text(node, name) : std::string();
  }

  // A value from a closed set: lower-cased (receivers write "Pass"), "" if
  // absent or empty, rejected if outside the set.
  std::string enumerated(const xmlNode* parent, std::string_view name,
                         std::initializer_list<std::string_view> allowed, std::string_view where)
  {
    const std::string raw = childText(parent, name);
    return checkEnum(raw, name, allowed, where);
  }

  std::string checkEnum(const std::string& raw, std::string_view name,
                        std::initializer_list<std::string_view> allowed, std::string_view where)
  {
    std::string value = toLowerAscii(raw);
    if (value.empty()) {
      return value;
    }
    for (const auto candidate : allowed) {
      if (value == candidate) {
        if (value != raw) {
          note("upper-case values");
        }
        return value;
      }
    }
    throw Reject(std::string(where) + std::string(name) + " '" + raw +
                 "' is not one of the values RFC 7489/9990 allow");
  }

  void note(std::string what)
  {
    d_notes[static_cast<std::size_t>(d_part)].push_back(std::move(what));
  }

  // The leniencies of every part, in part order, each once.
  std::vector<std::string> leniencies() const
  {
    std::vector<std::string> out;
    for (const auto& notes : d_notes) {
      for (const auto& what : notes) {
        if (std::find(out.begin(), out.end(), what) == out.end()) {
          out.push_back(what);
        }
      }
    }
    return out;
  }

  std::int64_t epoch(const xmlNode* range, std::string_view name)
  {
    const std::string raw = childText(range, name);
    std::string_view digits = raw;
    const auto dot = digits.find('.');
    if (dot != std::string_view::npos) {
      // "1337270400.0" (NetEase): the fraction must be zeros or digits.
      const std::string_view fraction = digits.substr(dot + 1);
      for (const char c : fraction) {
        if (c < '0' || c > '9') {
          throw Reject("date_range " + std::string(name) + " '" + raw + "' is not an epoch time");
        }
      }
      digits = digits.substr(0, dot);
      note("fractional epoch times");
    }
    std::int64_t value = 0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    // 2^40 seconds is the year 36812: anything above is garbage.
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || value < 0 ||
        value > (std::int64_t{1} << 40)) {
      throw Reject("date_range " + std::string(name) + " '" + raw + "' is not an epoch time");
    }
    return value;
  }

  void metadata(const xmlNode* meta)
  {
    d_report.orgName = childText(meta, "org_name");
    d_report.email = childText(meta, "email");
    d_report.extraContactInfo = childText(meta, "extra_contact_info");
    d_report.reportId = childText(meta, "report_id");
    d_report.generator = childText(meta, "generator");
    if (d_report.reportId.empty()) {
      throw Reject("report_metadata has no report_id");
    }
    if (d_report.orgName.empty()) {
      note("empty org_name");
    }
    const xmlNode* range = child(meta, "date_range");
    if (range == nullptr) {
      throw Reject("report_metadata has no date_range");
    }
    d_report.begin = epoch(range, "begin");
    d_report.end = epoch(range, "end");
    for (const xmlNode* node = meta->children; node != nullptr; node = node->next) {
      if (isElement(node, "error")) {
        if (d_report.errors.size() >= d_limits.maxErrors) {
          throw Reject("more than " + std::to_string(d_limits.maxErrors) + " error elements");
        }
        d_report.errors.push_back(text(node, "error"));
      }
    }
  }

  void policy(const xmlNode* published)
  {
    IngestedPolicy& policy = d_report.policy;
    policy.domain = toLowerAscii(childText(published, "domain"));
    if (policy.domain.empty()) {
      throw Reject("policy_published has no domain");
    }
    const std::string_view where = "policy_published ";
    policy.adkim = enumerated(published, "adkim", {"r", "s"}, where);
    policy.aspf = enumerated(published, "aspf", {"r", "s"}, where);
    policy.p = enumerated(published, "p", {"none", "quarantine", "reject"}, where);
    policy.sp = enumerated(published, "sp", {"none", "quarantine", "reject"}, where);
    policy.np = enumerated(published, "np", {"none", "quarantine", "reject"}, where);
    policy.testing = enumerated(published, "testing", {"n", "y"}, where);
    policy.discoveryMethod = enumerated(published, "discovery_method", {"psl", "treewalk"}, where);
    policy.fo = childText(published, "fo");
    const std::string pct = childText(published, "pct");
    if (!pct.empty()) {
      int value = -1;
      const auto [ptr, ec] = std::from_chars(pct.data(), pct.data() + pct.size(), value);
      if (ec != std::errc() || ptr != pct.data() + pct.size() || value < 0 || value > 100) {
        throw Reject("policy_published pct '" + pct + "' is not 0-100");
      }
      policy.pct = value;
    }
    if (policy.p.empty()) {
      note("policy_published without p");
    }
  }

  std::string sourceIp(const xmlNode* row, std::size_t index)
  {
    const std::string raw = childText(row, "source_ip");
    std::array<unsigned char, 16> binary{};
    std::array<char, INET6_ADDRSTRLEN> canonical{};
    if (inet_pton(AF_INET, raw.c_str(), binary.data()) == 1) {
      return inet_ntop(AF_INET, binary.data(), canonical.data(), canonical.size());
    }
    if (inet_pton(AF_INET6, raw.c_str(), binary.data()) == 1) {
      return inet_ntop(AF_INET6, binary.data(), canonical.data(), canonical.size());
    }
    throw Reject("record " + std::to_string(index) + ": source_ip '" + raw +
                 "' is not an IP address");
  }

  // The receiver's evaluation of a record: disposition, aligned results
  // and the reasons for an override.
  void policyEvaluated(const xmlNode* evaluated, const std::string& where, IngestedRecord& record)
  {
    record.disposition =
        enumerated(evaluated, "disposition", {"none", "pass", "quarantine", "reject"}, where);
    record.dkim = enumerated(evaluated, "dkim", {"pass", "fail"}, where);
    record.spf = enumerated(evaluated, "spf", {"pass", "fail"}, where);
    for (const xmlNode* reason = evaluated->children; reason != nullptr; reason = reason->next) {
      if (!isElement(reason, "reason")) {
        continue;
      }
      if (record.reasons.size() >= d_limits.maxReasonsPerRecord) {
        throw Reject(where + "more than " + std::to_string(d_limits.maxReasonsPerRecord) +
                     " reasons");
      }
      // RFC 7489 and RFC 9990 types together; others are refused.
      IngestedReason value;
      value.type = enumerated(reason, "type",
                              {"forwarded", "sampled_out", "trusted_forwarder", "mailing_list",
                               "local_policy", "other", "policy_test_mode"},
                              where);
      value.comment = childText(reason, "comment");
      record.reasons.push_back(std::move(value));
    }
  }

  // The DKIM and SPF results a record's messages had, each within its bound.
  void authResults(const xmlNode* auth, const std::string& where, IngestedRecord& record)
  {
    for (const xmlNode* result = auth->children; result != nullptr; result = result->next) {
      if (isElement(result, "dkim")) {
        if (record.dkimAuth.size() >= d_limits.maxDkimPerRecord) {
          throw Reject(where + "more than " + std::to_string(d_limits.maxDkimPerRecord) +
                       " DKIM results");
        }
        IngestedDkimAuth dkim;
        dkim.domain = toLowerAscii(childText(result, "domain"));
        dkim.selector = childText(result, "selector");
        dkim.result = enumerated(
            result, "result",
            {"none", "pass", "fail", "policy", "neutral", "temperror", "permerror"}, where);
        dkim.humanResult = childText(result, "human_result");
        record.dkimAuth.push_back(std::move(dkim));
      } else if (isElement(result, "spf")) {
        if (record.spfAuth.size() >= d_limits.maxSpfPerRecord) {
          throw Reject(where + "more than " + std::to_string(d_limits.maxSpfPerRecord) +
                       " SPF results");
        }
        IngestedSpfAuth spf;
        spf.domain = toLowerAscii(childText(result, "domain"));
        spf.scope = enumerated(result, "scope", {"helo", "mfrom"}, where);
        std::string rawResult = childText(result, "result");
        if (toLowerAscii(rawResult) == "hardfail") {
          // Pre-RFC 7208 name of "fail" (RFC 4408 era), still sent.
          rawResult = "fail";
          note("SPF result hardfail read as fail");
        }
        spf.result = checkEnum(
            rawResult, "result",
            {"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror", "policy"},
            where);
        if (spf.scope.empty()) {
          note("SPF result without scope");
        }
        record.spfAuth.push_back(std::move(spf));
      }
    }
    if (record.dkimAuth.empty() && record.spfAuth.empty()) {
      note("empty auth_results");
    }
  }

  void record(const xmlNode* node, std::size_t index)
  {
    if (index > d_limits.maxRecords) {
      throw Reject("more than " + std::to_string(d_limits.maxRecords) + " records");
    }
    const std::string where = "record " + std::to_string(index) + ": ";
    IngestedRecord record;
    const xmlNode* row = child(node, "row");
    if (row == nullptr) {
      throw Reject(where + "no row");
    }
    record.sourceIp = sourceIp(row, index);
    const std::string count = childText(row, "count");
    const auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), record.count);
    // Above 10^15 messages a day is not a count but garbage (and would not
    // fit the database's bigint sums).
    if (count.empty() || ec != std::errc() || ptr != count.data() + count.size() ||
        record.count > s_maxCount) {
      throw Reject(where + "count '" + count + "' is not a number");
    }
    if (const xmlNode* evaluated = child(row, "policy_evaluated")) {
      policyEvaluated(evaluated, where, record);
    } else {
      note("record without policy_evaluated");
    }
    if (const xmlNode* identifiers = child(node, "identifiers")) {
      record.envelopeTo = toLowerAscii(childText(identifiers, "envelope_to"));
      record.envelopeFrom = toLowerAscii(childText(identifiers, "envelope_from"));
      record.headerFrom = toLowerAscii(childText(identifiers, "header_from"));
    }
    if (const xmlNode* auth = child(node, "auth_results")) {
      authResults(auth, where, record);
    } else {
      note("record without auth_results");
    }
    d_report.recordCount = index;
    d_report.messageCount += record.count;
    if (d_sink) {
      d_sink(std::move(record));
    }
  }

  void version(const xmlNode* element)
  {
    d_report.version = text(element, "version");
    if (d_report.version.empty()) {
      note("no version");
    } else if (d_report.version != "1.0") {
      note("version " + d_report.version);
    }
  }

  // After the last element: the shape, and the leniencies in order.
  void finish(bool sawVersion)
  {
    if (!sawVersion) {
      setPart(Part::Version);
      note("no version");
    }
    setPart(Part::Shape);
    const IngestedPolicy& policy = d_report.policy;
    const bool newFields = !policy.np.empty() || !policy.testing.empty() ||
                           !policy.discoveryMethod.empty() || !d_report.generator.empty();
    d_report.shape =
        d_report.namespaced || newFields ? AggregateShape::Rfc9990 : AggregateShape::Rfc7489;
    if (!d_report.namespaced && d_report.shape == AggregateShape::Rfc9990) {
      note("RFC 9990 fields without the RFC 9990 namespace");
    }
    d_report.leniencies = leniencies();
  }

private:
  const DmarcParseLimits& d_limits;
  IngestedAggregateReport& d_report;
  const DmarcRecordSink& d_sink;
  Part d_part = Part::Prefix;
  std::array<std::vector<std::string>, static_cast<std::size_t>(Part::Count)> d_notes;
};

// Reports larger than this that are not well-formed are not read again for
// the <feedback> retry below: the retry holds the document in memory.
constexpr std::size_t s_maxRetryBytes = 4U * 1024U * 1024U;

// What the bytes fed to libxml2 showed, kept across the read callbacks.
struct ByteWatch
{
  ByteReader* reader = nullptr;
  std::size_t maxBytes = 0;
  std::size_t total = 0;
  bool nonSpace = false;
  bool dtdText = false; // "<!DOCTYPE" or "<!ENTITY" seen anywhere
  std::string readError;
  std::string tail; // the end of the previous chunk: a marker may straddle two

  bool tooLarge() const { return total > maxBytes; }

  void observe(std::string_view chunk)
  {
    total += chunk.size();
    if (!nonSpace) {
      nonSpace = !trimSpace(chunk).empty();
    }
    if (!dtdText) {
      std::string window = tail;
      window.append(chunk.substr(0, 16));
      dtdText = window.find("<!DOCTYPE") != std::string::npos ||
                window.find("<!ENTITY") != std::string::npos ||
                chunk.find("<!DOCTYPE") != std::string_view::npos ||
                chunk.find("<!ENTITY") != std::string_view::npos;
    }
    const std::string_view end = chunk.size() > 8 ? chunk.substr(chunk.size() - 8) : chunk;
    tail = (tail + std::string(end));
    if (tail.size() > 8) {
      tail.erase(0, tail.size() - 8);
    }
  }

  // One chunk for libxml2; -1 stops it (a read error, a size over the
  // limit, a DTD: each decided after the stream has been read to its end).
  int feed(char* buffer, int length)
  {
    if (!readError.empty() || tooLarge() || dtdText) {
      return -1;
    }
    try {
      const std::size_t got = reader->read(buffer, static_cast<std::size_t>(length));
      observe(std::string_view(buffer, got));
      return tooLarge() || dtdText ? -1 : static_cast<int>(got);
    } catch (const ByteReadError& error) {
      readError = error.what();
      return -1;
    }
  }

  // The rest of the stream, after libxml2 stopped, for the checks that
  // look at all of it.
  void drain()
  {
    std::array<char, 65536> buffer{};
    while (readError.empty() && !tooLarge()) {
      try {
        const std::size_t got = reader->read(buffer.data(), buffer.size());
        if (got == 0) {
          return;
        }
        observe(std::string_view(buffer.data(), got));
      } catch (const ByteReadError& error) {
        readError = error.what();
      }
    }
  }
};

int feedLibxml(void* context, char* buffer, int length)
{
  return static_cast<ByteWatch*>(context)->feed(buffer, length);
}

int closeNothing(void*)
{
  return 0;
}

// One pass of libxml2's reader over a document: what it found, and the
// report as far as the walker got.
struct Pass
{
  ByteWatch bytes;
  bool wellFormed = false;
  std::string xmlError;
  bool dtd = false;
  bool sawRoot = false;
  std::string rootName;
  bool sawVersion = false;
  bool sawMetadata = false;
  bool sawPolicy = false;
  std::string metadataError;
  std::string policyError;
  std::string recordError;
};

std::string_view localName(xmlTextReader* reader)
{
  const xmlChar* name = xmlTextReaderConstLocalName(reader);
  return name != nullptr ? reinterpret_cast<const char*>(name) : "";
}

// Walks the expanded element, keeping the first Reject as `error`.
template <typename Step>
void judge(xmlTextReader* reader, std::string& error, Step&& step)
{
  const xmlNode* node = xmlTextReaderExpand(reader);
  if (node == nullptr) {
    return; // not well-formed: the next read says so
  }
  try {
    step(node);
  } catch (const Reject& reject) {
    error = reject.what();
  }
}

// libxml2's last error, as the reason a document is not well-formed.
std::string notWellFormed()
{
  const xmlError* error = xmlGetLastError();
  std::string message =
      error != nullptr && error->message != nullptr ? error->message : "not well-formed";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  std::string text = "XML not well-formed";
  if (error != nullptr) {
    text += " at line " + std::to_string(error->line);
  }
  return text + ": " + message;
}

void readDocument(ByteReader& input, const DmarcParseLimits& limits, Walker& walker,
                  IngestedAggregateReport& report, Pass& pass)
{
  pass.bytes.reader = &input;
  pass.bytes.maxBytes = limits.maxBytes;
  // NONET: no network for anything; no NOENT/DTDLOAD/DTDATTR: entities are
  // neither loaded nor substituted; no HUGE: libxml2 keeps its depth (256)
  // and text-size limits; NOERROR/NOWARNING: errors come back to us instead
  // of going to stderr.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  xmlResetLastError();
  XmlReaderPtr reader(
      xmlReaderForIO(&feedLibxml, &closeNothing, &pass.bytes, "report.xml", nullptr, options));
  if (!reader) {
    pass.xmlError = "libxml2: out of memory";
    return;
  }
  std::size_t records = 0;
  bool skip = false; // step over the subtree just walked
  for (;;) {
    const int rc = skip ? xmlTextReaderNext(reader.get()) : xmlTextReaderRead(reader.get());
    skip = false;
    if (rc == 0) {
      pass.wellFormed = true;
      break;
    }
    if (rc < 0) {
      break;
    }
    const int type = xmlTextReaderNodeType(reader.get());
    if (type == XML_READER_TYPE_DOCUMENT_TYPE) {
      pass.dtd = true;
      continue;
    }
    if (type != XML_READER_TYPE_ELEMENT) {
      continue;
    }
    const int depth = xmlTextReaderDepth(reader.get());
    if (depth == 0) {
      pass.sawRoot = true;
      pass.rootName = localName(reader.get());
      const xmlChar* uri = xmlTextReaderConstNamespaceUri(reader.get());
      report.namespaced =
          uri != nullptr && reinterpret_cast<const char*>(uri) == s_rfc9990Namespace;
      // Another root is only read for well-formedness.
      skip = pass.rootName != "feedback";
      continue;
    }
    skip = depth == 1;
    if (depth != 1) {
      continue;
    }
    const std::string_view name = localName(reader.get());
    if (name == "version" && !pass.sawVersion) {
      pass.sawVersion = true;
      walker.setPart(Part::Version);
      judge(reader.get(), pass.metadataError, [&](const xmlNode* node) { walker.version(node); });
    } else if (name == "report_metadata" && !pass.sawMetadata) {
      pass.sawMetadata = true;
      walker.setPart(Part::Metadata);
      judge(reader.get(), pass.metadataError, [&](const xmlNode* node) { walker.metadata(node); });
    } else if (name == "policy_published" && !pass.sawPolicy) {
      pass.sawPolicy = true;
      walker.setPart(Part::Policy);
      judge(reader.get(), pass.policyError, [&](const xmlNode* node) { walker.policy(node); });
    } else if (name == "record" && pass.recordError.empty()) {
      walker.setPart(Part::Records);
      ++records;
      judge(reader.get(), pass.recordError,
            [&](const xmlNode* node) { walker.record(node, records); });
    }
  }
  reader.reset();
  pass.bytes.drain();
  if (!pass.wellFormed) {
    pass.xmlError = notWellFormed();
  }
  walker.finish(pass.sawVersion);
}

// The verdict on one pass, in the order the checks have always been made:
// the bytes, well-formedness, a DTD, the root, then the parts.
std::string passError(const Pass& pass, const DmarcParseLimits& limits,
                      const IngestedAggregateReport& report)
{
  if (!pass.bytes.readError.empty()) {
    return pass.bytes.readError;
  }
  if (pass.bytes.tooLarge()) {
    return "report larger than " + std::to_string(limits.maxBytes) + " bytes";
  }
  if (!pass.bytes.nonSpace) {
    return "empty report";
  }
  // Entity bombs (billion laughs) and external entities both need a DTD;
  // aggregate reports never carry one, so a DTD is refused unparsed.
  if (pass.bytes.dtdText) {
    return "report has a DTD (<!DOCTYPE or <!ENTITY): refused";
  }
  if (!pass.wellFormed) {
    return pass.xmlError;
  }
  if (pass.dtd) {
    return "report has a DTD: refused";
  }
  if (!pass.sawRoot || pass.rootName != "feedback") {
    return "root element is <" + pass.rootName + ">, not <feedback>";
  }
  if (!pass.metadataError.empty()) {
    return pass.metadataError;
  }
  if (!pass.sawMetadata) {
    return "no report_metadata";
  }
  if (!pass.policyError.empty()) {
    return pass.policyError;
  }
  if (!pass.sawPolicy) {
    return "no policy_published";
  }
  if (!pass.recordError.empty()) {
    return pass.recordError;
  }
  if (report.recordCount == 0) {
    return "no record";
  }
  return {};
}

DmarcParseResult parseOnce(ByteReader& input, const DmarcParseLimits& limits,
                           const DmarcRecordSink& sink, std::string_view leniency, Pass& pass)
{
  DmarcParseResult result;
  Walker walker(limits, result.report, sink);
  if (!leniency.empty()) {
    walker.note(std::string(leniency));
  }
  readDocument(input, limits, walker, result.report, pass);
  result.error = passError(pass, limits, result.report);
  result.ok = result.error.empty();
  if (!result.ok) {
    result.report = {};
  }
  return result;
}

// A stray wrapper element (ikea.com: an unclosed <xs:schema> before
// <feedback>) or trailing junk: <feedback>...</feedback> alone, keeping the
// XML declaration for its encoding; "" when there is no such span.
std::string feedbackOnly(std::string_view xml);
// Finds "<feedback" or "<prefix:feedback" followed by a space, '>' or '/'.
std::size_t findTag(std::string_view xml, std::string_view opener, std::size_t from = 0)
{
  for (std::size_t pos = xml.find("feedback", from); pos != std::string_view::npos;
       pos = xml.find("feedback", pos + 1)) {
    std::size_t start = pos;
    while (start > 0 && xml[start - 1] != '<' && xml[start - 1] != '/' &&
           (std::isalnum(static_cast<unsigned char>(xml[start - 1])) != 0 ||
            xml[start - 1] == ':' || xml[start - 1] == '_' || xml[start - 1] == '-') &&
           pos - start < 64) {
      --start;
    }
    const std::string_view lead = xml.substr(0, start);
    const std::size_t after = pos + 8;
    const bool delimited =
        after < xml.size() && (xml[after] == '>' || xml[after] == ' ' || xml[after] == '/' ||
                               xml[after] == '\n' || xml[after] == '\r' || xml[after] == '\t');
    if (delimited && lead.size() >= opener.size() &&
        lead.substr(lead.size() - opener.size()) == opener) {
      return start - opener.size();
    }
  }
  return std::string_view::npos;
}

std::string feedbackOnly(std::string_view xml)
{
  const std::size_t open = findTag(xml, "<");
  const std::size_t close = findTag(xml, "</");
  if (open == std::string_view::npos || close == std::string_view::npos || close <= open) {
    return {};
  }
  const std::size_t closeEnd = xml.find('>', close);
  if (closeEnd == std::string_view::npos) {
    return {};
  }
  std::string candidate;
  if (xml.substr(0, 5) == "<?xml") {
    const std::size_t declEnd = xml.find("?>");
    if (declEnd != std::string_view::npos && declEnd < open) {
      candidate.append(xml.substr(0, declEnd + 2));
    }
  }
  candidate.append(xml.substr(open, closeEnd + 1 - open));
  return candidate;
}

constexpr std::string_view s_feedbackOnlyNote = "content outside <feedback> ignored";
} // namespace

std::string_view toString(AggregateShape shape)
{
  return shape == AggregateShape::Rfc9990 ? "rfc9990" : "rfc7489";
}

DmarcParseResult parseDmarcAggregateReport(const ByteReaderOpener& open,
                                           const DmarcParseLimits& limits,
                                           const DmarcRecordSink& sink)
{
  xmlInitParser();
  DmarcParseResult result;
  try {
    auto input = open();
    Pass pass;
    result = parseOnce(*input, limits, sink, {}, pass);
    const bool retry = !result.ok && pass.bytes.readError.empty() && !pass.bytes.tooLarge() &&
                       pass.bytes.nonSpace && !pass.bytes.dtdText && !pass.wellFormed &&
                       pass.bytes.total <= s_maxRetryBytes;
    if (!retry) {
      return result;
    }
    // Everything inside feedback must still be well-formed.
    auto again = open();
    const std::string candidate = feedbackOnly(readAll(*again, s_maxRetryBytes, "report"));
    if (candidate.empty()) {
      return result;
    }
    MemoryReader retryInput(candidate);
    Pass retryPass;
    DmarcParseResult retried = parseOnce(retryInput, limits, sink, s_feedbackOnlyNote, retryPass);
    if (retryPass.wellFormed) {
      retried.feedbackOnly = true;
      return retried;
    }
  } catch (const ByteReadError& error) {
    result = {};
    result.error = error.what();
  }
  return result;
}

DmarcParseResult parseDmarcAggregateReport(std::string_view xml, const DmarcParseLimits& limits)
{
  // Records of a first pass that the <feedback> retry replaced come first:
  // the report's own are the last recordCount.
  std::vector<IngestedRecord> records;
  DmarcParseResult result = parseDmarcAggregateReport(
      [xml] { return std::make_unique<MemoryReader>(xml); }, limits,
      [&records](IngestedRecord&& record) { records.push_back(std::move(record)); });
  if (result.ok) {
    records.erase(records.begin(),
                  records.end() - static_cast<std::ptrdiff_t>(result.report.recordCount));
    result.report.records = std::move(records);
  }
  return result;
}

bool replayDmarcRecords(const ByteReaderOpener& open, const DmarcParseResult& checked,
                        const DmarcParseLimits& limits, const DmarcRecordSink& sink)
{
  xmlInitParser();
  if (!checked.feedbackOnly) {
    auto input = open();
    Pass pass;
    return parseOnce(*input, limits, sink, {}, pass).ok;
  }
  auto input = open();
  const std::string candidate = feedbackOnly(readAll(*input, s_maxRetryBytes, "report"));
  MemoryReader retryInput(candidate);
  Pass pass;
  return parseOnce(retryInput, limits, sink, s_feedbackOnlyNote, pass).ok;
}
} // namespace dmarc
