// prometheus_text.hh: the Prometheus text exposition format, version 0.0.4
// (what /metrics of dmarc-milter serves and what dmarc-reports writes for
// node_exporter's textfile collector).
//
// A family is announced once (# HELP, # TYPE), then its samples follow.
// Label values and help text are escaped as the format says (backslash,
// double quote and line feed in label values; backslash and line feed in
// help), so that a value taken from outside (a version string, a domain)
// cannot break a line or inject a sample. Histogram buckets are written
// cumulative with le="+Inf" last, then _sum and _count.
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

#include "lib/core/latency_histogram.hh"

namespace dmarc
{
struct MetricLabel
{
  std::string_view name;
  std::string_view value;
};
using MetricLabels = std::initializer_list<MetricLabel>;

enum class MetricType
{
  Counter,
  Gauge,
  Histogram,
};

class PrometheusText
{
public:
  // "# HELP name help" and "# TYPE name type".
  void family(std::string_view name, MetricType type, std::string_view help);
  void sample(std::string_view name, MetricLabels labels, std::uint64_t value);
  void sample(std::string_view name, MetricLabels labels, double value);
  // name_bucket{labels...,le="..."} (cumulative), name_sum, name_count.
  void histogram(std::string_view name, MetricLabels labels, const HistogramSnapshot& snapshot);

  const std::string& text() const { return d_text; }

private:
  void line(std::string_view name, MetricLabels labels, std::string_view extraName,
            std::string_view extraValue, std::string_view value);
  std::string d_text;
};

// Escaping of the format (exposed for tests).
std::string escapeLabelValue(std::string_view value);
std::string escapeHelp(std::string_view help);
// A sample value: integers without a fraction, "+Inf", "-Inf", "NaN",
// otherwise the shortest decimal that reads back as the same double.
std::string formatMetricValue(double value);
} // namespace dmarc
