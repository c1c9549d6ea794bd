// pg_failure_sql.hh: the INSERT of failure samples (sql/0008) beside their
// verdicts, and its parameters. Pure string building (no libpq), unit-tested
// without a database, like pg_verdict_sql.hh whose literal helpers it uses.
//
// Every value travels as a parameter; the text is untrusted and stored
// verbatim except what PostgreSQL's text cannot hold (pgText).
#pragma once

#include <string>
#include <vector>

#include "lib/core/message_record.hh"

namespace dmarc
{
// INSERT INTO failure_sample (...) SELECT ... FROM unnest($1..$5) ON
// CONFLICT DO NOTHING: one array parameter per column (see
// verdictInsertSql() for why), no conflict target (the milter role has no
// SELECT).
std::string failureInsertSql();

// The five parameters for the rows of the batch that carry a failure
// sample; empty when none does (then nothing is to be inserted).
std::vector<std::string> failureBatchParams(const std::vector<const MessageRecord*>& rows);
} // namespace dmarc
