// cmd_summary.cc: the `summary` subcommand; see cmd_summary.hh. Each
// section is one parameterised GROUP BY; the output is a list of tables.
#include "reporting/cmd_summary.hh"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <sysexits.h>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/pg_connection.hh"
#include "lib/adapters/pg_verdict_sql.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using Json = nlohmann::json;

const char* const s_usage =
    "usage: dmarc-reports summary [--database CONNINFO] [--password-file FILE] [--domain "
    "DOMAIN]...\n"
    "                             [--days N | --begin YYYY-MM-DD --end YYYY-MM-DD] [--limit N] "
    "[--json]\n"
    "Period: the last --days UTC days (default 7, today included) or [begin, end) in UTC.\n";

struct Section
{
  const char* name;
  const char* title;
  const char*
      sql; // $1 begin, $2 end (epoch seconds), $3 domains (text[], empty: all), $4 row limit
};

// Pass = DMARC pass as the reporter evaluated it: aligned DKIM or SPF
// (RFC 7489 §3; policy_evaluated holds the aligned results).
constexpr const char* s_reportFilter =
    " WHERE r.date_begin >= to_timestamp($1::bigint) AND r.date_begin < to_timestamp($2::bigint)"
    " AND (cardinality($3::text[]) = 0 OR r.policy_domain = ANY($3::text[]))";
constexpr const char* s_verdictFilter =
    " WHERE v.received_at >= to_timestamp($1::bigint) AND v.received_at < to_timestamp($2::bigint)"
    " AND (cardinality($3::text[]) = 0 OR v.rcpt_domains && $3::text[])";

// What receivers said when they delivered our failing mail anyway (RFC
// 9990 PolicyOverrideReason: a trusted forwarder, a mailing list, ...).
const std::string& reportedOverridesSql()
{
  static const std::string sql =
      std::string("SELECT r.policy_domain AS domain, r.org_name AS reporter, o.type AS reason,"
                  " o.comment, sum(c.message_count) AS messages"
                  " FROM ingested_dmarc_report r JOIN ingested_dmarc_record c ON c.report = r.id,"
                  " unnest(c.reason_types, c.reason_comments) AS o(type, comment)") +
      s_reportFilter + " GROUP BY 1, 2, 3, 4 ORDER BY messages DESC, 1, 2, 3, 4 LIMIT $4::bigint";
  return sql;
}

// Our own overrides: which reason, and for an ARC override which trusted
// sealer vouched (sql/0007_arc.sql), with the comment the aggregate report
// carries.
const std::string& inboundOverridesSql()
{
  static const std::string sql =
      std::string("SELECT o.reason::text AS reason,"
                  " nullif(v.arc_trusted_sealer, '') AS trusted_sealer, o.comment,"
                  " count(*) AS messages, count(DISTINCT v.from_domain) AS from_domains"
                  " FROM verdict v, unnest(v.override_reasons, v.override_comments)"
                  " AS o(reason, comment)") +
      s_verdictFilter + " GROUP BY 1, 2, 3 ORDER BY messages DESC, 1, 2, 3 LIMIT $4::bigint";
  return sql;
}

std::vector<Section> sections()
{
  static const std::string byReporter =
      std::string("SELECT r.policy_domain AS domain, r.org_name AS reporter, sum(c.message_count) "
                  "AS messages,"
                  " coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned = 'pass' OR "
                  "c.spf_aligned = 'pass'), 0)"
                  " AS passed, round(100.0 * coalesce(sum(c.message_count) FILTER (WHERE "
                  "c.dkim_aligned = 'pass' OR"
                  " c.spf_aligned = 'pass'), 0) / nullif(sum(c.message_count), 0), 1) AS pass_pct"
                  " FROM ingested_dmarc_report r JOIN ingested_dmarc_record c ON c.report = r.id") +
      s_reportFilter + " GROUP BY 1, 2 ORDER BY messages DESC, 1, 2 LIMIT $4::bigint";
  static const std::string bySource =
      std::string("SELECT r.policy_domain AS domain, host(c.source_ip) AS source_ip, "
                  "sum(c.message_count) AS messages,"
                  " coalesce(sum(c.message_count) FILTER (WHERE c.dkim_aligned = 'pass' OR "
                  "c.spf_aligned = 'pass'), 0)"
                  " AS passed, round(100.0 * coalesce(sum(c.message_count) FILTER (WHERE "
                  "c.dkim_aligned = 'pass' OR"
                  " c.spf_aligned = 'pass'), 0) / nullif(sum(c.message_count), 0), 1) AS pass_pct"
                  " FROM ingested_dmarc_report r JOIN ingested_dmarc_record c ON c.report = r.id") +
      s_reportFilter + " GROUP BY 1, 2 ORDER BY messages DESC, 1, 2 LIMIT $4::bigint";
  static const std::string failing =
      std::string(
          "SELECT r.policy_domain AS domain, host(c.source_ip) AS source_ip, c.header_from,"
          " sum(c.message_count) AS messages, string_agg(DISTINCT r.org_name, ', ') AS reporters,"
          " string_agg(DISTINCT coalesce(c.disposition::text, ''), ', ') AS dispositions"
          " FROM ingested_dmarc_report r JOIN ingested_dmarc_record c ON c.report = r.id") +
      s_reportFilter +
      " AND c.dkim_aligned <> 'pass' AND c.spf_aligned <> 'pass'"
      " GROUP BY 1, 2, 3 ORDER BY messages DESC, 1, 2, 3 LIMIT $4::bigint";
  static const std::string tlsrptTotals =
      std::string(
          "SELECT p.policy_domain AS domain, r.organization_name AS reporter, p.policy_type,"
          " sum(p.successful_sessions) AS successful, sum(p.failed_sessions) AS failed,"
          " round(100.0 * sum(p.failed_sessions) / nullif(sum(p.successful_sessions + "
          "p.failed_sessions), 0),"
          " 2) AS failed_pct,"
          // How the reports were authenticated (sql/0005): pass, fail (kept
          // with --no-tlsrpt-dkim), file or unchecked; an admin should know
          // that a figure rests on unauthenticated mail.
          " string_agg(DISTINCT r.dkim_check, ', ' ORDER BY r.dkim_check) AS dkim"
          " FROM ingested_tlsrpt_report r JOIN ingested_tlsrpt_policy p ON "
          "p.report = r.id"
          " WHERE r.date_begin >= to_timestamp($1::bigint) AND r.date_begin < "
          "to_timestamp($2::bigint)"
          " AND (cardinality($3::text[]) = 0 OR p.policy_domain = ANY($3::text[]))") +
      " GROUP BY 1, 2, 3 ORDER BY failed DESC, 1, 2, 3 LIMIT $4::bigint";
  static const std::string tlsrptFailures =
      std::string("SELECT p.policy_domain AS domain, f.result_type, f.receiving_mx_hostname AS mx,"
                  " sum(f.failed_sessions) AS failed_sessions, count(DISTINCT r.id) AS reports,"
                  " string_agg(DISTINCT nullif(f.failure_reason_code, ''), ', ') AS reason_codes"
                  " FROM ingested_tlsrpt_report r JOIN ingested_tlsrpt_policy p ON p.report = r.id"
                  " JOIN ingested_tlsrpt_failure f ON f.policy = p.id"
                  " WHERE r.date_begin >= to_timestamp($1::bigint) AND r.date_begin < "
                  "to_timestamp($2::bigint)"
                  " AND (cardinality($3::text[]) = 0 OR p.policy_domain = ANY($3::text[]))") +
      " GROUP BY 1, 2, 3 ORDER BY failed_sessions DESC, 1, 2, 3 LIMIT $4::bigint";
  static const std::string tlsByDay =
      std::string("SELECT (v.received_at AT TIME ZONE 'UTC')::date::text AS day,"
                  " v.from_domain AS sending_domain, count(*) AS messages,"
                  " count(*) FILTER (WHERE v.tls_version IS NOT NULL) AS over_tls,"
                  " round(100.0 * count(*) FILTER (WHERE v.tls_version IS NOT NULL) / count(*), 1) "
                  "AS tls_pct"
                  " FROM verdict v") +
      s_verdictFilter + " GROUP BY 1, 2 ORDER BY 1, messages DESC, 2 LIMIT $4::bigint";
  static const std::string tlsVersions =
      std::string(
          "SELECT (v.received_at AT TIME ZONE 'UTC')::date::text AS day,"
          " coalesce(v.tls_version, 'cleartext') AS version, count(*) AS messages FROM verdict v") +
      s_verdictFilter + " GROUP BY 1, 2 ORDER BY 1, messages DESC, 2 LIMIT $4::bigint";
  static const std::string tlsCiphers =
      std::string("SELECT v.tls_version AS version, v.tls_cipher AS cipher, v.tls_bits AS bits, "
                  "count(*) AS messages"
                  " FROM verdict v") +
      s_verdictFilter +
      " AND v.tls_version IS NOT NULL GROUP BY 1, 2, 3 ORDER BY messages DESC, 1, 2, 3"
      " LIMIT $4::bigint";
  static const std::string tlsVerify =
      std::string(
          "SELECT coalesce(nullif(v.tls_verify, ''), 'unknown') AS verify, count(*) AS messages"
          " FROM verdict v") +
      s_verdictFilter +
      " AND v.tls_version IS NOT NULL GROUP BY 1 ORDER BY messages DESC, 1 LIMIT $4::bigint";
  static const std::string cleartext =
      std::string(
          "SELECT v.from_domain AS sending_domain, count(*) AS messages,"
          " count(DISTINCT v.client_ip) AS sources, host(min(v.client_ip)) AS example_source,"
          " max(v.received_at)::text AS last_seen FROM verdict v") +
      s_verdictFilter +
      " AND v.tls_version IS NULL GROUP BY 1 ORDER BY messages DESC, 1 LIMIT $4::bigint";
  return {
      {"dmarc_by_reporter", "DMARC pass rate by reporter (aggregate reports received)",
       byReporter.c_str()},
      {"dmarc_by_source", "DMARC pass rate by source", bySource.c_str()},
      {"dmarc_failing_sources", "Sources failing alignment (neither DKIM nor SPF aligned)",
       failing.c_str()},
      {"dmarc_override_reasons", "Override reasons receivers reported (failing mail delivered)",
       reportedOverridesSql().c_str()},
      {"tlsrpt_sessions", "TLS-RPT sessions by reporter", tlsrptTotals.c_str()},
      {"tlsrpt_failures", "TLS-RPT failures by type and MX", tlsrptFailures.c_str()},
      {"inbound_tls_by_day", "Inbound TLS per day and sending domain (our verdicts)",
       tlsByDay.c_str()},
      {"inbound_tls_versions", "Inbound protocol versions per day", tlsVersions.c_str()},
      {"inbound_tls_ciphers", "Inbound ciphers", tlsCiphers.c_str()},
      {"inbound_tls_verify", "Inbound client certificate verification", tlsVerify.c_str()},
      {"inbound_cleartext_senders", "Sending domains that delivered in cleartext",
       cleartext.c_str()},
      {"inbound_overrides",
       "Inbound verdicts not applied as published, by reason (and trusted ARC sealer)",
       inboundOverridesSql().c_str()},
  };
}

std::string printable(std::string_view text)
{
  std::string out;
  for (const char c : text.substr(0, 200)) {
    const auto byte = static_cast<unsigned char>(c);
    out.push_back(byte >= 32 && byte < 127 ? c : '?');
  }
  return out;
}

Json cell(const pqxx::field& field)
{
  if (field.is_null()) {
    return nullptr;
  }
  switch (field.type()) {
  case 20: // int8
  case 21: // int2
  case 23: // int4
    return field.as<long long>();
  case 1700: // numeric (sums and percentages)
  {
    const std::string text = field.c_str();
    if (text.find('.') == std::string::npos) {
      return std::stoll(text);
    }
    return std::stod(text);
  }
  default:
    return field.c_str();
  }
}

std::string cellText(const Json& value)
{
  if (value.is_null()) {
    return "-";
  }
  if (value.is_string()) {
    const std::string text = printable(value.get<std::string>());
    return text.empty() ? "\"\"" : text;
  }
  return value.dump();
}

void printText(std::ostream& out, const Section& section, const std::vector<std::string>& columns,
               const std::vector<std::vector<Json>>& rows)
{
  out << "\n" << section.title << "\n";
  if (rows.empty()) {
    out << "  (none)\n";
    return;
  }
  std::vector<std::size_t> widths(columns.size());
  std::vector<std::vector<std::string>> texts;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    widths[i] = columns[i].size();
  }
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line.push_back(cellText(row[i]));
      widths[i] = std::max(widths[i], line.back().size());
    }
    texts.push_back(std::move(line));
  }
  auto printRow = [&](const std::vector<std::string>& line) {
    out << " ";
    for (std::size_t i = 0; i < line.size(); ++i) {
      out << " " << line[i] << std::string(widths[i] - line[i].size(), ' ');
    }
    out << "\n";
  };
  printRow(columns);
  for (const auto& line : texts) {
    printRow(line);
  }
}

// YYYY-MM-DD of a UTC day boundary (the period is whole UTC days).
std::string isoDay(std::int64_t epoch)
{
  const std::time_t seconds = static_cast<std::time_t>(epoch);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char text[16];
  std::strftime(text, sizeof text, "%Y-%m-%d", &parts);
  return text;
}

bool parseDay(const std::string& text, std::int64_t& epoch)
{
  std::tm parts{};
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return false;
  }
  try {
    parts.tm_year = std::stoi(text.substr(0, 4)) - 1900;
    parts.tm_mon = std::stoi(text.substr(5, 2)) - 1;
    parts.tm_mday = std::stoi(text.substr(8, 2));
  } catch (const std::exception&) {
    return false;
  }
  if (parts.tm_mon < 0 || parts.tm_mon > 11 || parts.tm_mday < 1 || parts.tm_mday > 31) {
    return false;
  }
  epoch = timegm(&parts);
  return true;
}
} // namespace

int summaryCommand(int argc, char** argv)
{
  std::string database;
  std::string passwordFile;
  std::vector<std::string> domains;
  std::string begin;
  std::string end;
  long days = 7;
  long limit = 20;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto bad = [&](const std::string& why) {
      std::cerr << "dmarc-reports summary: " << why << "\n" << s_usage;
      return EX_USAGE;
    };
    if (arg == "--json") {
      json = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << s_usage;
      return EX_OK;
    } else if (arg == "--database" || arg == "--password-file" || arg == "--domain" ||
               arg == "--begin" || arg == "--end" || arg == "--days" || arg == "--limit") {
      if (i + 1 >= argc) {
        return bad(arg + " needs a value");
      }
      const std::string value = argv[++i];
      if (arg == "--database") {
        database = value;
      } else if (arg == "--password-file") {
        passwordFile = value;
      } else if (arg == "--domain") {
        std::string lowered = value;
        std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        domains.push_back(lowered);
      } else if (arg == "--begin") {
        begin = value;
      } else if (arg == "--end") {
        end = value;
      } else {
        char* rest = nullptr;
        const long number = std::strtol(value.c_str(), &rest, 10);
        if (rest == value.c_str() || *rest != '\0' || number < 1 || number > 100000) {
          return bad(arg + " takes a number from 1 to 100000");
        }
        (arg == "--days" ? days : limit) = number;
      }
    } else {
      return bad("unknown argument " + printable(arg));
    }
  }
  std::int64_t from = 0;
  std::int64_t to = 0;
  if (!begin.empty() || !end.empty()) {
    if (!parseDay(begin, from) || !parseDay(end, to) || to <= from) {
      std::cerr
          << "dmarc-reports summary: --begin and --end must both be YYYY-MM-DD, end after begin\n";
      return EX_USAGE;
    }
  } else {
    const std::int64_t now = std::time(nullptr);
    to = now - now % 86400 + 86400; // end of today, UTC
    from = to - days * 86400;
  }
  if (database.empty()) {
    if (const char* fromEnvironment = std::getenv("DMARC_DATABASE")) {
      database = fromEnvironment;
    }
  }
  try {
    std::unique_ptr<pqxx::connection> db;
    try {
      db = pgConnect(database, passwordFile, "dmarc-reports summary");
    } catch (const pqxx::broken_connection& error) {
      std::cerr << "dmarc-reports summary: " << pgConnectFailure(database, error) << "\n";
      return EX_UNAVAILABLE;
    }
    pqxx::read_transaction tx(*db);
    const std::string fromText = std::to_string(from);
    const std::string toText = std::to_string(to);
    const std::string domainArray = pgArrayLiteral(domains);
    const std::string limitText = std::to_string(limit);
    Json document;
    document["begin"] = from;
    document["end"] = to;
    document["domains"] = domains;
    if (!json) {
      std::cout << "Summary for "
                << (domains.empty() ? std::string("all domains") : printable(domainArray)) << ", "
                << isoDay(from) << " to " << isoDay(to) << " (UTC days, [begin, end))\n";
    }
    for (const auto& section : sections()) {
      const pqxx::result result =
          tx.exec_params(section.sql, fromText, toText, domainArray, limitText);
      std::vector<std::string> columns;
      for (pqxx::row::size_type i = 0; i < result.columns(); ++i) {
        columns.emplace_back(result.column_name(i));
      }
      std::vector<std::vector<Json>> rows;
      Json jsonRows = Json::array();
      for (const auto& row : result) {
        std::vector<Json> values;
        Json object = Json::object();
        for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
          values.push_back(cell(row[i]));
          object[columns[i]] = values.back();
        }
        rows.push_back(std::move(values));
        jsonRows.push_back(std::move(object));
      }
      if (json) {
        document["sections"][section.name] = std::move(jsonRows);
      } else {
        printText(std::cout, section, columns, rows);
      }
    }
    if (json) {
      // error_handler replace: text from reports is stored as valid UTF-8
      // (pgText), but never let one byte make the output invalid JSON.
      std::cout << document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    }
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports summary: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports summary: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports summary: " << error.what() << "\n";
    return EX_CONFIG;
  }
  return EX_OK;
}
} // namespace dmarc
