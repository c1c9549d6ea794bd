// pg_verdict_sql.hh: the text of the verdict INSERT and the parameter values
// of one row, for sql/0001_verdicts.sql. Pure string building (no libpq),
// so that it is unit-tested without a database.
//
// The SQL text contains only column names and $n placeholders with casts;
// every value travels as a parameter (STYLE.md convention 17). Values are
// untrusted and stored verbatim, except the bytes PostgreSQL's text type
// cannot hold: NUL and invalid UTF-8 become U+FFFD (pgText).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/message_record.hh"

namespace dmarc
{
// One parameter: std::nullopt is SQL NULL.
using PgParam = std::optional<std::string>;

// Number of parameters of one verdict row.
std::size_t verdictColumnCount();

// INSERT INTO verdict (...) SELECT ... FROM unnest($1::uuid[], ...) ON
// CONFLICT DO NOTHING: one parameter per column, each an array holding that
// column's value for every row of the batch (verdictBatchParams), so that
// one short statement with verdictColumnCount() parameters inserts any
// number of rows. Columns that are arrays themselves travel as text[] of
// array literals and are cast back per row.
// No conflict target on purpose: naming one would need SELECT privilege,
// which the insert-only milter role does not have.
std::string verdictInsertSql();

// The verdictColumnCount() parameters of verdictInsertSql() for `rows`
// (one array literal per column; SQL NULL values become NULL elements).
std::vector<std::string> verdictBatchParams(const std::vector<const MessageRecord*>& rows,
                                            std::string_view defaultHost);

// Appends the verdictColumnCount() parameters of one row, in column order.
void appendVerdictParams(const MessageRecord& record, std::string_view defaultHost,
                         std::vector<PgParam>& out);

// Text PostgreSQL accepts: valid UTF-8 kept as is, NUL and invalid
// sequences replaced by U+FFFD.
std::string pgText(std::string_view bytes);

// A one-dimensional PostgreSQL array literal, every element double-quoted
// and escaped ({"a","b\"c"}), elements passed through pgText; std::nullopt
// elements are written as NULL.
std::string pgArrayLiteral(const std::vector<std::string>& elements);
std::string pgArrayLiteral(const std::vector<PgParam>& elements);

// Microseconds since the epoch as a timestamptz literal in UTC
// ("2026-11-28 13:54:37.123456+00").
std::string pgTimestamp(std::chrono::system_clock::time_point when);
} // namespace dmarc
