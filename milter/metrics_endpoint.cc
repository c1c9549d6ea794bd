// metrics_endpoint.cc: binding and serving the daemon's metrics.
#include "milter/metrics_endpoint.hh"

#include "lib/adapters/store/verdict_writer.hh"
#include "lib/core/error.hh"
#include "milter/callbacks.hh"
#include "milter/config.hh"

namespace dmarc
{
std::unique_ptr<MilterMetrics> metricsFor(const Config& config)
{
  return config.metricsListen ? std::make_unique<MilterMetrics>() : nullptr;
}

std::unique_ptr<MetricsListener> bindMetricsListener(const Config& config)
{
  if (!config.metricsListen) {
    return nullptr;
  }
  try {
    return std::make_unique<MetricsListener>(*config.metricsListen);
  } catch (const Error& error) {
    throw Error(std::string("MetricsListen: ") + error.what());
  }
}

void serveMetrics(MetricsListener& listener, const MilterMetrics& metrics,
                  const VerdictWriter* store, std::chrono::system_clock::time_point started)
{
  listener.start([&metrics, store, started] {
    MilterGauges gauges;
    if (store != nullptr) {
      gauges.store = store->stats();
    }
    gauges.connections = activeConnections();
    gauges.busy = busyCallbacks();
    gauges.started = started;
    return metrics.render(gauges);
  });
}
} // namespace dmarc
