// overview_queries.cc: see overview_queries.hh. Parameters of every query:
// $1 first day, $2 end day (dates in the session's TimeZone, compared with
// timestamptz columns so that the indexes on them serve), $3 our domains
// (text[], empty: all) and, where a query has one, $4 the row limit.
#include "reporting/overview/overview_queries.hh"

#include <algorithm>
#include <unordered_map>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/adapters/store/verdict_schema.hh"

namespace dmarc
{
namespace
{
// The period ($1, $2: the day a report's period begins) and domains ($3)
// of the ingested reports, DMARC and TLS-RPT, by their domain column.
std::string reportFilter(const std::string& domainColumn = "domain")
{
  return " WHERE date_begin >= $1::date AND date_begin < $2::date"
         " AND (cardinality($3::text[]) = 0 OR " +
         domainColumn + " = ANY($3::text[]))";
}

// Text from a report or a client shown in a table cell is cut here; the
// page must stay readable and bounded whatever a reporter wrote.
constexpr std::size_t s_maxCell = 200;
// Findings and advice (our own sentences quoting records) get more room.
constexpr std::size_t s_maxProse = 4000;

struct Params
{
  std::string firstDay;
  std::string endDay;
  std::string domains;
  std::string limit;
};

Params paramsOf(const OverviewQuery& query)
{
  return {query.firstDay, query.endDay, pgArrayLiteral(query.domains), std::to_string(query.limit)};
}

pqxx::result run(pqxx::transaction_base& tx, const Params& p, const std::string& sql)
{
  return tx.exec_params(sql, p.firstDay, p.endDay, p.domains);
}

pqxx::result runLimited(pqxx::transaction_base& tx, const Params& p, const std::string& sql)
{
  return tx.exec_params(sql + " LIMIT $4::bigint", p.firstDay, p.endDay, p.domains, p.limit);
}

std::string cell(const pqxx::field& field, std::size_t most = s_maxCell)
{
  if (field.is_null()) {
    return "";
  }
  std::string text = field.c_str();
  if (text.size() > most) {
    std::size_t cut = most;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    text = text.substr(0, cut) + "\xE2\x80\xA6";
  }
  return text;
}

double number(const pqxx::field& field)
{
  return field.is_null() ? 0 : field.as<double>();
}

// Rows of (day, series, value[, total]) as daily points.
std::vector<DailyPoint> dailyPoints(const pqxx::result& result, bool withTotal = false)
{
  std::vector<DailyPoint> points;
  points.reserve(result.size());
  for (const auto& row : result) {
    points.push_back({cell(row[0]), cell(row[1]), number(row[2]), withTotal ? number(row[3]) : 0});
  }
  return points;
}

Figure dailyFigure(const DailyChartSpec& spec, const std::vector<std::string>& days,
                   const std::vector<DailyPoint>& points, const std::string& note)
{
  Figure figure;
  figure.title = spec.title;
  figure.note = note;
  figure.chart = dailyChart(spec, days, points);
  figure.table = chartTable(*figure.chart, "day");
  figure.tableOpen = days.size() <= 14;
  return figure;
}

// A ranking (sources, domains, reporters) as horizontal stacked bars, with
// the full table under it.
Figure rankingFigure(const std::string& id, const std::string& title, const std::string& note,
                     const std::vector<std::string>& categories, std::vector<ChartSeries> series,
                     Table table)
{
  Figure figure;
  figure.title = title;
  figure.note = note;
  Chart chart;
  chart.id = id;
  chart.title = title;
  chart.kind = ChartKind::StackedBars;
  chart.unit = "messages";
  chart.categories = categories;
  chart.series = std::move(series);
  figure.chart = std::move(chart);
  figure.table = std::move(table);
  return figure;
}

// A ranking straight from a query's rows: the first column names each bar,
// the columns `series` pairs with a series make its parts, and the table
// shows every column as it came.
Figure rankingOfRows(const std::string& id, const std::string& title, const std::string& note,
                     std::vector<std::string> columns, const pqxx::result& result,
                     std::vector<std::pair<pqxx::row::size_type, ChartSeries>> series)
{
  std::vector<std::string> categories;
  Table table;
  table.columns = std::move(columns);
  for (const auto& row : result) {
    categories.push_back(cell(row[0]));
    for (auto& [column, parts] : series) {
      parts.values.emplace_back(number(row[column]));
    }
    std::vector<std::string> cells;
    for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
      cells.push_back(cell(row[i]));
    }
    table.rows.push_back(std::move(cells));
  }
  std::vector<ChartSeries> bars;
  for (auto& one : series) {
    bars.push_back(std::move(one.second));
  }
  return rankingFigure(id, title, note, categories, std::move(bars), std::move(table));
}

Figure tableFigure(const std::string& title, const std::string& note, Table table)
{
  Figure figure;
  figure.title = title;
  figure.note = note;
  figure.table = std::move(table);
  return figure;
}

// Per `key` (a column of ingested_dmarc_report), its reports and the
// number of distinct `other` values, by two hash aggregations instead of
// count(DISTINCT ...), which sorts every group.
using ReportCounts = std::map<std::string, std::pair<std::string, std::string>>;

ReportCounts reportCounts(pqxx::transaction_base& tx, const Params& p, const std::string& key,
                          const std::string& other)
{
  ReportCounts counts;
  for (const auto& row :
       run(tx, p,
           "SELECT " + key + ", sum(reports), count(*) FROM (SELECT " + key + ", " + other +
               ", count(*) AS reports FROM ingested_dmarc_report" + reportFilter("policy_domain") +
               " GROUP BY 1, 2) AS pairs GROUP BY 1")) {
    counts[cell(row[0])] = {cell(row[1]), cell(row[2])};
  }
  return counts;
}

std::vector<std::string> daysOf(const OverviewQuery& query)
{
  return isoDays(query.firstDay, query.endDay);
}

// The verdicts of the period counted per day and per the few columns the
// daily charts and key figures split by: one pass over the verdicts (a
// year of a busy site is millions of rows) instead of one per chart. A
// temporary table of the transaction, made by whichever section needs it
// first; the period and domains are those of the one overview it serves.
constexpr const char* s_verdictDays = "overview_verdict_day";

void countVerdictDays(pqxx::transaction_base& tx, const Params& p)
{
  if (!tx.exec(std::string("SELECT to_regclass('pg_temp.") + s_verdictDays + "') IS NULL")
           .front()[0]
           .as<bool>()) {
    return;
  }
  // CREATE TABLE AS takes no parameters: create, then INSERT ... SELECT.
  tx.exec(std::string("CREATE TEMP TABLE ") + s_verdictDays +
          " (day date, dmarc_result text, disposition text, tls_version text, over_tls boolean,"
          " overridden boolean, messages bigint) ON COMMIT DROP");
  tx.exec_params(
      std::string("INSERT INTO ") + s_verdictDays +
          " SELECT day, dmarc_result::text, disposition_applied::text, tls_version,"
          " over_tls, cardinality(override_reasons) > 0, count(*) FROM overview_verdict v" +
          verdictPeriodFilter() +
          // By the enum values, not their text: cast once per group.
          " GROUP BY day, dmarc_result, disposition_applied, tls_version, over_tls, 6",
      p.firstDay, p.endDay, p.domains);
}

pqxx::result fromVerdictDays(pqxx::transaction_base& tx, const std::string& select,
                             const std::string& rest = "")
{
  return tx.exec(select + " FROM " + s_verdictDays + rest);
}

// A daily chart of the verdicts counted per day: `select` gives (day,
// series, value[, total]) rows, grouped by `groupBy`.
Figure verdictDailyFigure(pqxx::transaction_base& tx, const Params& p,
                          const std::vector<std::string>& days, const DailyChartSpec& spec,
                          const std::string& select, const std::string& groupBy,
                          const std::string& note, bool withTotal = false)
{
  countVerdictDays(tx, p);
  return dailyFigure(spec, days, dailyPoints(fromVerdictDays(tx, select, groupBy), withTotal),
                     note);
}

// The four figures that need no source address (pass rate, domains,
// receivers' policy, reporters) read the reports' sums (sql/0010), one row
// per report instead of every row of every report, in one pass grouped the
// four ways they need.
struct ReportTotal
{
  std::string name;
  double messages = 0, passed = 0;
};

struct ReportSums
{
  std::vector<DailyPoint> passRate;     // per day and domain: passed of messages
  std::vector<ReportTotal> domains;     // most mail first
  std::vector<DailyPoint> dispositions; // per day, the receivers' policy applied
  std::vector<ReportTotal> reporters;   // most mail first
};

void addDispositions(std::vector<DailyPoint>& points, const pqxx::row& row)
{
  static const char* const names[] = {"none", "quarantine", "reject", "other", "not stated"};
  for (pqxx::row::size_type i = 0; i < 5; ++i) {
    // A disposition counts on a day when some report stated it.
    if (number(row[6 + i]) > 0) {
      points.push_back({cell(row[1]), names[i], number(row[6 + i]), 0});
    }
  }
}

ReportSums sumReports(pqxx::transaction_base& tx, const Params& p)
{
  ReportSums sums;
  // GROUPING(): 1 per column not grouped by (day 4, domain 2, reporter 1).
  for (const auto& row :
       run(tx, p,
           std::string("SELECT GROUPING(day, domain, reporter), day::text, domain, reporter,"
                       " sum(messages), sum(passed), sum(disposition_none),"
                       " sum(disposition_quarantine), sum(disposition_reject),"
                       " sum(disposition_other), sum(disposition_not_stated)"
                       " FROM overview_dmarc_report") +
               reportFilter() +
               " GROUP BY GROUPING SETS ((day, domain), (domain), (reporter), (day))")) {
    const int grouping = row[0].as<int>();
    const double messages = number(row[4]);
    const double passed = number(row[5]);
    if (grouping == 1) {
      sums.passRate.push_back({cell(row[1]), cell(row[2]), passed, messages});
    } else if (grouping == 5) {
      sums.domains.push_back({cell(row[2]), messages, passed});
    } else if (grouping == 6) {
      sums.reporters.push_back({cell(row[3]), messages, passed});
    } else {
      addDispositions(sums.dispositions, row);
    }
  }
  for (auto* totals : {&sums.domains, &sums.reporters}) {
    std::sort(totals->begin(), totals->end(), [](const ReportTotal& a, const ReportTotal& b) {
      return a.messages != b.messages ? a.messages > b.messages : a.name < b.name;
    });
  }
  return sums;
}

// The DMARC record of each domain as the latest aggregate report quoted
// it, with what in it to tighten.
Figure publishedPolicyFigure(pqxx::transaction_base& tx, const OverviewQuery& query)
{
  const auto result = tx.exec_params(
      "SELECT domain, day::text, reporter, coalesce(policy_p::text, ''),"
      " coalesce(policy_sp::text, ''), coalesce(policy_np::text, ''), policy_pct,"
      " coalesce(policy_adkim::text, ''), coalesce(policy_aspf::text, ''),"
      " coalesce(policy_testing, false) FROM overview_dmarc_policy"
      " WHERE cardinality($1::text[]) = 0 OR domain = ANY($1::text[]) ORDER BY domain",
      pgArrayLiteral(query.domains));
  Table table;
  table.columns = {"domain", "reported on", "by", "p", "sp", "pct", "adkim", "aspf", "what to fix"};
  for (const auto& row : result) {
    const std::string policy = cell(row[3]);
    const std::string subdomains = cell(row[4]);
    const int pct = row[6].is_null() ? 100 : row[6].as<int>();
    std::vector<std::string> advice;
    if (policy == "none") {
      advice.emplace_back("p=none only monitors: once the pass rate above is steady, publish "
                          "p=quarantine, then p=reject");
    }
    if (subdomains == "none" && policy != "none") {
      advice.emplace_back("sp=none leaves subdomains unprotected");
    }
    if (pct < 100) {
      advice.emplace_back("pct=" + std::to_string(pct) +
                          " applies the policy to part of the failing mail only");
    }
    if (row[9].as<bool>()) {
      advice.emplace_back("t=y asks receivers to treat the policy as a test");
    }
    std::string fix;
    for (const auto& one : advice) {
      fix += (fix.empty() ? "" : "; ") + one;
    }
    table.rows.push_back({cell(row[0]), cell(row[1]), cell(row[2]), policy,
                          subdomains.empty() ? "(as p)" : subdomains,
                          row[6].is_null() ? "" : cell(row[6]), cell(row[7]), cell(row[8]),
                          fix.empty() ? "nothing in the record" : fix});
  }
  table.emptyText = "No aggregate report has quoted a policy of these domains yet.";
  return tableFigure("Published DMARC policy (as reported)", "", std::move(table));
}

// The latest stored `check` of each domain (sql/0009_posture_checks.sql),
// one row per check, problems first.
Figure latestChecksFigure(pqxx::transaction_base& tx, const OverviewQuery& query)
{
  const auto result = tx.exec_params(
      "SELECT domain, check_name, status, to_char(checked_at, 'YYYY-MM-DD HH24:MI'), host,"
      " finding, fix FROM overview_posture"
      " WHERE cardinality($1::text[]) = 0 OR domain = ANY($1::text[])"
      " ORDER BY domain, CASE status WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END,"
      " check_name",
      pgArrayLiteral(query.domains));
  Table table;
  table.columns = {"domain", "check", "status", "checked", "on host", "findings", "what to fix"};
  for (const auto& row : result) {
    table.rows.push_back({cell(row[0]), cell(row[1]), cell(row[2]), cell(row[3]), cell(row[4]),
                          cell(row[5], s_maxProse), cell(row[6], s_maxProse)});
  }
  table.emptyText = "No check has been run: \"dmarc-reports check DOMAIN...\" stores its "
                    "results here when it is given the database (dmarc-reports(8)).";
  return tableFigure("Latest check of each domain",
                     "Problems first. The time is when the check ran, in the page's time zone; "
                     "what DNS and the MX hosts answered may differ from another host.",
                     std::move(table));
}

Figure passRateFigure(const ReportSums& sums, const std::vector<std::string>& days)
{
  DailyChartSpec rate;
  rate.id = "dmarc-pass-rate";
  rate.title = "DMARC pass rate per domain and day";
  rate.kind = ChartKind::Line;
  rate.rate = true;
  rate.otherName = "other domains";
  return dailyFigure(
      rate, days, sums.passRate,
      "The eight domains with the most reported mail, the others together. A day without a "
      "line has no report.");
}

Figure domainsFigure(pqxx::transaction_base& tx, const Params& p, const ReportSums& sums)
{
  // Counted without DISTINCT aggregates (each one a sort per group): the
  // messages from the rows, the reports and reporters from the reports.
  ReportCounts reports = reportCounts(tx, p, "policy_domain", "org_name");
  Table table;
  table.columns = {"domain", "reports", "reporters", "messages", "passed", "pass %", "failed"};
  for (const auto& domain : sums.domains) {
    const auto& counts = reports[domain.name];
    table.rows.push_back({domain.name, counts.first, counts.second, countText(domain.messages),
                          countText(domain.passed), percentText(domain.passed, domain.messages),
                          countText(domain.messages - domain.passed)});
  }
  return tableFigure("Domains", "Every domain reported on, most mail first.", std::move(table));
}

struct Source
{
  std::string address;
  double messages = 0, passed = 0, bothBroke = 0, spfBroke = 0, dkimBroke = 0;
};
using SourceNames = std::map<std::string, SourceName>;

// Per source address, largest first.
std::vector<Source> countSources(pqxx::transaction_base& tx, const Params& p)
{
  std::vector<Source> sources;
  for (const auto& row :
       run(tx, p,
           std::string(
               "SELECT host(source_ip), sum(messages),"
               " coalesce(sum(messages) FILTER (WHERE dmarc_pass), 0),"
               " coalesce(sum(messages) FILTER (WHERE NOT dkim_aligned AND NOT spf_aligned), 0),"
               " coalesce(sum(messages) FILTER (WHERE dkim_aligned AND NOT spf_aligned), 0),"
               " coalesce(sum(messages) FILTER (WHERE spf_aligned AND NOT dkim_aligned), 0)"
               " FROM overview_dmarc_record") +
               // By the address, not its text: hashing an inet is cheaper.
               reportFilter() + " GROUP BY source_ip ORDER BY 2 DESC, 1")) {
    sources.push_back({cell(row[0]), number(row[1]), number(row[2]), number(row[3]), number(row[4]),
                       number(row[5])});
  }
  return sources;
}

// Names of the largest sources (none without a namer).
SourceNames nameSources(const std::vector<Source>& sources, const SourceNamer& namer)
{
  if (!namer) {
    return {};
  }
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < sources.size() && i < g_maxNamedSources; ++i) {
    addresses.push_back(sources[i].address);
  }
  return namer(addresses);
}

SourceName nameOf(const SourceNames& names, const std::string& address)
{
  const auto found = names.find(address);
  return found == names.end() ? SourceName{} : found->second;
}

// Sources grouped by organisation (sourceLabel), largest first.
Figure sourceGroupsFigure(const std::vector<Source>& sources, const SourceNames& names,
                          const OverviewQuery& query, bool named)
{
  struct Group
  {
    std::string label;
    double messages = 0, passed = 0;
    std::size_t addresses = 0;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, std::size_t> index;
  for (const auto& source : sources) {
    const std::string label = sourceLabel(source.address, nameOf(names, source.address));
    auto [it, added] = index.emplace(label, groups.size());
    if (added) {
      groups.push_back({label});
    }
    Group& group = groups[it->second];
    group.messages += source.messages;
    group.passed += source.passed;
    ++group.addresses;
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.messages > b.messages; });
  if (groups.size() > query.limit) {
    groups.resize(query.limit);
  }
  std::vector<std::string> categories;
  ChartSeries passed{"passed", {}, Tone::Good};
  ChartSeries failed{"failed", {}, Tone::Bad};
  Table table;
  table.columns = {"source", "addresses", "messages", "passed", "failed", "pass %"};
  for (const auto& group : groups) {
    categories.push_back(group.label);
    passed.values.emplace_back(group.passed);
    failed.values.emplace_back(group.messages - group.passed);
    table.rows.push_back({group.label, std::to_string(group.addresses), countText(group.messages),
                          countText(group.passed), countText(group.messages - group.passed),
                          percentText(group.passed, group.messages)});
  }
  return rankingFigure(
      "dmarc-sources", "Volume by sending source",
      named ? "Sources grouped by organisation: the registrable domain of their "
              "forward-confirmed reverse DNS name (the largest " +
                  std::to_string(g_maxNamedSources) +
                  " addresses are looked up); a source without one stays its address."
            : "Sources by address (reverse DNS was not asked for: --no-reverse-dns).",
      categories, {passed, failed}, std::move(table));
}

// The sources where DKIM or SPF was not aligned, and which broke.
Figure failingSourcesFigure(pqxx::transaction_base& tx, const Params& p,
                            const std::vector<Source>& sources, const SourceNames& names,
                            const OverviewQuery& query)
{
  std::vector<const Source*> failing;
  for (const auto& source : sources) {
    if (source.bothBroke + source.spfBroke + source.dkimBroke > 0) {
      failing.push_back(&source);
    }
  }
  std::stable_sort(failing.begin(), failing.end(), [](const Source* a, const Source* b) {
    return std::make_pair(a->bothBroke, a->spfBroke + a->dkimBroke) >
           std::make_pair(b->bothBroke, b->spfBroke + b->dkimBroke);
  });
  if (failing.size() > query.limit) {
    failing.resize(query.limit);
  }
  // Which domains and reporters, for the few sources shown only.
  std::vector<std::string> shown;
  for (const Source* source : failing) {
    shown.push_back(source->address);
  }
  std::map<std::string, std::pair<std::string, std::string>> seenBy;
  if (!shown.empty()) {
    for (const auto& row : tx.exec_params(
             std::string("SELECT host(source_ip),"
                         " array_to_string((array_agg(DISTINCT domain))[1:3], ', ')"
                         "   || CASE WHEN count(DISTINCT domain) > 3 THEN ', ...' ELSE '' END,"
                         " array_to_string((array_agg(DISTINCT reporter))[1:3], ', ')"
                         "   || CASE WHEN count(DISTINCT reporter) > 3 THEN ', ...' ELSE '' END"
                         " FROM overview_dmarc_record") +
                 reportFilter() + " AND source_ip = ANY($4::inet[]) GROUP BY 1",
             p.firstDay, p.endDay, p.domains, pgArrayLiteral(shown))) {
      seenBy[cell(row[0])] = {cell(row[1]), cell(row[2])};
    }
  }
  std::vector<std::string> categories;
  ChartSeries both{"DMARC failed: neither aligned", {}, Tone::Bad};
  ChartSeries spf{"SPF not aligned (DKIM carried it)", {}, Tone::Warn};
  ChartSeries dkim{"DKIM not aligned (SPF carried it)", {}, Tone::Auto};
  Table table;
  table.columns = {"source",
                   "reverse DNS",
                   "domains",
                   "reporters",
                   "messages",
                   "DMARC failed",
                   "SPF not aligned, DKIM passed",
                   "DKIM not aligned, SPF passed"};
  for (const Source* source : failing) {
    const SourceName name = nameOf(names, source->address);
    categories.push_back(source->address);
    both.values.emplace_back(source->bothBroke);
    spf.values.emplace_back(source->spfBroke);
    dkim.values.emplace_back(source->dkimBroke);
    table.rows.push_back(
        {source->address,
         name.ptrName.empty() ? "" : name.ptrName + (name.confirmed ? "" : " (unconfirmed)"),
         seenBy[source->address].first, seenBy[source->address].second, countText(source->messages),
         countText(source->bothBroke), countText(source->spfBroke), countText(source->dkimBroke)});
  }
  return rankingFigure(
      "dmarc-failing-sources", "Sources that fail, and what broke",
      "Messages by source address where DKIM or SPF was not aligned. Neither aligned is a "
      "DMARC failure (a forwarder, a service sending as us without our signature, or a "
      "forgery); one broken is a warning that mail depends on the other alone.",
      categories, {both, spf, dkim}, std::move(table));
}

Figure receiverPolicyFigure(const ReportSums& sums, const std::vector<std::string>& days)
{
  DailyChartSpec applied;
  applied.id = "dmarc-receiver-policy";
  applied.title = "Policy applied by receivers per day";
  applied.order = {{"none", Tone::Good}, {"quarantine", Tone::Warn}, {"reject", Tone::Bad}};
  return dailyFigure(
      applied, days, sums.dispositions,
      "What the reporting receivers did with the mail (policy_evaluated disposition).");
}

Figure reportersFigure(pqxx::transaction_base& tx, const Params& p, const ReportSums& sums,
                       std::size_t limit)
{
  ReportCounts reports = reportCounts(tx, p, "org_name", "policy_domain");
  std::vector<std::string> categories;
  ChartSeries passed{"passed", {}, Tone::Good};
  ChartSeries failed{"failed", {}, Tone::Bad};
  Table table;
  table.columns = {"reporter", "reports", "domains", "messages", "passed", "pass %"};
  for (std::size_t i = 0; i < sums.reporters.size() && i < limit; ++i) {
    const ReportTotal& total = sums.reporters[i];
    const std::string reporter = total.name.empty() ? "(no name)" : total.name;
    categories.push_back(reporter);
    passed.values.emplace_back(total.passed);
    failed.values.emplace_back(total.messages - total.passed);
    table.rows.push_back({reporter, reports[total.name].first, reports[total.name].second,
                          countText(total.messages), countText(total.passed),
                          percentText(total.passed, total.messages)});
  }
  return rankingFigure("dmarc-reporters", "Reporters",
                       "Who sent the reports, and how much mail they saw.", categories,
                       {passed, failed}, std::move(table));
}

Figure inboundKeyFigure(pqxx::transaction_base& tx, const Params& p)
{
  countVerdictDays(tx, p);
  const auto row = fromVerdictDays(tx, "SELECT coalesce(sum(messages), 0),"
                                       " sum(messages) FILTER (WHERE dmarc_result = 'pass'),"
                                       " sum(messages) FILTER (WHERE dmarc_result = 'fail'),"
                                       " sum(messages) FILTER (WHERE disposition = 'reject'),"
                                       " sum(messages) FILTER (WHERE disposition = 'quarantine'),"
                                       " sum(messages) FILTER (WHERE disposition = 'tempfail'),"
                                       " sum(messages) FILTER (WHERE overridden)")
                       .front();
  Table table;
  table.columns = {"figure", "messages", "share %"};
  const double total = number(row[0]);
  const char* const names[] = {"messages judged",  "DMARC pass",        "DMARC fail",
                               "rejected",         "held (quarantine)", "deferred (tempfail)",
                               "policy overridden"};
  for (pqxx::row::size_type i = 0; i < 7; ++i) {
    table.rows.push_back({names[i], countText(number(row[i])), percentText(number(row[i]), total)});
  }
  if (total == 0) {
    table.rows.clear();
    table.emptyText = "The milter judged no mail to these domains in this period.";
  }
  return tableFigure("Key figures", "", std::move(table));
}

Figure inboundResultsFigure(pqxx::transaction_base& tx, const Params& p,
                            const std::vector<std::string>& days)
{
  DailyChartSpec results;
  results.id = "inbound-dmarc-results";
  results.title = "Messages per day by DMARC result";
  results.order = {{"pass", Tone::Good}, {"fail", Tone::Bad}, {"none", Tone::Muted}};
  return verdictDailyFigure(tx, p, days, results, "SELECT day::text, dmarc_result, sum(messages)",
                            " GROUP BY 1, 2", "none: the From domain publishes no DMARC record.");
}

Figure inboundDispositionsFigure(pqxx::transaction_base& tx, const Params& p,
                                 const std::vector<std::string>& days)
{
  DailyChartSpec dispositions;
  dispositions.id = "inbound-dispositions";
  dispositions.title = "Messages per day by what we did";
  dispositions.order = {{"delivered", Tone::Good},
                        {"quarantine", Tone::Warn},
                        {"reject", Tone::Bad},
                        {"tempfail", Tone::Auto}};
  return verdictDailyFigure(
      tx, p, days, dispositions,
      "SELECT day::text, CASE WHEN disposition IN ('none', 'pass')"
      " THEN 'delivered' ELSE disposition END, sum(messages)",
      " GROUP BY 1, 2",
      "The disposition applied after local overrides: quarantine is held in the MTA's queue, "
      "tempfail deferred the message.");
}

Figure failingFromFigure(pqxx::transaction_base& tx, const Params& p)
{
  const auto result = runLimited(
      tx, p,
      std::string("SELECT from_domain, count(*), count(DISTINCT client_ip),"
                  " count(*) FILTER (WHERE disposition_applied = 'reject'),"
                  " count(*) FILTER (WHERE disposition_applied = 'quarantine'),"
                  " count(*) FILTER (WHERE disposition_applied = 'tempfail'),"
                  " count(*) FILTER (WHERE disposition_applied IN ('none', 'pass'))"
                  " FROM overview_verdict v") +
          verdictPeriodFilter() + " AND dmarc_result = 'fail' GROUP BY 1 ORDER BY 2 DESC, 1");
  return rankingOfRows(
      "inbound-failing-from", "Top failing From domains",
      "Author domains of mail that failed DMARC, and what happened to it.",
      {"From domain", "messages", "sources", "rejected", "held", "deferred", "delivered"}, result,
      {{3, {"rejected", {}, Tone::Bad}},
       {4, {"held", {}, Tone::Warn}},
       {5, {"deferred", {}, Tone::Auto}},
       {6, {"delivered", {}, Tone::Muted}}});
}

Figure overridesFigure(pqxx::transaction_base& tx, const Params& p)
{
  const auto result = runLimited(
      tx, p,
      std::string("SELECT o.reason::text, count(*), count(DISTINCT v.from_domain),"
                  " array_to_string((array_agg(DISTINCT o.comment) FILTER (WHERE o.comment <> "
                  "''))[1:3], '; ')"
                  " FROM overview_verdict v, unnest(v.override_reasons, v.override_comments)"
                  " AS o(reason, comment)") +
          verdictPeriodFilter() +
          // The predicate of sql/0010's partial index: only the few
          // verdicts with an override are read.
          " AND cardinality(override_reasons) > 0 GROUP BY 1 ORDER BY 2 DESC, 1");
  Figure figure = rankingOfRows("inbound-overrides", "Overrides and their reasons",
                                "Messages whose DMARC policy was not applied as published, by "
                                "the reason recorded (local policy, trusted forwarder, ...).",
                                {"reason", "messages", "From domains", "comments (first three)"},
                                result, {{1, {"messages", {}, Tone::Auto}}});
  figure.table.emptyText = "No verdict was overridden in this period.";
  return figure;
}

Figure tlsrptSessionsFigure(pqxx::transaction_base& tx, const Params& p,
                            const std::vector<std::string>& days)
{
  std::vector<DailyPoint> points;
  for (const auto& row : run(tx, p,
                             std::string("SELECT day::text, policy_type, sum(successful_sessions),"
                                         " sum(failed_sessions) FROM overview_tlsrpt_policy") +
                                 reportFilter() + " GROUP BY 1, 2")) {
    points.push_back({cell(row[0]), cell(row[1]) + " successful", number(row[2]), 0});
    points.push_back({cell(row[0]), cell(row[1]) + " failed", number(row[3]), 0});
  }
  DailyChartSpec spec;
  spec.id = "tlsrpt-sessions";
  spec.title = "TLS-RPT sessions per day and policy";
  spec.unit = "sessions";
  return dailyFigure(
      spec, days, points,
      "Sessions per policy type (sts: MTA-STS, tlsa: DANE, no-policy-found) as reported.");
}

Figure tlsrptFailureTypesFigure(pqxx::transaction_base& tx, const Params& p,
                                const std::vector<std::string>& days)
{
  DailyChartSpec spec;
  spec.id = "tlsrpt-failure-types";
  spec.title = "TLS-RPT failures per day and type";
  spec.unit = "sessions";
  return dailyFigure(
      spec, days,
      dailyPoints(run(tx, p,
                      std::string("SELECT day::text, policy_type || ': ' || result_type,"
                                  " sum(failed_sessions) FROM overview_tlsrpt_failure") +
                          reportFilter() + " GROUP BY 1, 2")),
      "Failed sessions by policy type and result type (RFC 8460 section 4.3).");
}

Figure tlsrptMxFigure(pqxx::transaction_base& tx, const Params& p)
{
  const auto result = runLimited(
      tx, p,
      std::string("SELECT mx, sum(failed_sessions), string_agg(DISTINCT result_type, ', '),"
                  " count(DISTINCT reporter),"
                  " array_to_string((array_agg(DISTINCT domain))[1:3], ', ')"
                  " FROM overview_tlsrpt_failure") +
          reportFilter() + " AND mx <> '' GROUP BY 1 ORDER BY 2 DESC, 1");
  Figure figure =
      rankingOfRows("tlsrpt-mx", "MX hosts named in failures",
                    "The receiving MX hosts that reporters could not reach securely.",
                    {"MX host", "failed sessions", "result types", "reporters", "domains"}, result,
                    {{1, {"failed sessions", {}, Tone::Bad}}});
  figure.chart->unit = "sessions";
  return figure;
}

Figure tlsrptPoliciesFigure(pqxx::transaction_base& tx, const Params& p)
{
  const auto result = runLimited(
      tx, p,
      std::string("SELECT domain, policy_type, sum(successful_sessions), sum(failed_sessions),"
                  " count(DISTINCT reporter) FROM overview_tlsrpt_policy") +
          reportFilter() + " GROUP BY 1, 2 ORDER BY 4 DESC, 3 DESC, 1, 2");
  Table table;
  table.columns = {"domain", "policy", "successful", "failed", "failed %", "reporters"};
  for (const auto& row : result) {
    const double ok = number(row[2]);
    const double failed = number(row[3]);
    table.rows.push_back({cell(row[0]), cell(row[1]), countText(ok), countText(failed),
                          percentText(failed, ok + failed), cell(row[4])});
  }
  return tableFigure("TLS-RPT sessions per policy", "Most failures first.", std::move(table));
}

Figure inboundTlsShareFigure(pqxx::transaction_base& tx, const Params& p,
                             const std::vector<std::string>& days)
{
  DailyChartSpec share;
  share.id = "inbound-tls-share";
  share.title = "Share of our inbound sessions over TLS per day";
  share.kind = ChartKind::Line;
  share.rate = true;
  return verdictDailyFigure(
      tx, p, days, share,
      "SELECT day::text, 'over TLS', coalesce(sum(messages) FILTER"
      " (WHERE over_tls), 0), sum(messages)",
      " GROUP BY 1", "Messages to our domains that arrived over TLS, in percent of all.", true);
}

Figure inboundTlsVersionsFigure(pqxx::transaction_base& tx, const Params& p,
                                const std::vector<std::string>& days)
{
  DailyChartSpec versions;
  versions.id = "inbound-tls-versions";
  versions.title = "Inbound messages per day by TLS version";
  versions.order = {{"cleartext", Tone::Bad}};
  return verdictDailyFigure(tx, p, days, versions, "SELECT day::text, tls_version, sum(messages)",
                            " GROUP BY 1, 2", "");
}

} // namespace

Section reportsSection(pqxx::transaction_base& tx, const OverviewQuery& query,
                       const SourceNamer& namer)
{
  const Params p = paramsOf(query);
  const auto days = daysOf(query);
  Section section;
  section.id = "reports";
  section.title = "Our domains as others see them";
  section.intro = "From the DMARC aggregate reports other receivers sent about our domains "
                  "(dmarc-reports ingest). A report counts on the day its period begins. "
                  "Pass means DMARC pass as the reporter evaluated it: DKIM or SPF aligned.";
  const ReportSums sums = sumReports(tx, p);
  section.figures.push_back(passRateFigure(sums, days));
  section.figures.push_back(domainsFigure(tx, p, sums));
  const std::vector<Source> sources = countSources(tx, p);
  const SourceNames names = nameSources(sources, namer);
  section.figures.push_back(sourceGroupsFigure(sources, names, query, bool(namer)));
  section.figures.push_back(failingSourcesFigure(tx, p, sources, names, query));
  section.figures.push_back(receiverPolicyFigure(sums, days));
  section.figures.push_back(reportersFigure(tx, p, sums, query.limit));
  return section;
}

Figure sendingSourcesFigure(pqxx::transaction_base& tx, const OverviewQuery& query,
                            const SourceNamer& namer)
{
  const std::vector<Source> sources = countSources(tx, paramsOf(query));
  return sourceGroupsFigure(sources, nameSources(sources, namer), query, bool(namer));
}

Section inboundSection(pqxx::transaction_base& tx, const OverviewQuery& query)
{
  const Params p = paramsOf(query);
  const auto days = daysOf(query);
  Section section;
  section.id = "inbound";
  section.title = "Inbound mail as we judged it";
  section.intro = "From the milter's own verdicts on mail to our domains (one per message).";
  section.figures.push_back(inboundKeyFigure(tx, p));
  section.figures.push_back(inboundResultsFigure(tx, p, days));
  section.figures.push_back(inboundDispositionsFigure(tx, p, days));
  section.figures.push_back(failingFromFigure(tx, p));
  section.figures.push_back(overridesFigure(tx, p));
  return section;
}

Section transportSection(pqxx::transaction_base& tx, const OverviewQuery& query)
{
  const Params p = paramsOf(query);
  const auto days = daysOf(query);
  Section section;
  section.id = "transport";
  section.title = "Transport";
  section.intro = "TLS of mail sent to us, as other senders reported it (TLS-RPT, RFC 8460), "
                  "and as our own inbound sessions saw it.";
  section.figures.push_back(tlsrptSessionsFigure(tx, p, days));
  section.figures.push_back(tlsrptFailureTypesFigure(tx, p, days));
  section.figures.push_back(tlsrptMxFigure(tx, p));
  section.figures.push_back(tlsrptPoliciesFigure(tx, p));
  section.figures.push_back(inboundTlsShareFigure(tx, p, days));
  section.figures.push_back(inboundTlsVersionsFigure(tx, p, days));
  return section;
}

Section postureSection(pqxx::transaction_base& tx, const OverviewQuery& query)
{
  Section section;
  section.id = "posture";
  section.title = "Posture";
  section.intro = "What senders see of our domains: the latest stored run of \"dmarc-reports "
                  "check\" for each domain (DMARC, SPF, MX, MTA-STS with the STARTTLS of each "
                  "MX, TLS-RPT), and the DMARC record each domain published as the latest "
                  "aggregate report about it quoted it.";
  section.figures.push_back(latestChecksFigure(tx, query));
  section.figures.push_back(publishedPolicyFigure(tx, query));
  return section;
}
} // namespace dmarc
