// svg_chart.hh: the charts of the overview page as values, and their
// drawing as inline SVG (no script, no external resource).
//
// Pure: no I/O. Series names and categories are untrusted text (domains,
// reporter names, host names) and go through HtmlWriter's escaping. Every
// drawn point is an element with class "point" and a <title> naming its
// category, series and value, and the <svg> carries data-series and
// data-points (the numbers drawn), so that a browser test can count what
// it sees against what the data says.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reporting/overview/html_writer.hh"

namespace dmarc
{
enum class ChartKind
{
  Line,           // one line per series over the categories (days); gaps where no value
  StackedColumns, // one column per category (day), series stacked
  StackedBars,    // one horizontal bar per category (a source, a domain), series stacked
};

// How a series is coloured: by meaning where it has one (a pass is never
// drawn in the colour of a failure), else from the palette in order.
enum class Tone
{
  Auto,
  Good,
  Bad,
  Warn,
  Muted,
};

struct ChartSeries
{
  std::string name;
  std::vector<std::optional<double>> values; // one per category; nullopt: no data
  Tone tone = Tone::Auto;
};

struct Chart
{
  std::string id; // unique on the page, [a-z0-9-]
  std::string title;
  ChartKind kind = ChartKind::StackedColumns;
  std::string unit; // for the value axis and tooltips ("messages", "%")
  std::vector<std::string> categories;
  std::vector<ChartSeries> series;
  std::optional<double> scaleMax; // fixed top of the value axis (100 for percentages)

  // Drawn points: values present (Line) or above zero (stacked kinds).
  std::size_t pointCount() const;
  bool hasData() const { return pointCount() > 0; }
};

// A round top for an axis at or above `value` (1, 2, 2.5 or 5 times a power
// of ten), and the value as axis text ("1.5k", "2M").
double niceCeiling(double value);
std::string axisLabel(double value);

// Draws the chart as one <svg> (with a legend before it when it has more
// than one series), or, when it has no data, a paragraph that says so.
void writeSvgChart(HtmlWriter& out, const Chart& chart);
} // namespace dmarc
