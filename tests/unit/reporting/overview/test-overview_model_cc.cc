// test-overview_model_cc.cc: the calendar of the period, daily series folded
// to the largest few plus "other", rates from sums, and tables that say
// "no data" instead of inventing zeros.
#include <stdexcept>

#include <boost/test/unit_test.hpp>

#include "reporting/overview/overview_model.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_overview_model_cc)

BOOST_AUTO_TEST_CASE(test_IsoDays_AcrossMonthsAndLeapDays)
{
  const auto days = isoDays("2028-02-27", "2028-03-02");
  const std::vector<std::string> want{"2028-02-27", "2028-02-28", "2028-02-29", "2028-03-01"};
  BOOST_CHECK_EQUAL_COLLECTIONS(days.begin(), days.end(), want.begin(), want.end());
  BOOST_CHECK_EQUAL(isoDays("2026-12-31", "2027-01-01").front(), "2026-12-31");
  BOOST_CHECK_EQUAL(isoDays("2026-01-01", "2027-01-01").size(), 365u);
  BOOST_CHECK(isoDays("2026-01-02", "2026-01-01").empty());
  BOOST_CHECK_THROW(isoDays("2026-02-30", "2026-03-01"), std::invalid_argument);
  BOOST_CHECK_THROW(isoDays("2026-1-01", "2026-03-01"), std::invalid_argument);
  BOOST_CHECK_THROW(isoDays("<script>", "2026-03-01"), std::invalid_argument);
}

BOOST_AUTO_TEST_CASE(test_DailyChart_FixedOrderThenLargestThenOther)
{
  DailyChartSpec spec;
  spec.id = "x";
  spec.order = {{"pass", Tone::Good}, {"fail", Tone::Bad}};
  spec.maxSeries = 3;
  const std::vector<std::string> days{"2026-01-01", "2026-01-02"};
  const std::vector<DailyPoint> points{
      {"2026-01-01", "pass", 5, 0},      {"2026-01-01", "none", 1, 0},
      {"2026-01-02", "temperror", 2, 0}, {"2026-01-02", "permerror", 3, 0},
      {"2026-01-02", "none", 9, 0},      {"2025-12-31", "pass", 100, 0}}; // outside the period
  const Chart chart = dailyChart(spec, days, points);
  BOOST_REQUIRE_EQUAL(chart.series.size(), 4u);
  BOOST_CHECK_EQUAL(chart.series[0].name, "pass");
  BOOST_CHECK_EQUAL(chart.series[1].name, "fail"); // named, so shown although empty
  BOOST_CHECK_EQUAL(chart.series[2].name, "none");
  BOOST_CHECK_EQUAL(chart.series[3].name, "other (2)");
  BOOST_CHECK(chart.series[3].tone == Tone::Muted);
  BOOST_CHECK_EQUAL(*chart.series[3].values[1], 5);
  BOOST_CHECK_EQUAL(*chart.series[0].values[0], 5);
  BOOST_CHECK_EQUAL(chart.pointCount(), 4u); // pass d1, none d1, none d2, other d2
}

BOOST_AUTO_TEST_CASE(test_DailyChart_RatesFromSumsAndGaps)
{
  DailyChartSpec spec;
  spec.kind = ChartKind::Line;
  spec.rate = true;
  spec.maxSeries = 1;
  spec.otherName = "other domains";
  const std::vector<std::string> days{"2026-01-01", "2026-01-02", "2026-01-03"};
  const std::vector<DailyPoint> points{{"2026-01-01", "a.example", 90, 100},
                                       {"2026-01-01", "b.example", 1, 4},
                                       {"2026-01-01", "c.example", 3, 4},
                                       {"2026-01-03", "a.example", 0, 10}};
  const Chart chart = dailyChart(spec, days, points);
  BOOST_REQUIRE_EQUAL(chart.series.size(), 2u);
  BOOST_CHECK_EQUAL(*chart.series[0].values[0], 90);
  BOOST_CHECK(!chart.series[0].values[1]); // no report that day: a gap
  BOOST_CHECK_EQUAL(*chart.series[0].values[2], 0);
  BOOST_CHECK_EQUAL(chart.series[1].name, "other domains (2)");
  BOOST_CHECK_EQUAL(*chart.series[1].values[0], 50); // (1 + 3) / (4 + 4)
  BOOST_CHECK_EQUAL(chart.unit, "%");
  const Table table = chartTable(chart, "day");
  BOOST_CHECK_EQUAL(table.columns.size(), 3u);
  BOOST_CHECK_EQUAL(table.rows[0][1], "90.0");
  BOOST_CHECK_EQUAL(table.rows[1][1], "no data");
  BOOST_CHECK_EQUAL(table.rows[2][2], "-");
}

BOOST_AUTO_TEST_CASE(test_ChartTable_TotalsForStacks)
{
  DailyChartSpec spec;
  const std::vector<std::string> days{"2026-01-01", "2026-01-02"};
  const Chart chart =
      dailyChart(spec, days, {{"2026-01-01", "a", 2, 0}, {"2026-01-01", "b", 3, 0}});
  const Table table = chartTable(chart, "day");
  // Largest series first.
  const std::vector<std::string> columns{"day", "b", "a", "total"};
  BOOST_CHECK_EQUAL_COLLECTIONS(table.columns.begin(), table.columns.end(), columns.begin(),
                                columns.end());
  BOOST_CHECK_EQUAL(table.rows[0][3], "5");
  BOOST_CHECK_EQUAL(table.rows[1][1], "no data");
  BOOST_CHECK_EQUAL(percentText(1, 0), "-");
  BOOST_CHECK_EQUAL(percentText(1, 3), "33.3");
}

BOOST_AUTO_TEST_SUITE_END()
