// verdict_schema.cc: the verdict table's columns, enum spellings and
// statements; see verdict_schema.hh.
#include "lib/adapters/store/verdict_schema.hh"

#include <array>

namespace dmarc
{
namespace
{
// Order = order of appendVerdictParams (pg_verdict_sql.cc).
constexpr std::array<VerdictColumn, 58> s_columns{{
    {"message_key", "uuid"},
    {"received_at", "timestamptz"},
    {"reporting_host", "text"},
    {"queue_id", "text"},
    {"client_ip", "inet"},
    {"helo", "text"},
    {"mail_from_domain", "text"},
    {"rcpt_domains", "text[]"},
    {"from_domain", "text"},
    {"from_domains", "text[]"},
    {"dmarc_result", "dmarc_result"},
    {"reason", "text"},
    {"dkim_aligned", "boolean"},
    {"spf_aligned", "boolean"},
    {"policy_domain", "text"},
    {"policy_record", "text"},
    {"policy_p", "dmarc_policy"},
    {"policy_sp", "dmarc_policy"},
    {"policy_np", "dmarc_policy"},
    {"policy_adkim", "dmarc_alignment"},
    {"policy_aspf", "dmarc_alignment"},
    {"policy_fo", "text"},
    {"policy_pct", "smallint"},
    {"policy_testing", "boolean"},
    {"policy_psd", "dmarc_psd"},
    {"policy_rua", "text[]"},
    {"policy_ruf", "text[]"},
    {"org_domain", "text"},
    {"discovery_method", "dmarc_discovery_method"},
    {"policy_tag", "dmarc_policy_tag"},
    {"author_domain_exists", "boolean"},
    {"effective_policy", "dmarc_policy"},
    {"disposition_requested", "dmarc_disposition"},
    {"disposition_applied", "dmarc_disposition"},
    {"override_reasons", "dmarc_override_reason[]"},
    {"override_comments", "text[]"},
    {"spf_domain", "text"},
    {"spf_scope", "spf_scope"},
    {"spf_result", "spf_result"},
    {"spf_explanation", "text"},
    {"spf_helo_domain", "text"},
    {"spf_helo_result", "spf_result"},
    {"dkim_domains", "text[]"},
    {"dkim_selectors", "text[]"},
    {"dkim_results", "dkim_result[]"},
    {"dkim_algorithms", "text[]"},
    {"dkim_human_results", "text[]"},
    {"dkim_key_bits", "integer[]"},
    {"tls_version", "text"},
    {"tls_cipher", "text"},
    {"tls_bits", "integer"},
    {"tls_verify", "text"},
    {"tls_cert_subject", "text"},
    {"tls_cert_issuer", "text"},
    {"arc_result", "arc_result"},
    {"arc_sealers", "text[]"},
    {"arc_trusted_sealer", "text"},
    {"override_comment", "text"},
}};

// The value `values` spells as `text` (lib/core's toString), else fallback.
template <typename E, std::size_t N>
E fromSql(std::string_view text, const std::array<E, N>& values, E fallback)
{
  for (auto value : values) {
    if (toString(value) == text) {
      return value;
    }
  }
  return fallback;
}

// The grouping of RFC 9990 "Aggregate Reports": one record per (source IP,
// evaluated results, reasons, identifiers, auth results). Human-readable
// results are left out of the key: they vary per message and would split
// the groups. Grouping is on the stored types (enums, inet), which hash and
// compare faster than their text forms; text sorts in "C" order. Rows come ordered by policy
// domain, so that a run over many domains is one scan of the interval (one report open at a time),
// and within a domain by size, then by key, so that a rebuild is identical. $3 = '' selects every
// domain; a single domain uses the (policy_domain, received_at) index.
constexpr const char* s_reportRows = R"SQL(
DECLARE report_rows NO SCROLL CURSOR FOR
SELECT policy_domain, COALESCE(host(client_ip), '0.0.0.0'), disposition_applied::text,
       dkim_aligned, spf_aligned, override_reasons::text[], override_comments,
       from_domain, mail_from_domain, dkim_domains, dkim_selectors, dkim_results::text[],
       spf_domain, spf_scope::text, spf_result::text, count(*) AS n
  FROM verdict
 WHERE policy_domain IS NOT NULL AND ($3 = '' OR policy_domain = $3)
   AND received_at >= to_timestamp($1::bigint) AND received_at < to_timestamp($2::bigint)
   AND disposition_applied <> 'tempfail'
 GROUP BY policy_domain, client_ip, disposition_applied, dkim_aligned, spf_aligned,
          override_reasons, override_comments, from_domain, mail_from_domain,
          dkim_domains, dkim_selectors, dkim_results, spf_domain, spf_scope, spf_result
 ORDER BY policy_domain COLLATE "C", n DESC, client_ip, disposition_applied, from_domain COLLATE "C",
          mail_from_domain COLLATE "C", dkim_aligned, spf_aligned, override_reasons,
          override_comments, dkim_domains, dkim_selectors, dkim_results, spf_domain COLLATE "C",
          spf_scope, spf_result
)SQL";

// The published policy of a verdict, as `send` reads it (latestPolicy).
constexpr const char* s_policyColumns =
    "policy_p::text, policy_sp::text, policy_np::text, policy_adkim::text, "
    "policy_aspf::text, COALESCE(policy_fo, '0'), policy_pct, "
    "COALESCE(policy_testing, false), discovery_method::text, policy_rua, "
    "COALESCE(policy_record, ''), org_domain";
constexpr const char* s_latestInInterval =
    "AND received_at >= to_timestamp($2::bigint) AND received_at < to_timestamp($3::bigint) "
    "ORDER BY received_at DESC LIMIT 1";

constexpr const char* s_periodFilter =
    " WHERE v.received_at >= $1::date AND v.received_at < $2::date"
    " AND (cardinality($3::text[]) = 0 OR v.rcpt_domains && $3::text[])";
} // namespace

std::span<const VerdictColumn> verdictColumns()
{
  return s_columns;
}

DmarcResult dmarcResultFromSql(std::string_view text)
{
  return fromSql(text,
                 std::array{DmarcResult::None, DmarcResult::Pass, DmarcResult::Fail,
                            DmarcResult::Temperror, DmarcResult::Permerror},
                 DmarcResult::None);
}

Policy policyFromSql(std::string_view text)
{
  return fromSql(text, std::array{Policy::None, Policy::Quarantine, Policy::Reject}, Policy::None);
}

Disposition dispositionFromSql(std::string_view text)
{
  return fromSql(text,
                 std::array{Disposition::None, Disposition::Pass, Disposition::Quarantine,
                            Disposition::Reject, Disposition::Tempfail},
                 Disposition::None);
}

OverrideReason overrideReasonFromSql(std::string_view text)
{
  return fromSql(text,
                 std::array{OverrideReason::LocalPolicy, OverrideReason::MailingList,
                            OverrideReason::TrustedForwarder, OverrideReason::PolicyTestMode,
                            OverrideReason::Other, OverrideReason::Forwarded,
                            OverrideReason::SampledOut},
                 OverrideReason::Other);
}

AlignmentMode alignmentFromSql(std::string_view text)
{
  return fromSql(text, std::array{AlignmentMode::Relaxed, AlignmentMode::Strict},
                 AlignmentMode::Relaxed);
}

DiscoveryMethod discoveryMethodFromSql(std::string_view text)
{
  return fromSql(text, std::array{DiscoveryMethod::Psl, DiscoveryMethod::TreeWalk},
                 DiscoveryMethod::TreeWalk);
}

SpfScope spfScopeFromSql(std::string_view text)
{
  return fromSql(text, std::array{SpfScope::Helo, SpfScope::Mfrom}, SpfScope::Mfrom);
}

const char* verdictPolicyDomainsSql()
{
  // A loose index scan over verdict_policy_received_idx: one probe per
  // distinct policy domain instead of a scan of the whole interval (the
  // report pass scans it once anyway). The received_at range keeps each
  // probe in the interval's day partitions (sql/0011_verdict_partitions.sql)
  // instead of one probe in every partition.
  return R"SQL(
WITH RECURSIVE domains(name) AS (
  SELECT min(policy_domain) FROM verdict
   WHERE policy_domain IS NOT NULL
     AND received_at >= to_timestamp($1::bigint) AND received_at < to_timestamp($2::bigint)
  UNION ALL
  SELECT (SELECT min(v.policy_domain) FROM verdict v
           WHERE v.policy_domain > d.name
             AND v.received_at >= to_timestamp($1::bigint)
             AND v.received_at < to_timestamp($2::bigint))
    FROM domains d WHERE d.name IS NOT NULL)
SELECT name FROM domains
 WHERE name IS NOT NULL AND ($3 = '' OR name = $3)
   AND EXISTS (SELECT 1 FROM verdict v WHERE v.policy_domain = domains.name
                  AND v.received_at >= to_timestamp($1::bigint)
                  AND v.received_at < to_timestamp($2::bigint))
 ORDER BY name COLLATE "C"
)SQL";
}

const std::string& verdictLatestPoliciesSql()
{
  // One index probe per domain (verdict_policy_received_idx), all in one
  // statement: a run over 10,000 domains makes one round trip per batch
  // instead of one per domain.
  static const std::string sql =
      std::string("SELECT d.i, p.* FROM unnest($1::text[]) WITH ORDINALITY AS d(name, i) "
                  "CROSS JOIN LATERAL (SELECT ") +
      s_policyColumns + "  FROM verdict WHERE policy_domain = d.name " + s_latestInInterval +
      ") p ORDER BY d.i";
  return sql;
}

const char* verdictReportRowsCursorSql()
{
  return s_reportRows;
}

const char* verdictPartitionDaysWantedSql()
{
  // The default partition is small (only rows of days nobody created), so
  // reading its days is cheap.
  return "SELECT day::text FROM ("
         " SELECT (now() AT TIME ZONE 'UTC')::date + n AS day"
         "   FROM generate_series(0, $1::integer) AS n"
         " UNION SELECT DISTINCT (received_at AT TIME ZONE 'UTC')::date"
         "   FROM verdict_default) AS d"
         " WHERE NOT EXISTS (SELECT 1 FROM verdict_partition p WHERE p.day = d.day)"
         " ORDER BY day";
}

const char* verdictPartitionDaysBeforeSql()
{
  return "SELECT day::text FROM verdict_partition WHERE day < $1::date ORDER BY day";
}

const char* verdictPartitionAddSql()
{
  return "SELECT verdict_partition_add($1::date)";
}

const char* verdictPartitionDropSql()
{
  return "SELECT verdict_partition_drop($1::date)";
}

const char* verdictDefaultPartitionCountSql()
{
  return "SELECT count(*) FROM verdict_default";
}

const char* verdictPeriodFilter()
{
  return s_periodFilter;
}

// Inbound TLS per day and sending domain.
const std::string& verdictTlsByDaySql()
{
  static const std::string sql =
      std::string("SELECT v.received_at::date::text AS day,"
                  " v.from_domain AS sending_domain, count(*) AS messages,"
                  " count(*) FILTER (WHERE v.tls_version IS NOT NULL) AS over_tls,"
                  " round(100.0 * count(*) FILTER (WHERE v.tls_version IS NOT NULL) / count(*), 1) "
                  "AS tls_pct"
                  " FROM verdict v") +
      s_periodFilter + " GROUP BY 1, 2 ORDER BY 1, messages DESC, 2 LIMIT $4::bigint";
  return sql;
}

// Inbound protocol versions per day.
const std::string& verdictTlsVersionsSql()
{
  static const std::string sql =
      std::string(
          "SELECT v.received_at::date::text AS day,"
          " coalesce(v.tls_version, 'cleartext') AS version, count(*) AS messages FROM verdict v") +
      s_periodFilter + " GROUP BY 1, 2 ORDER BY 1, messages DESC, 2 LIMIT $4::bigint";
  return sql;
}

// Inbound ciphers.
const std::string& verdictTlsCiphersSql()
{
  static const std::string sql =
      std::string("SELECT v.tls_version AS version, v.tls_cipher AS cipher, v.tls_bits AS bits, "
                  "count(*) AS messages"
                  " FROM verdict v") +
      s_periodFilter +
      " AND v.tls_version IS NOT NULL GROUP BY 1, 2, 3 ORDER BY messages DESC, 1, 2, 3"
      " LIMIT $4::bigint";
  return sql;
}

// Inbound client certificate verification.
const std::string& verdictTlsVerifySql()
{
  static const std::string sql =
      std::string(
          "SELECT coalesce(nullif(v.tls_verify, ''), 'unknown') AS verify, count(*) AS messages"
          " FROM verdict v") +
      s_periodFilter +
      " AND v.tls_version IS NOT NULL GROUP BY 1 ORDER BY messages DESC, 1 LIMIT $4::bigint";
  return sql;
}

// Sending domains that delivered in cleartext.
const std::string& verdictCleartextSendersSql()
{
  static const std::string sql =
      std::string(
          "SELECT v.from_domain AS sending_domain, count(*) AS messages,"
          " count(DISTINCT v.client_ip) AS sources, host(min(v.client_ip)) AS example_source,"
          " max(v.received_at)::text AS last_seen FROM verdict v") +
      s_periodFilter +
      " AND v.tls_version IS NULL GROUP BY 1 ORDER BY messages DESC, 1 LIMIT $4::bigint";
  return sql;
}

// Our own overrides: which reason, and for an ARC override which trusted
// sealer vouched (sql/0007_arc.sql), with the comment the aggregate report
// carries.
const std::string& verdictOverridesSql()
{
  static const std::string sql =
      std::string("SELECT o.reason::text AS reason,"
                  " nullif(v.arc_trusted_sealer, '') AS trusted_sealer, o.comment,"
                  " count(*) AS messages, count(DISTINCT v.from_domain) AS from_domains"
                  " FROM verdict v, unnest(v.override_reasons, v.override_comments)"
                  " AS o(reason, comment)") +
      s_periodFilter + " GROUP BY 1, 2, 3 ORDER BY messages DESC, 1, 2, 3 LIMIT $4::bigint";
  return sql;
}

const char* verdictFailureClaimSql()
{
  return "SELECT s.mail_from, s.rcpt_to, s.headers, s.headers_truncated, s.attempts,"
         " extract(epoch FROM now() - s.stored_at)::bigint,"
         " extract(epoch FROM v.received_at)::bigint, v.reporting_host,"
         " coalesce(host(v.client_ip), ''), v.queue_id, v.from_domain, v.dmarc_result::text,"
         " v.dkim_aligned, v.spf_aligned, coalesce(v.policy_domain, ''), v.policy_ruf,"
         " coalesce(v.policy_fo, '0'), v.org_domain, v.disposition_applied::text,"
         " v.spf_domain, v.spf_scope::text, v.spf_result::text,"
         " v.dkim_domains, v.dkim_selectors, v.dkim_results::text[], v.mail_from_domain"
         // The sample's received_at names the verdict's day partition
         // (sql/0014_resend_window.sql): one partition is read, not one index
         // probe in each.
         " FROM failure_sample s"
         " JOIN verdict v ON v.message_key = s.message_key AND v.received_at = s.received_at"
         " WHERE s.message_key = $1::uuid AND s.state = 'pending'"
         " FOR UPDATE OF s SKIP LOCKED";
}

const char* verdictCountBeforeDaySql()
{
  return "SELECT count(*) FROM verdict WHERE received_at <"
         " $1::date::timestamp AT TIME ZONE 'UTC'";
}

const char* verdictDeleteBeforeDaySql()
{
  return "DELETE FROM verdict WHERE (id, received_at) IN ("
         " SELECT id, received_at FROM verdict WHERE received_at < $1::date::timestamp"
         " AT TIME ZONE 'UTC' ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)";
}
} // namespace dmarc
