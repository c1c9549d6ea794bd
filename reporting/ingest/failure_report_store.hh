// failure_report_store.hh: stores one failure report another receiver sent
// us (sql/0008 failure_report_received), for `dmarc-reports ingest`.
// Trusts the schema, not the report: every value is a parameter; a
// Source-IP that is not an IP address is stored as NULL.
#pragma once

#include <pqxx/connection>

#include "reporting/ingest/feedback_report_parser.hh"
#include "reporting/ingest/ingest_store.hh"

namespace dmarc
{
// Duplicate when the same reporter's report with the same Message-ID is
// stored already (a mailbox read twice).
IngestStoreResult storeReceivedFailure(pqxx::connection& db, const ReceivedFailureReport& report);
} // namespace dmarc
