// latency_histogram.cc: lock-free bucket counts.
#include "lib/core/latency_histogram.hh"

#include <cmath>
#include <numeric>

namespace dmarc
{
std::uint64_t HistogramSnapshot::count() const
{
  return std::accumulate(counts.begin(), counts.end(), std::uint64_t{0});
}

LatencyHistogram::LatencyHistogram(std::span<const double> boundsSeconds)
    : d_bounds(boundsSeconds.begin(), boundsSeconds.end()),
      d_counts(std::make_unique<std::atomic<std::uint64_t>[]>(d_bounds.size() + 1))
{
  for (double bound : d_bounds) {
    d_boundNanos.push_back(static_cast<std::uint64_t>(std::llround(bound * 1e9)));
  }
}

void LatencyHistogram::observe(std::chrono::nanoseconds elapsed) noexcept
{
  const auto nanos = static_cast<std::uint64_t>(std::max<std::int64_t>(elapsed.count(), 0));
  std::size_t bucket = 0;
  // A dozen bounds: a linear scan is as fast as a search and simpler.
  while (bucket < d_boundNanos.size() && nanos > d_boundNanos[bucket]) {
    ++bucket;
  }
  d_counts[bucket].fetch_add(1, std::memory_order_relaxed);
  d_sumNanos.fetch_add(nanos, std::memory_order_relaxed);
}

HistogramSnapshot LatencyHistogram::snapshot() const
{
  HistogramSnapshot snapshot;
  snapshot.bounds = d_bounds;
  for (std::size_t i = 0; i <= d_bounds.size(); ++i) {
    snapshot.counts.push_back(d_counts[i].load(std::memory_order_relaxed));
  }
  snapshot.sum = static_cast<double>(d_sumNanos.load(std::memory_order_relaxed)) / 1e9;
  return snapshot;
}
} // namespace dmarc
