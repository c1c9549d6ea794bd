// test-svg_chart_cc.cc: a chart draws one element per point it claims to
// draw, says when it has nothing, and escapes every name it shows.
#include <regex>

#include <boost/test/unit_test.hpp>

#include "reporting/overview/svg_chart.hh"

using namespace dmarc;

namespace
{
std::size_t count(const std::string& text, const std::string& what)
{
  std::size_t found = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) {
    ++found;
  }
  return found;
}

std::string draw(const Chart& chart)
{
  HtmlWriter out;
  writeSvgChart(out, chart);
  return out.finish();
}

Chart twoSeries(ChartKind kind)
{
  Chart chart;
  chart.id = "c";
  chart.title = "T";
  chart.kind = kind;
  chart.unit = "messages";
  chart.categories = {"2026-01-01", "2026-01-02", "2026-01-03"};
  chart.series = {{"pass", {5, std::nullopt, 7}, Tone::Good}, {"fail", {0, 2, 1}, Tone::Bad}};
  return chart;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_svg_chart_cc)

BOOST_AUTO_TEST_CASE(test_Columns_OneRectPerValueAboveZero)
{
  const std::string svg = draw(twoSeries(ChartKind::StackedColumns));
  // pass: 2 values, fail: 2 above zero.
  BOOST_CHECK_EQUAL(count(svg, "<rect class=\"point\""), 4u);
  BOOST_CHECK(svg.find("data-series=\"2\"") != std::string::npos);
  BOOST_CHECK(svg.find("data-points=\"4\"") != std::string::npos);
  BOOST_CHECK(svg.find("<title>2026-01-03 \xC2\xB7 pass: 7 messages</title>") != std::string::npos);
  BOOST_CHECK_EQUAL(count(svg, "<g class=\"series "), 2u);
  BOOST_CHECK(svg.find("tone-good") != std::string::npos);
  BOOST_CHECK_EQUAL(count(svg, "<li>"), 2u); // legend
}

BOOST_AUTO_TEST_CASE(test_Line_GapsWhereNoValue)
{
  Chart chart = twoSeries(ChartKind::Line);
  chart.series.pop_back();
  const std::string svg = draw(chart);
  BOOST_CHECK_EQUAL(count(svg, "<circle class=\"point\""), 2u);
  // The missing middle day breaks the line into two pieces (two moves).
  const std::regex path("d=\"M[^\"]* M[^\"]*\"");
  BOOST_CHECK(std::regex_search(svg, path));
  BOOST_CHECK_EQUAL(count(svg, "<li>"), 0u); // one series: no legend
}

BOOST_AUTO_TEST_CASE(test_Bars_LabelsCutButTitlesWhole)
{
  Chart chart;
  chart.id = "b";
  chart.kind = ChartKind::StackedBars;
  chart.unit = "messages";
  const std::string longName(60, 'x');
  chart.categories = {longName, "<script>alert(1)</script>"};
  chart.series = {{"n", {3, 4}, Tone::Auto}};
  const std::string svg = draw(chart);
  BOOST_CHECK_EQUAL(count(svg, "<rect class=\"point\""), 2u);
  BOOST_CHECK(svg.find(std::string(33, 'x') + "\xE2\x80\xA6</text>") != std::string::npos);
  BOOST_CHECK(svg.find("<title>" + longName) != std::string::npos);
  BOOST_CHECK(svg.find("<script>") == std::string::npos);
  BOOST_CHECK(svg.find("&lt;script&gt;") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_NoData_SaysSo)
{
  Chart chart = twoSeries(ChartKind::StackedColumns);
  for (auto& series : chart.series) {
    series.values = {0, 0, std::nullopt};
  }
  const std::string html = draw(chart);
  BOOST_CHECK(html.find("<svg") == std::string::npos);
  BOOST_CHECK(html.find("No data for this period.") != std::string::npos);
  BOOST_CHECK(html.find("data-chart=\"c\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_NiceCeilingAndAxisLabels)
{
  BOOST_CHECK_EQUAL(niceCeiling(0), 1);
  BOOST_CHECK_EQUAL(niceCeiling(7), 10);
  BOOST_CHECK_EQUAL(niceCeiling(130), 200);
  BOOST_CHECK_EQUAL(niceCeiling(2100), 2500);
  BOOST_CHECK_EQUAL(niceCeiling(400), 500);
  BOOST_CHECK_EQUAL(niceCeiling(100), 100);
  BOOST_CHECK_EQUAL(axisLabel(2500), "2500");
  BOOST_CHECK_EQUAL(axisLabel(25000), "25k");
  BOOST_CHECK_EQUAL(axisLabel(1500000), "1.5M");
}

BOOST_AUTO_TEST_SUITE_END()
