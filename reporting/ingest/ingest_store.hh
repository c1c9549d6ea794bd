// ingest_store.hh: where `dmarc-reports ingest` puts what it parsed: DMARC
// aggregate, TLS-RPT and failure reports, each in one transaction (the
// report and all its records, or nothing), and the inputs it rejected. An
// interface, so that the ingestion run (ingestor.hh) is unit-tested against
// an in-memory store; the PostgreSQL one is pg_ingest_store.hh.
//
// A duplicate (same reporter and report id) is an outcome, not an error. A
// report the database refuses (a constraint, a value out of range) throws
// pqxx::sql_error after its transaction rolled back: the caller rejects that
// report alone. A lost connection throws pqxx::broken_connection.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "reporting/ingest/dmarc_report_parser.hh"
#include "reporting/ingest/feedback_report_parser.hh"
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
  virtual ~IngestStore() = default;

  // The report row from `report` (its records counted, not held), then its
  // records as `records` hands them over, in one transaction.
  virtual IngestStoreResult storeDmarc(const IngestedAggregateReport& report,
                                       std::string_view source,
                                       const DmarcRecordReplay& records) = 0;
  virtual IngestStoreResult storeTlsRpt(const TlsRptReport& report, std::string_view source,
                                        std::string_view headerDomain,
                                        std::string_view headerSubmitter,
                                        const TlsRptDkimCheck& dkim) = 0;
  // A failure report another receiver sent us; a duplicate when the same
  // reporter's report with the same Message-ID is stored already.
  virtual IngestStoreResult storeFailure(const ReceivedFailureReport& report) = 0;
  // kind: dmarc | tlsrpt | message
  virtual void recordRejection(std::string_view kind, std::string_view source,
                               std::string_view reason) = 0;
};
} // namespace dmarc
