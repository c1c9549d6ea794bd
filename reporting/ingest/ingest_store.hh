// ingest_store.hh: stores parsed DMARC aggregate and TLS-RPT reports into
// PostgreSQL (sql/0004_ingested_reports.sql, 0005_tlsrpt_dkim.sql), each report in one
// transaction: the report and all its records, or nothing.
//
// Trust: the values come from the parsers (bounded, normalised) but are
// still untrusted text: every value travels as a query parameter, and text
// goes through pgText (NUL and invalid UTF-8 become U+FFFD). The
// connection is the administrator's. A duplicate (same reporter and report
// id) is an outcome, not an error; database failures are pqxx exceptions
// for the caller (the transaction has rolled back).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <pqxx/connection>

#include "reporting/ingest/dmarc_report_parser.hh"
#include "reporting/ingest/tlsrpt_parser.hh"

namespace dmarc
{
enum class IngestOutcome
{
  Stored,
  Duplicate, // same reporter and report id already stored: nothing written
};

struct IngestStoreResult
{
  IngestOutcome outcome = IngestOutcome::Stored;
  std::int64_t id = 0; // the report row (the existing one for a duplicate)
};

// How a TLS-RPT report was authenticated (sql/0005_tlsrpt_dkim.sql):
// check is "pass", "fail" (stored anyway, by the operator's choice) or
// "file" (not a mail; nothing to check).
struct TlsRptDkimCheck
{
  std::string check = "file";
  std::string domain;   // d= of the passing signature
  std::string selector; // s= of the passing signature
  std::string detail;   // what was found, in plain words
};

// Hands a report's records to a sink; false if they could not be read.
using DmarcRecordReplay = std::function<bool(const DmarcRecordSink&)>;

class IngestStore
{
public:
  explicit IngestStore(pqxx::connection& db) : d_db(db) {}

  // The report row from `report` (its records counted, not held), then its
  // records as `records` hands them over, in one transaction.
  IngestStoreResult storeDmarc(const IngestedAggregateReport& report, std::string_view source,
                               const DmarcRecordReplay& records);
  IngestStoreResult storeTlsRpt(const TlsRptReport& report, std::string_view source,
                                std::string_view headerDomain, std::string_view headerSubmitter,
                                const TlsRptDkimCheck& dkim = {});
  // kind: dmarc | tlsrpt | message
  void recordRejection(std::string_view kind, std::string_view source, std::string_view reason);

private:
  pqxx::connection& d_db;
};
} // namespace dmarc
