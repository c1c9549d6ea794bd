// prometheus_text.cc: writing families, samples and histograms.
#include "lib/core/prometheus_text.hh"

#include <charconv>
#include <cmath>

namespace dmarc
{
namespace
{
std::string_view typeName(MetricType type)
{
  switch (type) {
  case MetricType::Counter:
    return "counter";
  case MetricType::Gauge:
    return "gauge";
  case MetricType::Histogram:
    return "histogram";
  }
  return "untyped";
}
} // namespace

std::string escapeLabelValue(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escapeHelp(std::string_view help)
{
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string formatMetricValue(double value)
{
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  // Whole numbers (timestamps, counts) as integers: to_chars' shortest
  // form would write 1700000000 as 1.7e+09, valid but hard to read.
  if (std::fabs(value) < 9007199254740992.0 && value == std::trunc(value)) {
    return std::to_string(static_cast<long long>(value));
  }
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc()) {
    return "NaN";
  }
  return std::string(buffer, end);
}

void PrometheusText::family(std::string_view name, MetricType type, std::string_view help)
{
  d_text.append("# HELP ").append(name).append(" ").append(escapeHelp(help)).append("\n");
  d_text.append("# TYPE ").append(name).append(" ").append(typeName(type)).append("\n");
}

void PrometheusText::line(std::string_view name, MetricLabels labels, std::string_view extraName,
                          std::string_view extraValue, std::string_view value)
{
  d_text.append(name);
  bool first = true;
  auto add = [&](std::string_view label, std::string_view text) {
    d_text.append(first ? "{" : ",").append(label).append("=\"");
    d_text.append(escapeLabelValue(text)).append("\"");
    first = false;
  };
  for (const auto& label : labels) {
    add(label.name, label.value);
  }
  if (!extraName.empty()) {
    add(extraName, extraValue);
  }
  d_text.append(first ? " " : "} ").append(value).append("\n");
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, std::uint64_t value)
{
  line(name, labels, {}, {}, std::to_string(value));
}

void PrometheusText::sample(std::string_view name, MetricLabels labels, double value)
{
  line(name, labels, {}, {}, formatMetricValue(value));
}

void PrometheusText::histogram(std::string_view name, MetricLabels labels,
                               const HistogramSnapshot& snapshot)
{
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < snapshot.counts.size(); ++i) {
    cumulative += snapshot.counts[i];
    const std::string le =
        i < snapshot.bounds.size() ? formatMetricValue(snapshot.bounds[i]) : "+Inf";
    line(bucket, labels, "le", le, std::to_string(cumulative));
  }
  line(std::string(name) + "_sum", labels, {}, {}, formatMetricValue(snapshot.sum));
  line(std::string(name) + "_count", labels, {}, {}, std::to_string(cumulative));
}
} // namespace dmarc
