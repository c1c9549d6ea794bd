// dmarc_report_parser.hh: reads a DMARC aggregate report (RFC 7489
// Appendix C or RFC 9990 shape) that another receiver sent us, into values.
//
// Trusts nothing: the XML comes from any receiver on the Internet. libxml2
// parses it with network access off, without loading or substituting
// entities, and a document with a DTD is refused outright (entity expansion
// bombs need one). Sizes, record counts and field lengths are bounded.
// Lenient where real receivers deviate harmlessly (SPECS.md §5.3): missing
// or odd <version>, fractional epoch times, stray whitespace and text,
// upper-case results, empty <auth_results/>, missing <scope>, namespace
// prefixes or none, legacy encodings declared in the XML declaration, and a
// stray wrapper element around <feedback>. Strict where guessing would store
// wrong data: a report that is not well-formed, lacks its identity
// (report_id, policy domain, date range), has a record without a valid source
// IP or count, or a result outside the enumerations is rejected whole, with
// the reason. Never throws for bad input.
//
// Read as a stream (xmlTextReader): memory does not grow with the number of
// records, which go one by one to a DmarcRecordSink. A report is read twice
// when it is stored: once to judge it whole (parseDmarcAggregateReport with
// no sink), then again to hand its records over (replayDmarcRecords).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "reporting/ingest/byte_source.hh"

namespace dmarc
{
enum class AggregateShape
{
  Rfc7489, // no namespace, pct, no np/testing/discovery_method
  Rfc9990, // urn:ietf:params:xml:ns:dmarc-2.0, or its fields without it
};

struct IngestedReason
{
  std::string type; // lower-cased; "" when the receiver left it empty
  std::string comment;
};

struct IngestedDkimAuth
{
  std::string domain;
  std::string selector;
  std::string result; // none|pass|fail|policy|neutral|temperror|permerror
  std::string humanResult;
};

struct IngestedSpfAuth
{
  std::string domain;
  std::string scope;  // helo|mfrom, "" when absent
  std::string result; // none|neutral|pass|fail|softfail|temperror|permerror|policy
};

struct IngestedRecord
{
  std::string sourceIp; // canonical text form (inet_ntop)
  std::uint64_t count = 0;
  std::string disposition; // none|pass|quarantine|reject, "" when absent
  std::string dkim;        // aligned DKIM: pass|fail, "" when absent
  std::string spf;         // aligned SPF: pass|fail, "" when absent
  std::vector<IngestedReason> reasons;
  std::string envelopeTo;
  std::string envelopeFrom;
  std::string headerFrom;
  std::vector<IngestedDkimAuth> dkimAuth;
  std::vector<IngestedSpfAuth> spfAuth;
};

struct IngestedPolicy
{
  std::string domain;
  std::string adkim; // r|s|""
  std::string aspf;
  std::string p; // none|quarantine|reject|""
  std::string sp;
  std::string np;
  std::optional<int> pct;
  std::string fo;
  std::string testing;         // n|y|""
  std::string discoveryMethod; // psl|treewalk|""
};

struct IngestedAggregateReport
{
  AggregateShape shape = AggregateShape::Rfc7489;
  bool namespaced = false;
  std::string version;
  std::string orgName;
  std::string email;
  std::string extraContactInfo;
  std::string reportId;
  std::int64_t begin = 0; // epoch seconds
  std::int64_t end = 0;
  std::vector<std::string> errors; // <error> elements of the report
  std::string generator;
  IngestedPolicy policy;
  // Filled only by the string_view form of parseDmarcAggregateReport; the
  // streamed forms give the records to their sink.
  std::vector<IngestedRecord> records;
  std::size_t recordCount = 0;
  std::uint64_t messageCount = 0; // the sum of the records' counts
  // Deviations from the schemas that were accepted (kept with the report).
  std::vector<std::string> leniencies;
};

struct DmarcParseLimits
{
  // The largest real report we have is 909 KB; a receiver with a huge
  // volume can send tens of MB. Above 64 MiB we refuse before parsing.
  std::size_t maxBytes = 64U * 1024U * 1024U;
  // One record per (source IP, results, identifiers) tuple and day.
  std::size_t maxRecords = 500000;
  // RFC 9990: at most 100 DKIM signatures per row; SPF at most one (7489
  // allowed more); reasons are few in practice.
  std::size_t maxDkimPerRecord = 100;
  std::size_t maxSpfPerRecord = 10;
  std::size_t maxReasonsPerRecord = 10;
  std::size_t maxErrors = 100;
  // Domain names are 253 octets; free text is capped at 2 KiB per field.
  std::size_t maxFieldLength = 2048;
};

struct DmarcParseResult
{
  bool ok = false;
  std::string error; // why the report was rejected
  IngestedAggregateReport report;
  // Only <feedback>...</feedback> of the document was read (a stray
  // wrapper element or trailing junk around it).
  bool feedbackOnly = false;
};

// Receives each record of a report, in document order.
using DmarcRecordSink = std::function<void(IngestedRecord&&)>;

// A report held in memory; its records are in result.report.records.
DmarcParseResult parseDmarcAggregateReport(std::string_view xml,
                                           const DmarcParseLimits& limits = {});

// A report read from `open` (opened a second time only for the retry of a
// document that is not well-formed); records go to `sink` (none: only
// counted). When the report is rejected, records may already have gone to
// the sink: store them only with replayDmarcRecords().
DmarcParseResult parseDmarcAggregateReport(const ByteReaderOpener& open,
                                           const DmarcParseLimits& limits,
                                           const DmarcRecordSink& sink = {});

// The records of a report that parseDmarcAggregateReport() accepted
// (`checked`), read again from `open` and given to `sink`. False if the
// bytes no longer give the same verdict.
bool replayDmarcRecords(const ByteReaderOpener& open, const DmarcParseResult& checked,
                        const DmarcParseLimits& limits, const DmarcRecordSink& sink);

std::string_view toString(AggregateShape shape);
} // namespace dmarc
