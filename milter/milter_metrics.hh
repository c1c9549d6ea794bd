// milter_metrics.hh: what dmarc-milter counts for its metrics endpoint,
// and the page it serves (Prometheus text format, lib/core/prometheus_text).
//
// Counting is on the hot path: each call is a few relaxed atomic
// increments (one per label value involved) and, for latencies, one
// histogram bucket; no lock, no allocation. At the milter's message rate
// (thousands a second at most) shared atomics do not contend measurably
// (the throughput benchmark's listener on/off comparison), so they are not
// sharded per thread. Reading is at scrape time: the counters, and the
// gauges the caller gathers (MilterGauges), which take the history
// store's lock once.
//
// The metric names and what each means are listed in dmarc-milter(8),
// METRICS; a change here changes the dashboards and alerts built on them.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/adapters/store/verdict_writer.hh"
#include "lib/core/arc_result.hh"
#include "lib/core/latency_histogram.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
// The reply a decided message got (a held message is accepted into hold).
enum class MessageReply
{
  Accept,
  Reject,
  Tempfail,
  Hold,
};

// Figures read when the page is rendered.
struct MilterGauges
{
  std::optional<VerdictWriterStats> store; // nullopt: no Database configured
  unsigned connections = 0;                // MTA connections open
  unsigned busy = 0;                       // callbacks in progress
  std::chrono::system_clock::time_point started;
};

class MilterMetrics
{
public:
  MilterMetrics();

  // One decided message: its verdict, the reply, the end-of-message time.
  void countMessage(const Verdict& verdict, MessageReply reply,
                    std::chrono::nanoseconds endOfMessage) noexcept;
  // The ARC chain validation of one decided message (ArcValidation on).
  void countArc(ArcResult result) noexcept;
  // A message that got InternalErrorAction because the filter failed.
  void countInternalError() noexcept;
  // One resolver query: answered from the small cache in front of
  // libunbound, or not (then its latency is observed).
  void countDnsQuery(bool cached, bool failed, std::chrono::nanoseconds elapsed) noexcept;
  void countReload(bool applied) noexcept;

  std::string render(const MilterGauges& gauges) const;

private:
  using Counter = std::atomic<std::uint64_t>;
  void renderMessages(class PrometheusText& out) const;
  void renderDns(PrometheusText& out) const;

  std::array<Counter, 5 * 5> d_messages{}; // DmarcResult x Disposition
  std::array<Counter, 7> d_overrides{};    // OverrideReason
  std::array<Counter, 7> d_spf{};          // SpfResult
  std::array<Counter, 7> d_dkim{};         // DkimResult, one per signature; None: no signature
  std::array<Counter, 4> d_arc{};          // ArcResult
  std::array<Counter, 4> d_replies{};      // MessageReply
  Counter d_internalErrors{0};
  std::array<Counter, 2> d_dnsQueries{}; // not cached, cached
  Counter d_dnsFailures{0};
  std::array<Counter, 2> d_reloads{}; // refused, applied
  LatencyHistogram d_endOfMessage;
  LatencyHistogram d_dnsLatency;
};
} // namespace dmarc
