// fake_ingest_store.hh: an in-memory IngestStore for unit tests of the
// ingestion run (Ingestor): it keeps what it was handed, answers Duplicate
// for a report it holds already (same reporter and report id, as the
// database's unique constraints do), and refuses the reports a test names,
// the way PostgreSQL refuses one (pqxx::sql_error, nothing stored).
#pragma once

#include <set>
#include <string>
#include <utility>
#include <vector>

#include <pqxx/except>

#include "reporting/ingest/ingest_store.hh"

namespace dmarc::test
{
class FakeIngestStore : public IngestStore
{
public:
  struct Rejection
  {
    std::string kind;
    std::string source;
    std::string reason;
  };

  IngestStoreResult storeDmarc(const IngestedAggregateReport& report, std::string_view source,
                               const DmarcRecordReplay& records) override
  {
    refuseIfAsked(report.reportId);
    if (!d_keys.insert("dmarc " + report.orgName + " " + report.reportId).second) {
      return {IngestOutcome::Duplicate, 1};
    }
    std::size_t count = 0;
    records([&](IngestedRecord&&) { ++count; });
    dmarc.push_back({report.reportId, std::string(source)});
    dmarcRecords += count;
    return {IngestOutcome::Stored, static_cast<std::int64_t>(d_keys.size())};
  }

  IngestStoreResult storeTlsRpt(const TlsRptReport& report, std::string_view source,
                                std::string_view /*headerDomain*/,
                                std::string_view /*headerSubmitter*/,
                                const TlsRptDkimCheck& /*dkim*/) override
  {
    refuseIfAsked(report.reportId);
    if (!d_keys.insert("tlsrpt " + report.organizationName + " " + report.reportId).second) {
      return {IngestOutcome::Duplicate, 1};
    }
    tlsrpt.push_back({report.reportId, std::string(source)});
    return {IngestOutcome::Stored, static_cast<std::int64_t>(d_keys.size())};
  }

  IngestStoreResult storeFailure(const ReceivedFailureReport& report) override
  {
    if (!d_keys.insert("failure " + report.reporter + " " + report.reportMessageId).second) {
      return {IngestOutcome::Duplicate, 1};
    }
    failures.push_back(report.reportedDomain);
    return {IngestOutcome::Stored, static_cast<std::int64_t>(d_keys.size())};
  }

  void recordRejection(std::string_view kind, std::string_view source,
                       std::string_view reason) override
  {
    rejections.push_back({std::string(kind), std::string(source), std::string(reason)});
  }

  // Reports with this id are refused by "the database".
  void refuse(std::string reportId) { d_refused.insert(std::move(reportId)); }

  std::vector<std::pair<std::string, std::string>> dmarc; // report id, source
  std::vector<std::pair<std::string, std::string>> tlsrpt;
  std::vector<std::string> failures;
  std::vector<Rejection> rejections;
  std::size_t dmarcRecords = 0;

private:
  void refuseIfAsked(const std::string& reportId) const
  {
    if (d_refused.count(reportId) != 0) {
      throw pqxx::sql_error("ERROR:  value too long for type character varying(255)", "INSERT",
                            "22001");
    }
  }

  std::set<std::string> d_keys;
  std::set<std::string> d_refused;
};
} // namespace dmarc::test
