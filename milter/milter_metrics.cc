// milter_metrics.cc: counting and rendering dmarc-milter's metrics.
#include "milter/milter_metrics.hh"

#include "lib/core/dkim_result.hh"
#include "lib/core/prometheus_text.hh"
#include "lib/core/spf_result.hh"
#include "lib/core/version.hh"

namespace dmarc
{
namespace
{
// End of message: from a millisecond (a cached verdict) to the 10 s a slow
// DNS budget can take. DNS: from a LAN resolver's half millisecond to the
// query timeout.
constexpr std::array<double, 13> s_endOfMessageBounds{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
                                                      0.25,  0.5,    1,     2.5,  5,     10};
constexpr std::array<double, 13> s_dnsBounds{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                             0.1,    0.25,  0.5,    1,     2.5,  5};

// The counter arrays of milter_metrics.hh hold one slot per enum value: a
// value added to one of these enums must get its slot (and its series).
static_assert(static_cast<std::size_t>(DmarcResult::Permerror) == 4);
static_assert(static_cast<std::size_t>(Disposition::Tempfail) == 4);
static_assert(static_cast<std::size_t>(OverrideReason::SampledOut) == 6);
static_assert(static_cast<std::size_t>(SpfResult::Permerror) == 6);
static_assert(static_cast<std::size_t>(DkimResult::Permerror) == 6);
static_assert(static_cast<std::size_t>(ArcResult::TempError) == 3);

constexpr std::array<std::string_view, 4> s_replyNames{"accept", "reject", "tempfail", "hold"};

// Bumps counters[index] when the index fits: an enum value added later
// without a counter is not counted rather than counted as another.
template <std::size_t N>
void bump(std::array<std::atomic<std::uint64_t>, N>& counters, std::size_t index) noexcept
{
  if (index < N) {
    counters[index].fetch_add(1, std::memory_order_relaxed);
  }
}

template <typename Enum, std::size_t N>
void renderByEnum(PrometheusText& out, std::string_view name, std::string_view label,
                  const std::array<std::atomic<std::uint64_t>, N>& counters)
{
  for (std::size_t i = 0; i < N; ++i) {
    out.sample(name, {{label, toString(static_cast<Enum>(i))}},
               counters[i].load(std::memory_order_relaxed));
  }
}

double seconds(std::chrono::steady_clock::duration duration)
{
  return std::chrono::duration<double>(duration).count();
}

void renderStore(PrometheusText& out, const VerdictWriterStats& store)
{
  out.family("dmarc_milter_spool_verdicts", MetricType::Gauge,
             "Verdicts kept (spool or queue) that the database has not committed yet.");
  out.sample("dmarc_milter_spool_verdicts", {}, store.unsent);
  out.family("dmarc_milter_spool_bytes", MetricType::Gauge, "Bytes of verdicts in the spool.");
  out.sample("dmarc_milter_spool_bytes", {}, store.spoolBytes);
  out.family("dmarc_milter_oldest_unsent_verdict_age_seconds", MetricType::Gauge,
             "Age of the oldest verdict not yet in the database (0: none waiting).");
  out.sample("dmarc_milter_oldest_unsent_verdict_age_seconds", {}, seconds(store.oldestUnsentAge));
  out.family("dmarc_milter_writer_batches_total", MetricType::Counter,
             "Batches of verdicts the database committed.");
  out.sample("dmarc_milter_writer_batches_total", {}, store.batches);
  out.family("dmarc_milter_writer_verdicts_total", MetricType::Counter,
             "Verdicts the database committed.");
  out.sample("dmarc_milter_writer_verdicts_total", {}, store.committed);
  out.family("dmarc_milter_writer_failures_total", MetricType::Counter,
             "Attempts to write to the database that failed (database unavailable).");
  out.sample("dmarc_milter_writer_failures_total", {}, store.failures);
  out.family("dmarc_milter_writer_lag_seconds", MetricType::Gauge,
             "Time from a verdict's end of message to the commit of its batch, last batch.");
  out.sample("dmarc_milter_writer_lag_seconds", {}, seconds(store.lastBatchLag));
  out.family("dmarc_milter_writer_connected", MetricType::Gauge,
             "1 while the writer is connected to the database.");
  out.sample("dmarc_milter_writer_connected", {}, std::uint64_t{store.connected ? 1u : 0u});
  out.family("dmarc_milter_verdicts_not_kept_total", MetricType::Counter,
             "Verdicts the store could not keep (spool full): refused tempfails the message.");
  out.sample("dmarc_milter_verdicts_not_kept_total", {{"outcome", "dropped"}}, store.dropped);
  out.sample("dmarc_milter_verdicts_not_kept_total", {{"outcome", "refused"}}, store.refused);
}

void renderProcess(PrometheusText& out, const MilterGauges& gauges)
{
  out.family("dmarc_milter_build_info", MetricType::Gauge, "Always 1; the version as a label.");
  out.sample("dmarc_milter_build_info", {{"version", g_productVersion}}, std::uint64_t{1});
  out.family("dmarc_milter_start_time_seconds", MetricType::Gauge,
             "When the daemon started, in seconds since the epoch.");
  out.sample("dmarc_milter_start_time_seconds", {},
             std::chrono::duration<double>(gauges.started.time_since_epoch()).count());
  out.family("dmarc_milter_connections", MetricType::Gauge, "MTA connections open.");
  out.sample("dmarc_milter_connections", {}, std::uint64_t{gauges.connections});
  out.family("dmarc_milter_callbacks_busy", MetricType::Gauge, "Milter callbacks in progress.");
  out.sample("dmarc_milter_callbacks_busy", {}, std::uint64_t{gauges.busy});
}
} // namespace

MilterMetrics::MilterMetrics() : d_endOfMessage(s_endOfMessageBounds), d_dnsLatency(s_dnsBounds) {}

void MilterMetrics::countMessage(const Verdict& verdict, MessageReply reply,
                                 std::chrono::nanoseconds endOfMessage) noexcept
{
  const auto result = static_cast<std::size_t>(verdict.result);
  const auto applied = static_cast<std::size_t>(verdict.applied);
  if (result < 5 && applied < 5) {
    d_messages[result * 5 + applied].fetch_add(1, std::memory_order_relaxed);
  }
  for (const auto& item : verdict.overrides) {
    bump(d_overrides, static_cast<std::size_t>(item.reason));
  }
  bump(d_spf, static_cast<std::size_t>(verdict.spf.result));
  if (verdict.dkim.empty()) {
    bump(d_dkim, static_cast<std::size_t>(DkimResult::None));
  }
  for (const auto& signature : verdict.dkim) {
    bump(d_dkim, static_cast<std::size_t>(signature.result));
  }
  bump(d_replies, static_cast<std::size_t>(reply));
  d_endOfMessage.observe(endOfMessage);
}

void MilterMetrics::countArc(ArcResult result) noexcept
{
  bump(d_arc, static_cast<std::size_t>(result));
}

void MilterMetrics::countInternalError() noexcept
{
  d_internalErrors.fetch_add(1, std::memory_order_relaxed);
}

void MilterMetrics::countDnsQuery(bool cached, bool failed,
                                  std::chrono::nanoseconds elapsed) noexcept
{
  d_dnsQueries[cached ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
  if (failed) {
    d_dnsFailures.fetch_add(1, std::memory_order_relaxed);
  }
  if (!cached) {
    d_dnsLatency.observe(elapsed);
  }
}

void MilterMetrics::countReload(bool applied) noexcept
{
  d_reloads[applied ? 1 : 0].fetch_add(1, std::memory_order_relaxed);
}

void MilterMetrics::renderMessages(PrometheusText& out) const
{
  out.family("dmarc_milter_messages_total", MetricType::Counter,
             "Messages decided, by DMARC result and the disposition applied.");
  for (std::size_t result = 0; result < 5; ++result) {
    for (std::size_t applied = 0; applied < 5; ++applied) {
      out.sample("dmarc_milter_messages_total",
                 {{"dmarc", toString(static_cast<DmarcResult>(result))},
                  {"disposition", toString(static_cast<Disposition>(applied))}},
                 d_messages[result * 5 + applied].load(std::memory_order_relaxed));
    }
  }
  out.family("dmarc_milter_overrides_total", MetricType::Counter,
             "Local overrides of the sender's policy, by reason.");
  renderByEnum<OverrideReason>(out, "dmarc_milter_overrides_total", "reason", d_overrides);
  out.family("dmarc_milter_spf_results_total", MetricType::Counter, "SPF results, per message.");
  renderByEnum<SpfResult>(out, "dmarc_milter_spf_results_total", "result", d_spf);
  out.family("dmarc_milter_dkim_results_total", MetricType::Counter,
             "DKIM results, per signature (none: a message without a signature).");
  renderByEnum<DkimResult>(out, "dmarc_milter_dkim_results_total", "result", d_dkim);
  out.family("dmarc_milter_arc_results_total", MetricType::Counter,
             "ARC chain validation results, per message (none: no ARC set; temperror: a key "
             "lookup failed temporarily).");
  renderByEnum<ArcResult>(out, "dmarc_milter_arc_results_total", "result", d_arc);
  out.family("dmarc_milter_replies_total", MetricType::Counter,
             "Replies to decided messages (hold: accepted into the hold queue).");
  for (std::size_t i = 0; i < s_replyNames.size(); ++i) {
    out.sample("dmarc_milter_replies_total", {{"reply", s_replyNames[i]}},
               d_replies[i].load(std::memory_order_relaxed));
  }
  out.family("dmarc_milter_internal_errors_total", MetricType::Counter,
             "Messages that got InternalErrorAction because the filter failed on them.");
  out.sample("dmarc_milter_internal_errors_total", {},
             d_internalErrors.load(std::memory_order_relaxed));
  out.family("dmarc_milter_end_of_message_duration_seconds", MetricType::Histogram,
             "Time from end of message to the reply (checks, decision, history spool).");
  out.histogram("dmarc_milter_end_of_message_duration_seconds", {}, d_endOfMessage.snapshot());
}

void MilterMetrics::renderDns(PrometheusText& out) const
{
  out.family("dmarc_milter_dns_queries_total", MetricType::Counter,
             "DNS queries (DMARC, SPF, DKIM), by whether the answer came from the cache.");
  out.sample("dmarc_milter_dns_queries_total", {{"cache", "miss"}},
             d_dnsQueries[0].load(std::memory_order_relaxed));
  out.sample("dmarc_milter_dns_queries_total", {{"cache", "hit"}},
             d_dnsQueries[1].load(std::memory_order_relaxed));
  out.family("dmarc_milter_dns_failures_total", MetricType::Counter,
             "DNS queries that failed (timeout, SERVFAIL, bogus, over a bound).");
  out.sample("dmarc_milter_dns_failures_total", {}, d_dnsFailures.load(std::memory_order_relaxed));
  out.family("dmarc_milter_dns_query_duration_seconds", MetricType::Histogram,
             "Latency of DNS queries not answered from the cache.");
  out.histogram("dmarc_milter_dns_query_duration_seconds", {}, d_dnsLatency.snapshot());
}

std::string MilterMetrics::render(const MilterGauges& gauges) const
{
  PrometheusText out;
  renderMessages(out);
  renderDns(out);
  out.family("dmarc_milter_config_reloads_total", MetricType::Counter,
             "Configuration reloads (SIGUSR1), by result.");
  out.sample("dmarc_milter_config_reloads_total", {{"result", "applied"}},
             d_reloads[1].load(std::memory_order_relaxed));
  out.sample("dmarc_milter_config_reloads_total", {{"result", "refused"}},
             d_reloads[0].load(std::memory_order_relaxed));
  if (gauges.store) {
    renderStore(out, *gauges.store);
  }
  renderProcess(out, gauges);
  return out.text();
}
} // namespace dmarc
