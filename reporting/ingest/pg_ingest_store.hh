// pg_ingest_store.hh: the IngestStore in PostgreSQL (sql/0004_ingested_reports.sql,
// 0005_tlsrpt_dkim.sql, 0008 failure_report_received).
//
// Trust: the values come from the parsers (bounded, normalised) but are
// still untrusted text: every value travels as a query parameter, and text
// goes through pgText (NUL and invalid UTF-8 become U+FFFD). The
// connection is the administrator's.
#pragma once

#include <pqxx/connection>

#include "reporting/ingest/ingest_store.hh"

namespace dmarc
{
class PgIngestStore final : public IngestStore
{
public:
  explicit PgIngestStore(pqxx::connection& db) : d_db(db) {}

  IngestStoreResult storeDmarc(const IngestedAggregateReport& report, std::string_view source,
                               const DmarcRecordReplay& records) override;
  IngestStoreResult storeTlsRpt(const TlsRptReport& report, std::string_view source,
                                std::string_view headerDomain, std::string_view headerSubmitter,
                                const TlsRptDkimCheck& dkim) override;
  IngestStoreResult storeFailure(const ReceivedFailureReport& report) override;
  void recordRejection(std::string_view kind, std::string_view source,
                       std::string_view reason) override;

private:
  pqxx::connection& d_db;
};
} // namespace dmarc
