// svg_chart.cc: see svg_chart.hh. The geometry is in viewBox units; the
// page's style sheet scales the <svg> to the width of the screen and colours
// it through classes (tone-good, palette-N), so no inline style is needed.
#include "reporting/overview/svg_chart.hh"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace dmarc
{
namespace
{
constexpr double s_width = 800;
constexpr double s_plotHeight = 220;
constexpr double s_left = 56; // room for the value axis labels
constexpr double s_right = 12;
constexpr double s_top = 10;
constexpr double s_bottom = 36; // room for the category labels
constexpr double s_barLabelWidth = 230;
constexpr double s_barHeight = 22;
// Category labels longer than this are cut on the axis (the table and the
// tooltip keep the whole text).
constexpr std::size_t s_maxAxisLabel = 34;
// Palette classes palette-0..palette-7 in the style sheet.
constexpr std::size_t s_paletteSize = 8;

std::string seriesClass(const ChartSeries& series, std::size_t index)
{
  switch (series.tone) {
  case Tone::Good:
    return "tone-good";
  case Tone::Bad:
    return "tone-bad";
  case Tone::Warn:
    return "tone-warn";
  case Tone::Muted:
    return "tone-muted";
  case Tone::Auto:
    break;
  }
  return "palette-" + std::to_string(index % s_paletteSize);
}

std::string valueText(double value, const std::string& unit)
{
  char text[48];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else {
    std::snprintf(text, sizeof text, "%.1f", value);
  }
  return unit == "%" ? std::string(text) + "%" : std::string(text) + " " + unit;
}

std::string shortLabel(const std::string& label)
{
  if (label.size() <= s_maxAxisLabel) {
    return label;
  }
  std::size_t cut = s_maxAxisLabel - 1;
  // Never cut inside a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(label[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return label.substr(0, cut) + "\xE2\x80\xA6"; // …
}

double valueMax(const Chart& chart)
{
  double top = 0;
  const std::size_t count = chart.categories.size();
  for (std::size_t i = 0; i < count; ++i) {
    double stacked = 0;
    for (const auto& series : chart.series) {
      if (i < series.values.size() && series.values[i]) {
        stacked = chart.kind == ChartKind::Line ? std::max(stacked, *series.values[i])
                                                : stacked + std::max(0.0, *series.values[i]);
      }
    }
    top = std::max(top, stacked);
  }
  return chart.scaleMax ? *chart.scaleMax : niceCeiling(top);
}

void writeLegend(HtmlWriter& out, const Chart& chart)
{
  if (chart.series.size() < 2) {
    return;
  }
  out.open("ul", {{"class", "legend"}});
  for (std::size_t i = 0; i < chart.series.size(); ++i) {
    out.open("li");
    out.element("span", {{"class", "swatch " + seriesClass(chart.series[i], i)}}, "");
    out.text(chart.series[i].name);
    out.close("li");
  }
  out.close("ul");
}

void writePointTitle(HtmlWriter& out, const Chart& chart, std::size_t category,
                     const ChartSeries& series, double value)
{
  out.element("title", {},
              chart.categories[category] + " \xC2\xB7 " + series.name + ": " +
                  valueText(value, chart.unit));
}

// The value axis: gridlines and labels at 0, 1/4 ... 4/4 of the scale,
// vertical (columns, lines) or horizontal (bars).
void writeValueAxis(HtmlWriter& out, double scale, const std::string& unit, bool horizontal,
                    double plotLeft, double plotRight, double plotTop, double plotBottom)
{
  out.open("g", {{"class", "axis"}});
  for (int step = 0; step <= 4; ++step) {
    const double value = scale * step / 4;
    const std::string label = axisLabel(value) + (unit == "%" ? "%" : "");
    if (horizontal) {
      const double x = plotLeft + (plotRight - plotLeft) * step / 4;
      out.empty("line", {{"x1", svgNumber(x)},
                         {"x2", svgNumber(x)},
                         {"y1", svgNumber(plotTop)},
                         {"y2", svgNumber(plotBottom)},
                         {"class", "grid"}});
      out.element("text",
                  {{"x", svgNumber(x)}, {"y", svgNumber(plotBottom + 14)}, {"class", "middle"}},
                  label);
    } else {
      const double y = plotBottom - (plotBottom - plotTop) * step / 4;
      out.empty("line", {{"x1", svgNumber(plotLeft)},
                         {"x2", svgNumber(plotRight)},
                         {"y1", svgNumber(y)},
                         {"y2", svgNumber(y)},
                         {"class", "grid"}});
      out.element("text",
                  {{"x", svgNumber(plotLeft - 4)}, {"y", svgNumber(y + 4)}, {"class", "end"}},
                  label);
    }
  }
  out.close("g");
}

// Category labels under columns and lines: at most about a dozen, evenly
// spaced, so that a year of days stays readable.
void writeCategoryAxis(HtmlWriter& out, const Chart& chart, double plotLeft, double step,
                       double plotBottom)
{
  const std::size_t count = chart.categories.size();
  const std::size_t every = std::max<std::size_t>(1, (count + 11) / 12);
  out.open("g", {{"class", "axis"}});
  for (std::size_t i = 0; i < count; i += every) {
    out.element("text",
                {{"x", svgNumber(plotLeft + step * (i + 0.5))},
                 {"y", svgNumber(plotBottom + 16)},
                 {"class", "middle"}},
                shortLabel(chart.categories[i]));
  }
  out.close("g");
}

void openSvg(HtmlWriter& out, const Chart& chart, double height)
{
  out.open("svg", std::vector<std::pair<std::string, std::string>>{
                      {"xmlns", "http://www.w3.org/2000/svg"},
                      {"class", "chart"},
                      {"role", "img"},
                      {"viewBox", "0 0 " + svgNumber(s_width) + " " + svgNumber(height)},
                      {"aria-label", chart.title},
                      {"data-chart", chart.id},
                      {"data-kind", chart.kind == ChartKind::Line             ? "line"
                                    : chart.kind == ChartKind::StackedColumns ? "columns"
                                                                              : "bars"},
                      {"data-series", std::to_string(chart.series.size())},
                      {"data-points", std::to_string(chart.pointCount())}});
}

void writeLines(HtmlWriter& out, const Chart& chart, double scale)
{
  const double plotBottom = s_top + s_plotHeight;
  const double plotRight = s_width - s_right;
  const std::size_t count = chart.categories.size();
  const double step = (plotRight - s_left) / static_cast<double>(std::max<std::size_t>(count, 1));
  openSvg(out, chart, plotBottom + s_bottom);
  writeValueAxis(out, scale, chart.unit, false, s_left, plotRight, s_top, plotBottom);
  writeCategoryAxis(out, chart, s_left, step, plotBottom);
  auto x = [&](std::size_t i) { return s_left + step * (static_cast<double>(i) + 0.5); };
  auto y = [&](double value) { return plotBottom - s_plotHeight * std::min(value, scale) / scale; };
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const ChartSeries& series = chart.series[s];
    const std::string colour = seriesClass(series, s);
    out.open("g", {{"class", "series " + colour}, {"data-name", series.name}});
    std::string path;
    bool drawing = false;
    for (std::size_t i = 0; i < count && i < series.values.size(); ++i) {
      if (!series.values[i]) {
        drawing = false; // a day without data is a gap, not a zero
        continue;
      }
      path += (drawing ? " L" : " M") + svgNumber(x(i)) + " " + svgNumber(y(*series.values[i]));
      drawing = true;
    }
    if (!path.empty()) {
      out.empty("path", {{"class", "line"}, {"d", path.substr(1)}});
    }
    for (std::size_t i = 0; i < count && i < series.values.size(); ++i) {
      if (series.values[i]) {
        out.open("circle", {{"class", "point"},
                            {"cx", svgNumber(x(i))},
                            {"cy", svgNumber(y(*series.values[i]))},
                            {"r", count > 60 ? "1.5" : "3"}});
        writePointTitle(out, chart, i, series, *series.values[i]);
        out.close("circle");
      }
    }
    out.close("g");
  }
  out.close("svg");
}

void writeColumns(HtmlWriter& out, const Chart& chart, double scale)
{
  const double plotBottom = s_top + s_plotHeight;
  const double plotRight = s_width - s_right;
  const std::size_t count = chart.categories.size();
  const double step = (plotRight - s_left) / static_cast<double>(std::max<std::size_t>(count, 1));
  const double gap = step > 4 ? step * 0.15 : 0;
  openSvg(out, chart, plotBottom + s_bottom);
  writeValueAxis(out, scale, chart.unit, false, s_left, plotRight, s_top, plotBottom);
  writeCategoryAxis(out, chart, s_left, step, plotBottom);
  std::vector<double> stacked(count, 0);
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const ChartSeries& series = chart.series[s];
    out.open("g", {{"class", "series " + seriesClass(series, s)}, {"data-name", series.name}});
    for (std::size_t i = 0; i < count && i < series.values.size(); ++i) {
      if (!series.values[i] || *series.values[i] <= 0) {
        continue;
      }
      const double base = stacked[i];
      stacked[i] += *series.values[i];
      const double top = plotBottom - s_plotHeight * std::min(stacked[i], scale) / scale;
      const double bottom = plotBottom - s_plotHeight * std::min(base, scale) / scale;
      out.open("rect", {{"class", "point"},
                        {"x", svgNumber(s_left + step * static_cast<double>(i) + gap / 2)},
                        {"y", svgNumber(top)},
                        {"width", svgNumber(std::max(step - gap, 0.5))},
                        {"height", svgNumber(std::max(bottom - top, 0.5))}});
      writePointTitle(out, chart, i, series, *series.values[i]);
      out.close("rect");
    }
    out.close("g");
  }
  out.close("svg");
}

void writeBars(HtmlWriter& out, const Chart& chart, double scale)
{
  const std::size_t count = chart.categories.size();
  const double plotTop = s_top;
  const double plotBottom = plotTop + s_barHeight * static_cast<double>(count);
  const double plotLeft = s_barLabelWidth;
  const double plotRight = s_width - s_right - 20;
  openSvg(out, chart, plotBottom + 24);
  writeValueAxis(out, scale, chart.unit, true, plotLeft, plotRight, plotTop, plotBottom);
  out.open("g", {{"class", "axis"}});
  for (std::size_t i = 0; i < count; ++i) {
    out.element("text",
                {{"x", svgNumber(plotLeft - 6)},
                 {"y", svgNumber(plotTop + s_barHeight * (static_cast<double>(i) + 0.5) + 4)},
                 {"class", "end"}},
                shortLabel(chart.categories[i]));
  }
  out.close("g");
  std::vector<double> stacked(count, 0);
  const double width = plotRight - plotLeft;
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const ChartSeries& series = chart.series[s];
    out.open("g", {{"class", "series " + seriesClass(series, s)}, {"data-name", series.name}});
    for (std::size_t i = 0; i < count && i < series.values.size(); ++i) {
      if (!series.values[i] || *series.values[i] <= 0) {
        continue;
      }
      const double base = stacked[i];
      stacked[i] += *series.values[i];
      const double left = plotLeft + width * std::min(base, scale) / scale;
      const double right = plotLeft + width * std::min(stacked[i], scale) / scale;
      out.open("rect", {{"class", "point"},
                        {"x", svgNumber(left)},
                        {"y", svgNumber(plotTop + s_barHeight * static_cast<double>(i) + 3)},
                        {"width", svgNumber(std::max(right - left, 0.5))},
                        {"height", svgNumber(s_barHeight - 6)}});
      writePointTitle(out, chart, i, series, *series.values[i]);
      out.close("rect");
    }
    out.close("g");
  }
  out.close("svg");
}
} // namespace

std::size_t Chart::pointCount() const
{
  std::size_t points = 0;
  for (const auto& one : series) {
    for (std::size_t i = 0; i < one.values.size() && i < categories.size(); ++i) {
      if (one.values[i] && (kind == ChartKind::Line || *one.values[i] > 0)) {
        ++points;
      }
    }
  }
  return points;
}

double niceCeiling(double value)
{
  if (!(value > 0) || !std::isfinite(value)) {
    return 1;
  }
  const double power = std::pow(10.0, std::floor(std::log10(value)));
  for (const double factor : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (value <= factor * power * (1 + 1e-9)) {
      return factor * power;
    }
  }
  return 10 * power;
}

std::string axisLabel(double value)
{
  char text[32];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1e9) {
    std::snprintf(text, sizeof text, "%gG", value / 1e9);
  } else if (magnitude >= 1e6) {
    std::snprintf(text, sizeof text, "%gM", value / 1e6);
  } else if (magnitude >= 1e4) {
    std::snprintf(text, sizeof text, "%gk", value / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%g", value);
  }
  return text;
}

void writeSvgChart(HtmlWriter& out, const Chart& chart)
{
  if (!chart.hasData()) {
    out.element("p", {{"class", "empty"}, {"data-chart", chart.id}, {"data-series", "0"}},
                "No data for this period.");
    return;
  }
  writeLegend(out, chart);
  const double scale = valueMax(chart);
  switch (chart.kind) {
  case ChartKind::Line:
    writeLines(out, chart, scale);
    break;
  case ChartKind::StackedColumns:
    writeColumns(out, chart, scale);
    break;
  case ChartKind::StackedBars:
    writeBars(out, chart, scale);
    break;
  }
}
} // namespace dmarc
