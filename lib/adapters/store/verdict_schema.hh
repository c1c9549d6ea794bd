// verdict_schema.hh: the verdict table (sql/0001_verdicts.sql and the
// migrations after it) as the programs see it, in one place: its columns
// and their SQL types in the order the writer fills them, the spellings of
// its enum types read back into lib/core's enums (written with lib/core's
// toString(), so each spelling exists once), and every statement the
// programs run on it: the writer's INSERT is built from the columns
// (pg_verdict_sql.hh); the report queries of `send`, the verdict tables of
// `summary`, the period filter `summary` and `overview` share, the claim of
// `send-failures`, the day partitions of `db partitions` and `expire` and
// the deletion of `expire` are here.
//
// Every value travels as a parameter; the statements say what each $n is.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "lib/core/spf_result.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
struct VerdictColumn
{
  std::string_view name;
  std::string_view type; // the SQL type a text parameter is cast to
};

// Every column the writer fills, in the order of appendVerdictParams.
std::span<const VerdictColumn> verdictColumns();

// The enum columns read back; text no value spells gives the fallback
// named (what the report writer treats as "unknown").
DmarcResult dmarcResultFromSql(std::string_view text);         // else None
Policy policyFromSql(std::string_view text);                   // else None
Disposition dispositionFromSql(std::string_view text);         // else None
OverrideReason overrideReasonFromSql(std::string_view text);   // else Other
AlignmentMode alignmentFromSql(std::string_view text);         // else Relaxed
DiscoveryMethod discoveryMethodFromSql(std::string_view text); // else TreeWalk
SpfScope spfScopeFromSql(std::string_view text);               // else Mfrom

// `send`: the policy domains with verdicts in [$1, $2) (epoch seconds),
// all when $3 is '', else only $3; one column, ordered.
const char* verdictPolicyDomainsSql();
// `send`: the policy last seen in [$2, $3) (epoch seconds) for every
// domain of $1 (text[]) that has one: the domain's position in $1 (from
// 1), then the policy's columns; ordered by position.
const std::string& verdictLatestPoliciesSql();
// `send`: declares the cursor report_rows over the grouped report rows of
// [$1, $2) (epoch seconds), of every domain when $3 is '', else of $3.
const char* verdictReportRowsCursorSql();

// `db partitions` and `expire`: the day partitions (sql/0011), each added
// or dropped by its SECURITY DEFINER function in a transaction of its own.
// The days (YYYY-MM-DD text, ordered) still without a partition among today
// (UTC), the $1 days after it and the days with rows in verdict_default.
const char* verdictPartitionDaysWantedSql();
// The days (YYYY-MM-DD text, ordered) with a partition, before day $1.
const char* verdictPartitionDaysBeforeSql();
// Adds / drops the partition of day $1; one boolean: whether it did.
const char* verdictPartitionAddSql();
const char* verdictPartitionDropSql();
// The rows in verdict_default.
const char* verdictDefaultPartitionCountSql();

// `summary` and `overview`: mail received from day $1 to before day $2 to
// the domains $3 (text[], every domain when empty); the table's alias is v.
const char* verdictPeriodFilter();

// `summary`: its tables from our own verdicts; $1-$3 as verdictPeriodFilter,
// $4 the row limit.
const std::string& verdictTlsByDaySql();
const std::string& verdictTlsVersionsSql();
const std::string& verdictTlsCiphersSql();
const std::string& verdictTlsVerifySql();
const std::string& verdictCleartextSendersSql();
const std::string& verdictOverridesSql();

// `send-failures`: claims the pending failure sample of message key $1
// (uuid) with the verdict it belongs to, locked, skipping one another run
// holds.
const char* verdictFailureClaimSql();

// `expire`: the verdicts received before day $1 (YYYY-MM-DD, UTC), counted
// (--dry-run); and, after the day partitions before that day were dropped,
// those left in the default partition, deleted $2 at a time.
const char* verdictCountBeforeDaySql();
const char* verdictDeleteBeforeDaySql();
} // namespace dmarc
