// cmd_summary.cc: the `summary` subcommand; see cmd_summary.hh. Each
// section is one parameterised GROUP BY; the output is a list of tables.
#include "reporting/overview/cmd_summary.hh"

#include <algorithm>
#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <sysexits.h>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/adapters/store/verdict_schema.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/overview/overview_queries.hh"
#include "reporting/overview/report_period.hh"
#include "reporting/overview/source_name_cache.hh"
#include "reporting/subcommand.hh"

namespace dmarc
{
namespace
{
using Json = nlohmann::json;

struct QuerySection
{
  const char* name;
  const char* title;
  const char* sql; // $1 first day, $2 end day (dates in the session's zone), $3 domains
                   // (text[], empty: all), $4 row limit
};

// Pass = DMARC pass as the reporter evaluated it: aligned DKIM or SPF
// (RFC 7489 §3; policy_evaluated holds the aligned results).
constexpr const char* s_reportFilter =
    " WHERE r.date_begin >= $1::date AND r.date_begin < $2::date"
    " AND (cardinality($3::text[]) = 0 OR r.policy_domain = ANY($3::text[]))";

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

// The tables from the aggregate reports.
std::vector<QuerySection> reportSections()
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
  // Failure reports (sql/0008): those others sent about our domains, and
  // those we sent (one row per report and address).
  static const std::string failuresReceived =
      "SELECT reported_domain AS domain, reporter, count(*) AS reports,"
      " count(DISTINCT source_ip) AS sources,"
      " string_agg(DISTINCT nullif(delivery_result, ''), ', ') AS delivery_results,"
      " max(received_at)::text AS last_received FROM failure_report_received"
      " WHERE received_at >= $1::date AND received_at < $2::date"
      " AND (cardinality($3::text[]) = 0 OR reported_domain = ANY($3::text[]))"
      " GROUP BY 1, 2 ORDER BY reports DESC, 1, 2 LIMIT $4::bigint";
  static const std::string failuresSent =
      "SELECT policy_domain AS domain, count(DISTINCT message_key) AS messages,"
      " count(*) AS reports, count(DISTINCT destination) AS addresses,"
      " max(sent_at)::text AS last_sent FROM failure_delivery"
      " WHERE sent_at >= $1::date AND sent_at < $2::date"
      " AND (cardinality($3::text[]) = 0 OR policy_domain = ANY($3::text[]))"
      " GROUP BY 1 ORDER BY messages DESC, 1 LIMIT $4::bigint";
  return {
      {"dmarc_by_reporter", "DMARC pass rate by reporter (aggregate reports received)",
       byReporter.c_str()},
      {"dmarc_by_source", "DMARC pass rate by source", bySource.c_str()},
      {"dmarc_failing_sources", "Sources failing alignment (neither DKIM nor SPF aligned)",
       failing.c_str()},
      {"dmarc_override_reasons", "Override reasons receivers reported (failing mail delivered)",
       reportedOverridesSql().c_str()},
      {"failure_reports_received", "Failure reports received (RFC 9991), by domain and reporter",
       failuresReceived.c_str()},
      {"failure_reports_sent", "Failure reports we sent, by policy domain", failuresSent.c_str()},
  };
}

// The tables of TLS (TLS-RPT reports, then our inbound sessions), and our
// own overrides with the trusted ARC sealer that lifted the policy.
std::vector<QuerySection> laterSections()
{
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
          " WHERE r.date_begin >= $1::date AND r.date_begin < $2::date"
          " AND (cardinality($3::text[]) = 0 OR p.policy_domain = ANY($3::text[]))") +
      " GROUP BY 1, 2, 3 ORDER BY failed DESC, 1, 2, 3 LIMIT $4::bigint";
  static const std::string tlsrptFailures =
      std::string("SELECT p.policy_domain AS domain, f.result_type, f.receiving_mx_hostname AS mx,"
                  " sum(f.failed_sessions) AS failed_sessions, count(DISTINCT r.id) AS reports,"
                  " string_agg(DISTINCT nullif(f.failure_reason_code, ''), ', ') AS reason_codes"
                  " FROM ingested_tlsrpt_report r JOIN ingested_tlsrpt_policy p ON p.report = r.id"
                  " JOIN ingested_tlsrpt_failure f ON f.policy = p.id"
                  " WHERE r.date_begin >= $1::date AND r.date_begin < $2::date"
                  " AND (cardinality($3::text[]) = 0 OR p.policy_domain = ANY($3::text[]))") +
      " GROUP BY 1, 2, 3 ORDER BY failed_sessions DESC, 1, 2, 3 LIMIT $4::bigint";
  return {
      {"tlsrpt_sessions", "TLS-RPT sessions by reporter", tlsrptTotals.c_str()},
      {"tlsrpt_failures", "TLS-RPT failures by type and MX", tlsrptFailures.c_str()},
      {"inbound_tls_by_day", "Inbound TLS per day and sending domain (our verdicts)",
       verdictTlsByDaySql().c_str()},
      {"inbound_tls_versions", "Inbound protocol versions per day",
       verdictTlsVersionsSql().c_str()},
      {"inbound_tls_ciphers", "Inbound ciphers", verdictTlsCiphersSql().c_str()},
      {"inbound_tls_verify", "Inbound client certificate verification",
       verdictTlsVerifySql().c_str()},
      {"inbound_cleartext_senders", "Sending domains that delivered in cleartext",
       verdictCleartextSendersSql().c_str()},
      {"inbound_overrides",
       "Inbound verdicts not applied as published, by reason (and trusted ARC sealer)",
       verdictOverridesSql().c_str()},
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

void printText(std::ostream& out, const std::string& title, const std::vector<std::string>& columns,
               const std::vector<std::vector<Json>>& rows)
{
  out << "\n" << printable(title) << "\n";
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

// A table cell of the overview as JSON: its counts and percentages as
// numbers; "", "-" and "no data" (a day without any) as null; anything
// else as text.
Json tableCell(const std::string& text)
{
  static const std::regex integer("-?[0-9]{1,18}");
  static const std::regex decimal("-?[0-9]{1,18}\\.[0-9]+");
  if (text.empty() || text == "-" || text == "no data") {
    return nullptr;
  }
  if (std::regex_match(text, integer)) {
    return std::stoll(text);
  }
  if (std::regex_match(text, decimal)) {
    return std::stod(text);
  }
  return text;
}

// The JSON name of an overview figure: its chart's id, else the section's
// id and the figure's title ("inbound_key_figures").
std::string figureName(const Section& section, const Figure& figure)
{
  std::string name = figure.chart ? figure.chart->id : section.id + "-" + figure.title;
  for (char& c : name) {
    c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  return name;
}

struct Output
{
  bool json = false;
  Json document;
};

void emit(Output& output, const std::string& name, const std::string& title,
          const std::vector<std::string>& columns, const std::vector<std::vector<Json>>& rows)
{
  if (!output.json) {
    printText(std::cout, title, columns, rows);
    return;
  }
  Json objects = Json::array();
  for (const auto& row : rows) {
    Json object = Json::object();
    for (std::size_t i = 0; i < row.size() && i < columns.size(); ++i) {
      object[columns[i]] = row[i];
    }
    objects.push_back(std::move(object));
  }
  output.document["sections"][name] = std::move(objects);
}

// The overview's figures as summary sections: the table under each chart.
void emitFigures(Output& output, const Section& section, const std::vector<Figure>& figures)
{
  for (const auto& figure : figures) {
    std::vector<std::vector<Json>> rows;
    // A chart without data has no table on the page either: no rows.
    const bool empty = figure.chart && !figure.chart->hasData();
    for (const auto& row : empty ? std::vector<std::vector<std::string>>{} : figure.table.rows) {
      std::vector<Json> values;
      for (std::size_t i = 0; i < row.size(); ++i) {
        values.push_back(i == 0 ? Json(row[i]) : tableCell(row[i]));
      }
      rows.push_back(std::move(values));
    }
    emit(output, figureName(section, figure), section.title + ": " + figure.title,
         figure.table.columns, rows);
  }
}

void emitQuery(Output& output, pqxx::transaction_base& tx, const QuerySection& section,
               const OverviewQuery& query)
{
  const pqxx::result result =
      tx.exec_params(section.sql, query.firstDay, query.endDay, pgArrayLiteral(query.domains),
                     std::to_string(query.limit));
  std::vector<std::string> columns;
  for (pqxx::row::size_type i = 0; i < result.columns(); ++i) {
    columns.emplace_back(result.column_name(i));
  }
  std::vector<std::vector<Json>> rows;
  for (const auto& row : result) {
    std::vector<Json> values;
    for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
      values.push_back(cell(row[i]));
    }
    rows.push_back(std::move(values));
  }
  emit(output, section.name, section.title, columns, rows);
}

// Every section, in the order printed: the report tables of the summary's
// own queries, the sources by organisation, the milter's own outcomes (the
// overview's figures, the same queries) and the TLS tables.
void summarise(pqxx::transaction_base& tx, const OverviewQuery& query, Output& output)
{
  for (const auto& section : reportSections()) {
    emitQuery(output, tx, section, query);
  }
  Section reports;
  reports.id = "dmarc";
  reports.title = "Our domains as others see them";
  // Names as the overview cached them: summary asks no DNS.
  emitFigures(output, reports,
              {sendingSourcesFigure(tx, query, [&](const std::vector<std::string>& addresses) {
                return storedSourceNames(tx, addresses);
              })});
  Section inbound = inboundSection(tx, query);
  // Overrides come from laterSections, which also names the ARC sealer.
  std::erase_if(inbound.figures,
                [](const Figure& f) { return f.chart && f.chart->id == "inbound-overrides"; });
  emitFigures(output, inbound, inbound.figures);
  for (const auto& section : laterSections()) {
    emitQuery(output, tx, section, query);
  }
}
} // namespace

int summaryCommand(const ReportArguments& args)
{
  const PeriodArgs periodArgs = periodArguments(args);
  std::vector<std::string> domains;
  for (const auto& domain : args.list(ReportOption::PeriodDomain)) {
    domains.push_back(toLowerAscii(domain));
  }
  const bool json = args.flag(ReportOption::Json);
  const auto db = connectDatabase(args);
  pqxx::work tx(*db); // read only, but the overview's queries make temporary tables
  const auto period = sessionPeriod(tx, periodArgs, 7);
  if (!period) {
    throw UsageError(
        "unknown time zone " +
        printable(periodArgs.timeZone.empty() ? defaultTimeZone() : periodArgs.timeZone) +
        " (an IANA name such as Europe/Berlin)");
  }
  const OverviewQuery query{period->firstDay, period->endDay, domains,
                            static_cast<std::size_t>(*args.number(ReportOption::SummaryLimit))};
  Output output;
  output.json = json;
  const auto bounds = tx.exec_params("SELECT extract(epoch FROM $1::date::timestamptz)::bigint,"
                                     " extract(epoch FROM $2::date::timestamptz)::bigint",
                                     query.firstDay, query.endDay)
                          .front();
  output.document = {{"begin", bounds[0].as<long long>()}, {"end", bounds[1].as<long long>()},
                     {"first_day", query.firstDay},        {"end_day", query.endDay},
                     {"time_zone", period->timeZone},      {"domains", domains}};
  if (!json) {
    std::cout << "Summary for "
              << (domains.empty() ? std::string("all domains") : printable(pgArrayLiteral(domains)))
              << ", " << query.firstDay << " to " << query.endDay << " ("
              << printable(period->timeZone) << " days, [begin, end))\n";
  }
  summarise(tx, query, output);
  if (json) {
    // error_handler replace: text from reports is stored as valid UTF-8
    // (pgText), but never let one byte make the output invalid JSON.
    std::cout << output.document.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
  }
  return EX_OK;
}
} // namespace dmarc
