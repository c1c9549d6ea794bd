// overview_model.cc: see overview_model.hh.
#include "reporting/overview/overview_model.hh"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <unordered_map>

namespace dmarc
{
namespace
{
// Days since 1970-01-01 of a proleptic Gregorian date, and back (Howard
// Hinnant's civil calendar algorithms), so that no time zone is involved:
// the days are already the site's days when they reach this code.
long long daysFromCivil(long long year, unsigned month, unsigned day)
{
  year -= month <= 2;
  const long long era = (year >= 0 ? year : year - 399) / 400;
  const auto yoe = static_cast<unsigned>(year - era * 400);
  const unsigned doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

std::string civilFromDays(long long days)
{
  days += 719468;
  const long long era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned day = doy - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  const long long year = static_cast<long long>(yoe) + era * 400 + (month <= 2);
  char text[48];
  std::snprintf(text, sizeof text, "%04lld-%02u-%02u", year, month, day);
  return text;
}

long long parseIsoDay(const std::string& text)
{
  unsigned year = 0;
  unsigned month = 0;
  unsigned day = 0;
  char tail = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' ||
      std::sscanf(text.c_str(), "%4u-%2u-%2u%c", &year, &month, &day, &tail) != 3 || month < 1 ||
      month > 12 || day < 1 || day > 31) {
    throw std::invalid_argument("not a YYYY-MM-DD date: " + text.substr(0, 40));
  }
  const long long days = daysFromCivil(year, month, day);
  if (civilFromDays(days) != text) {
    throw std::invalid_argument("no such day: " + text);
  }
  return days;
}
} // namespace

std::vector<std::string> isoDays(const std::string& first, const std::string& end)
{
  std::vector<std::string> days;
  const long long from = parseIsoDay(first);
  const long long to = parseIsoDay(end);
  for (long long day = from; day < to; ++day) {
    days.push_back(civilFromDays(day));
  }
  return days;
}

namespace
{
// Per series: per day numerator and denominator, and the series total.
struct Sums
{
  std::vector<double> value;
  std::vector<double> total;
  std::vector<bool> seen;
  double volume = 0;

  explicit Sums(std::size_t dayCount = 0)
      : value(dayCount, 0), total(dayCount, 0), seen(dayCount, false)
  {}
};

using SumsBySeries = std::map<std::string, Sums>;

// The sums of a series, made with a slot per day the first time it is asked
// for, so that a fixed series without any point still gets its (empty) line.
Sums& sumsOf(SumsBySeries& bySeries, const std::string& name, std::size_t dayCount)
{
  return bySeries.try_emplace(name, dayCount).first->second;
}

// Adds each point to its series' day; points outside the days are dropped.
SumsBySeries sumPerSeries(const DailyChartSpec& spec, const std::vector<std::string>& days,
                          const std::vector<DailyPoint>& points)
{
  std::unordered_map<std::string, std::size_t> dayIndex;
  for (std::size_t i = 0; i < days.size(); ++i) {
    dayIndex.emplace(days[i], i);
  }
  SumsBySeries bySeries;
  for (const auto& point : points) {
    const auto found = dayIndex.find(point.day);
    if (found == dayIndex.end()) {
      continue;
    }
    Sums& sums = sumsOf(bySeries, point.series, days.size());
    sums.value[found->second] += point.value;
    sums.total[found->second] += point.total;
    sums.seen[found->second] = true;
    sums.volume += spec.rate ? point.total : point.value;
  }
  return bySeries;
}

// The series that are not fixed by the spec, largest volume first (name
// breaks ties).
std::vector<std::pair<double, std::string>> unfixedByVolume(const DailyChartSpec& spec,
                                                            const SumsBySeries& bySeries)
{
  std::vector<std::pair<double, std::string>> rest;
  for (const auto& [name, sums] : bySeries) {
    if (std::none_of(spec.order.begin(), spec.order.end(),
                     [&](const SeriesOrder& fixed) { return fixed.name == name; })) {
      rest.emplace_back(-sums.volume, name);
    }
  }
  std::sort(rest.begin(), rest.end());
  return rest;
}

// One line or bar series: a day without points is a gap in a line and zero
// in bars; a rate is a percentage, and a gap where nothing was counted.
ChartSeries toSeries(const DailyChartSpec& spec, const std::string& name, Tone tone,
                     const Sums& sums)
{
  ChartSeries series{name, {}, tone};
  for (std::size_t i = 0; i < sums.seen.size(); ++i) {
    if (!sums.seen[i]) {
      series.values.emplace_back(spec.kind == ChartKind::Line ? std::nullopt
                                                              : std::optional<double>(0));
    } else if (spec.rate) {
      series.values.emplace_back(sums.total[i] > 0
                                     ? std::optional<double>(100 * sums.value[i] / sums.total[i])
                                     : std::nullopt);
    } else {
      series.values.emplace_back(sums.value[i]);
    }
  }
  return series;
}

// The day by day sum of the series from `first` on in `rest`, shown as one.
Sums foldedSums(const SumsBySeries& bySeries,
                const std::vector<std::pair<double, std::string>>& rest, std::size_t first,
                std::size_t dayCount)
{
  Sums other(dayCount);
  for (std::size_t i = first; i < rest.size(); ++i) {
    const Sums& sums = bySeries.at(rest[i].second);
    for (std::size_t d = 0; d < dayCount; ++d) {
      other.value[d] += sums.value[d];
      other.total[d] += sums.total[d];
      other.seen[d] = other.seen[d] || sums.seen[d];
    }
  }
  return other;
}
} // namespace

Chart dailyChart(const DailyChartSpec& spec, const std::vector<std::string>& days,
                 const std::vector<DailyPoint>& points)
{
  SumsBySeries bySeries = sumPerSeries(spec, days, points);
  // The fixed series first, then the rest by volume.
  std::vector<SeriesOrder> chosen;
  for (const auto& fixed : spec.order) {
    chosen.push_back(fixed);
    sumsOf(bySeries, fixed.name, days.size());
  }
  const auto rest = unfixedByVolume(spec, bySeries);
  const std::size_t room = spec.maxSeries > chosen.size() ? spec.maxSeries - chosen.size() : 0;
  // Folding a single series into "other" would only rename it.
  const std::size_t shown = rest.size() <= room + 1 ? rest.size() : room;
  for (std::size_t i = 0; i < shown; ++i) {
    chosen.push_back({rest[i].second, Tone::Auto});
  }
  Chart chart;
  chart.id = spec.id;
  chart.title = spec.title;
  chart.kind = spec.kind;
  chart.unit = spec.rate ? "%" : spec.unit;
  chart.categories = days;
  if (spec.rate) {
    chart.scaleMax = 100;
  }
  for (const auto& one : chosen) {
    chart.series.push_back(toSeries(spec, one.name, one.tone, bySeries.at(one.name)));
  }
  if (shown < rest.size()) {
    chart.series.push_back(
        toSeries(spec, spec.otherName + " (" + std::to_string(rest.size() - shown) + ")",
                 Tone::Muted, foldedSums(bySeries, rest, shown, days.size())));
  }
  return chart;
}

std::string countText(double value)
{
  char text[48];
  std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f" : "%.1f", value);
  return text;
}

std::string percentText(double numerator, double denominator)
{
  if (!(denominator > 0)) {
    return "-";
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", 100 * numerator / denominator);
  return text;
}

Table chartTable(const Chart& chart, const std::string& categoryColumn)
{
  Table table;
  const bool stacked = chart.kind != ChartKind::Line;
  table.columns.push_back(categoryColumn);
  for (const auto& series : chart.series) {
    table.columns.push_back(series.name + (chart.unit == "%" ? " (%)" : ""));
  }
  if (stacked && chart.series.size() > 1) {
    table.columns.emplace_back("total");
  }
  for (std::size_t i = 0; i < chart.categories.size(); ++i) {
    std::vector<std::string> row{chart.categories[i]};
    double total = 0;
    bool any = false;
    for (const auto& series : chart.series) {
      const auto& value = i < series.values.size() ? series.values[i] : std::nullopt;
      if (value && (!stacked || *value > 0)) {
        any = true;
      }
      if (value) {
        total += *value;
        row.push_back(chart.unit == "%" ? percentText(*value, 100) : countText(*value));
      } else {
        row.emplace_back("-");
      }
    }
    if (stacked && chart.series.size() > 1) {
      row.push_back(countText(total));
    }
    if (!any) {
      row.resize(1);
      row.emplace_back("no data");
      row.resize(table.columns.size());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}
} // namespace dmarc
