// dmarc_report_parser.cc: libxml2 tree walk over an aggregate report.
// See dmarc_report_parser.hh for what is trusted and what is tolerated.
#include "reporting/dmarc_report_parser.hh"

#include <arpa/inet.h>
#include <array>
#include <cctype>
#include <charconv>
#include <initializer_list>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using XmlDocPtr = CHandle<xmlDoc, &xmlFreeDoc>;
using XmlParserCtxtPtr = CHandle<xmlParserCtxt, &xmlFreeParserCtxt>;

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

class Walker
{
public:
  Walker(const DmarcParseLimits& limits, IngestedAggregateReport& report)
      : d_limits(limits), d_report(report)
  {}

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
    for (const auto& known : d_report.leniencies) {
      if (known == what) {
        return;
      }
    }
    d_report.leniencies.push_back(std::move(what));
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

  void metadata(const xmlNode* feedback)
  {
    const xmlNode* meta = child(feedback, "report_metadata");
    if (meta == nullptr) {
      throw Reject("no report_metadata");
    }
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

  void policy(const xmlNode* feedback)
  {
    const xmlNode* published = child(feedback, "policy_published");
    if (published == nullptr) {
      throw Reject("no policy_published");
    }
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

  void record(const xmlNode* node, std::size_t index)
  {
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
    } else {
      note("record without policy_evaluated");
    }
    if (const xmlNode* identifiers = child(node, "identifiers")) {
      record.envelopeTo = toLowerAscii(childText(identifiers, "envelope_to"));
      record.envelopeFrom = toLowerAscii(childText(identifiers, "envelope_from"));
      record.headerFrom = toLowerAscii(childText(identifiers, "header_from"));
    }
    if (const xmlNode* auth = child(node, "auth_results")) {
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
    } else {
      note("record without auth_results");
    }
    d_report.records.push_back(std::move(record));
  }

  void feedback(const xmlNode* root)
  {
    d_report.namespaced = root->ns != nullptr && root->ns->href != nullptr &&
                          reinterpret_cast<const char*>(root->ns->href) == s_rfc9990Namespace;
    d_report.version = childText(root, "version");
    if (d_report.version.empty()) {
      note("no version");
    } else if (d_report.version != "1.0") {
      note("version " + d_report.version);
    }
    metadata(root);
    policy(root);
    std::size_t index = 0;
    for (const xmlNode* node = root->children; node != nullptr; node = node->next) {
      if (!isElement(node, "record")) {
        continue;
      }
      if (index >= d_limits.maxRecords) {
        throw Reject("more than " + std::to_string(d_limits.maxRecords) + " records");
      }
      record(node, ++index);
    }
    if (d_report.records.empty()) {
      throw Reject("no record");
    }
    const IngestedPolicy& policy = d_report.policy;
    const bool newFields = !policy.np.empty() || !policy.testing.empty() ||
                           !policy.discoveryMethod.empty() || !d_report.generator.empty();
    d_report.shape =
        d_report.namespaced || newFields ? AggregateShape::Rfc9990 : AggregateShape::Rfc7489;
    if (!d_report.namespaced && d_report.shape == AggregateShape::Rfc9990) {
      note("RFC 9990 fields without the RFC 9990 namespace");
    }
  }

private:
  const DmarcParseLimits& d_limits;
  IngestedAggregateReport& d_report;
};

struct ParsedXml
{
  XmlDocPtr doc;
  std::string error;
};

ParsedXml parseXml(std::string_view xml)
{
  ParsedXml result;
  XmlParserCtxtPtr context(xmlNewParserCtxt());
  if (!context) {
    result.error = "libxml2: out of memory";
    return result;
  }
  // NONET: no network for anything; no NOENT/DTDLOAD/DTDATTR: entities are
  // neither loaded nor substituted; no HUGE: libxml2 keeps its depth (256)
  // and text-size limits; NOERROR/NOWARNING: errors come back to us instead
  // of going to stderr.
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  result.doc.reset(xmlCtxtReadMemory(context.get(), xml.data(), static_cast<int>(xml.size()),
                                     "report.xml", nullptr, options));
  const xmlError* error = xmlCtxtGetLastError(context.get());
  if (!result.doc || context->wellFormed == 0) {
    std::string message =
        error != nullptr && error->message != nullptr ? error->message : "not well-formed";
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    result.error = "XML not well-formed";
    if (error != nullptr) {
      result.error += " at line " + std::to_string(error->line);
    }
    result.error += ": " + message;
    result.doc.reset();
  }
  return result;
}

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
} // namespace

std::string_view toString(AggregateShape shape)
{
  return shape == AggregateShape::Rfc9990 ? "rfc9990" : "rfc7489";
}

DmarcParseResult parseDmarcAggregateReport(std::string_view xml, const DmarcParseLimits& limits)
{
  DmarcParseResult result;
  if (xml.size() > limits.maxBytes) {
    result.error = "report larger than " + std::to_string(limits.maxBytes) + " bytes";
    return result;
  }
  if (trimSpace(xml).empty()) {
    result.error = "empty report";
    return result;
  }
  // Entity bombs (billion laughs) and external entities both need a DTD;
  // aggregate reports never carry one, so a DTD is refused before parsing.
  if (xml.find("<!DOCTYPE") != std::string_view::npos ||
      xml.find("<!ENTITY") != std::string_view::npos) {
    result.error = "report has a DTD (<!DOCTYPE or <!ENTITY): refused";
    return result;
  }
  xmlInitParser();
  ParsedXml parsed = parseXml(xml);
  std::string leniency;
  if (!parsed.doc) {
    // A stray wrapper element (ikea.com: an unclosed <xs:schema> before
    // <feedback>) or trailing junk: retry on <feedback>...</feedback> alone,
    // keeping the XML declaration for its encoding. Everything inside
    // feedback must still be well-formed.
    const std::size_t open = findTag(xml, "<");
    const std::size_t close = findTag(xml, "</");
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      const std::size_t closeEnd = xml.find('>', close);
      std::string candidate;
      if (xml.substr(0, 5) == "<?xml") {
        const std::size_t declEnd = xml.find("?>");
        if (declEnd != std::string_view::npos && declEnd < open) {
          candidate.append(xml.substr(0, declEnd + 2));
        }
      }
      if (closeEnd != std::string_view::npos) {
        candidate.append(xml.substr(open, closeEnd + 1 - open));
        ParsedXml retry = parseXml(candidate);
        if (retry.doc) {
          parsed = std::move(retry);
          leniency = "content outside <feedback> ignored";
        }
      }
    }
  }
  if (!parsed.doc) {
    result.error = parsed.error;
    return result;
  }
  if (parsed.doc->intSubset != nullptr || parsed.doc->extSubset != nullptr) {
    result.error = "report has a DTD: refused";
    return result;
  }
  const xmlNode* root = xmlDocGetRootElement(parsed.doc.get());
  if (root == nullptr || !isElement(root, "feedback")) {
    result.error = "root element is <" + std::string(root != nullptr ? nameOf(root) : "") +
                   ">, not <feedback>";
    return result;
  }
  Walker walker(limits, result.report);
  if (!leniency.empty()) {
    walker.note(leniency);
  }
  try {
    walker.feedback(root);
  } catch (const Reject& reject) {
    result.error = reject.what();
    result.report = {};
    return result;
  }
  result.ok = true;
  return result;
}
} // namespace dmarc
