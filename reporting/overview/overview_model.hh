// overview_model.hh: the overview page (`dmarc-reports overview`) as values:
// sections of figures, each a chart with the table of its numbers under it,
// and the pure steps that turn query rows into them (a calendar of days in
// the site's time zone, daily series folded to the largest few plus "other",
// the table that mirrors a chart).
//
// Pure: no I/O, no clock. All text is untrusted and is escaped only when the
// page is written (overview_page.hh).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "reporting/overview/svg_chart.hh"

namespace dmarc
{
struct Table
{
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  std::string emptyText = "No data for this period.";
};

struct Figure
{
  std::string title;
  std::string note;           // what it shows and how to read it (may be empty)
  std::optional<Chart> chart; // none: a table only
  Table table;
  bool tableOpen = true; // long day-by-day tables start folded (<details>)
};

struct Section
{
  std::string id; // anchor, [a-z0-9-]
  std::string title;
  std::string intro;
  std::vector<Figure> figures;
};

struct OverviewPage
{
  std::string title;
  std::string period;    // "2026-01-01 to 2026-01-31"
  std::string timeZone;  // the IANA name the days are in
  std::string generated; // ISO date and time of generation, in that zone
  std::string domains;   // which of our domains ("all domains" or a list)
  std::vector<Section> sections;
};

// Every day from `first` to `end` (YYYY-MM-DD, end excluded), in order.
// Throws std::invalid_argument on a malformed date; empty when end <= first.
std::vector<std::string> isoDays(const std::string& first, const std::string& end);

// One value of a daily series as a query returns it. For rate charts,
// value is the numerator and total the denominator of the day's rate.
struct DailyPoint
{
  std::string day; // YYYY-MM-DD
  std::string series;
  double value = 0;
  double total = 0;
};

struct SeriesOrder
{
  std::string name;
  Tone tone = Tone::Auto;
};

struct DailyChartSpec
{
  std::string id;
  std::string title;
  ChartKind kind = ChartKind::StackedColumns;
  std::string unit = "messages";
  // Series named here come first, in this order and tone, even when they
  // have no data; the others follow by total, largest first.
  std::vector<SeriesOrder> order;
  // At most this many series; the rest are added up into one more, named
  // otherName (for rates: their numerators and denominators are added up).
  std::size_t maxSeries = 8;
  std::string otherName = "other";
  bool rate = false; // values are 100 * value / total per day (unit "%")
};

// The chart of daily points over `days` (points on other days are ignored).
Chart dailyChart(const DailyChartSpec& spec, const std::vector<std::string>& days,
                 const std::vector<DailyPoint>& points);

// The table under a chart: one row per category, one column per series,
// plus a total column for stacked charts. A category without any value says
// "no data" rather than showing zeros it does not have.
Table chartTable(const Chart& chart, const std::string& categoryColumn);

// A count or a percentage as table text ("1234", "97.5").
std::string countText(double value);
std::string percentText(double numerator, double denominator); // "-" when denominator is 0
} // namespace dmarc
