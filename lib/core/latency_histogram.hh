// latency_histogram.hh: a latency histogram that many threads feed without
// a lock, and the snapshot the Prometheus formatter reads.
//
// observe() is on the milter's hot path (every message, every DNS query):
// one relaxed atomic increment of a bucket and one of the sum, no lock, so
// a scrape never slows a message down. A snapshot read while threads
// observe may see a bucket without the matching sum for a moment; the
// count is taken from the buckets, so _count always equals the +Inf
// bucket, as the exposition format requires.
// Pure: no I/O.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace dmarc
{
struct HistogramSnapshot
{
  std::vector<double> bounds;        // bucket upper bounds in seconds, ascending (+Inf implied)
  std::vector<std::uint64_t> counts; // per bucket (not cumulative), bounds.size() + 1
  double sum = 0;                    // seconds

  std::uint64_t count() const;
};

class LatencyHistogram
{
public:
  // `boundsSeconds`: ascending upper bounds, finite and positive.
  explicit LatencyHistogram(std::span<const double> boundsSeconds);

  void observe(std::chrono::nanoseconds elapsed) noexcept;
  HistogramSnapshot snapshot() const;

private:
  std::vector<double> d_bounds;
  std::vector<std::uint64_t> d_boundNanos;
  std::unique_ptr<std::atomic<std::uint64_t>[]> d_counts; // d_bounds.size() + 1
  std::atomic<std::uint64_t> d_sumNanos{0};
};
} // namespace dmarc
