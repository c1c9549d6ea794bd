// test-prometheus_text_cc.cc: the exposition format: escaping, families,
// label sets, histogram buckets cumulative with +Inf last, _sum and _count.
#include <array>
#include <limits>

#include <boost/test/unit_test.hpp>

#include "lib/core/prometheus_text.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_prometheus_text_cc)

BOOST_AUTO_TEST_CASE(test_EscapeLabelValue_BackslashQuoteNewline)
{
  BOOST_CHECK_EQUAL(escapeLabelValue("plain"), "plain");
  BOOST_CHECK_EQUAL(escapeLabelValue("a\\b"), "a\\\\b");
  BOOST_CHECK_EQUAL(escapeLabelValue("say \"hi\""), "say \\\"hi\\\"");
  BOOST_CHECK_EQUAL(escapeLabelValue("two\nlines"), "two\\nlines");
}

BOOST_AUTO_TEST_CASE(test_EscapeHelp_KeepsQuotes)
{
  BOOST_CHECK_EQUAL(escapeHelp("a \"b\" \\ c\nd"), "a \"b\" \\\\ c\\nd");
}

BOOST_AUTO_TEST_CASE(test_FormatMetricValue)
{
  BOOST_CHECK_EQUAL(formatMetricValue(3), "3");
  BOOST_CHECK_EQUAL(formatMetricValue(0.005), "0.005");
  BOOST_CHECK_EQUAL(formatMetricValue(2.5), "2.5");
  BOOST_CHECK_EQUAL(formatMetricValue(1700000000), "1700000000");
  BOOST_CHECK_EQUAL(formatMetricValue(-0.0), "0");
  BOOST_CHECK_EQUAL(formatMetricValue(1e300), "1e+300");
  BOOST_CHECK_EQUAL(formatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  BOOST_CHECK_EQUAL(formatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  BOOST_CHECK_EQUAL(formatMetricValue(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

BOOST_AUTO_TEST_CASE(test_FamilyAndSamples)
{
  PrometheusText out;
  out.family("x_total", MetricType::Counter, "Things\ncounted");
  out.sample("x_total", {{"result", "pass"}, {"why", "a\"b"}}, std::uint64_t{7});
  out.sample("x_total", {}, std::uint64_t{0});
  out.family("y", MetricType::Gauge, "A gauge");
  out.sample("y", {}, 1.5);
  BOOST_CHECK_EQUAL(out.text(), "# HELP x_total Things\\ncounted\n"
                                "# TYPE x_total counter\n"
                                "x_total{result=\"pass\",why=\"a\\\"b\"} 7\n"
                                "x_total 0\n"
                                "# HELP y A gauge\n"
                                "# TYPE y gauge\n"
                                "y 1.5\n");
}

BOOST_AUTO_TEST_CASE(test_Histogram_CumulativeSumCount)
{
  HistogramSnapshot snapshot;
  snapshot.bounds = {0.01, 0.1, 1};
  snapshot.counts = {2, 0, 3, 1};
  snapshot.sum = 4.25;
  PrometheusText out;
  out.histogram("d_seconds", {{"kind", "k"}}, snapshot);
  BOOST_CHECK_EQUAL(out.text(), "d_seconds_bucket{kind=\"k\",le=\"0.01\"} 2\n"
                                "d_seconds_bucket{kind=\"k\",le=\"0.1\"} 2\n"
                                "d_seconds_bucket{kind=\"k\",le=\"1\"} 5\n"
                                "d_seconds_bucket{kind=\"k\",le=\"+Inf\"} 6\n"
                                "d_seconds_sum{kind=\"k\"} 4.25\n"
                                "d_seconds_count{kind=\"k\"} 6\n");
}

BOOST_AUTO_TEST_CASE(test_LatencyHistogram_BoundsAreInclusive)
{
  const std::array<double, 3> bounds{0.001, 0.01, 0.1};
  LatencyHistogram histogram(bounds);
  histogram.observe(std::chrono::microseconds(1000)); // exactly the first bound
  histogram.observe(std::chrono::microseconds(1001));
  histogram.observe(std::chrono::milliseconds(50));
  histogram.observe(std::chrono::seconds(3));
  histogram.observe(std::chrono::nanoseconds(-5)); // a clock step: counted as 0
  auto snapshot = histogram.snapshot();
  BOOST_CHECK_EQUAL(snapshot.counts.size(), 4u);
  BOOST_CHECK_EQUAL(snapshot.counts[0], 2u);
  BOOST_CHECK_EQUAL(snapshot.counts[1], 1u);
  BOOST_CHECK_EQUAL(snapshot.counts[2], 1u);
  BOOST_CHECK_EQUAL(snapshot.counts[3], 1u);
  BOOST_CHECK_EQUAL(snapshot.count(), 5u);
  BOOST_CHECK_CLOSE(snapshot.sum, 3.052001, 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
