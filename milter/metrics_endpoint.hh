// metrics_endpoint.hh: the daemon's metrics listener (MetricsListen), in
// the two steps of the milter socket's life cycle: bound as root before
// the privilege drop, served after it once the history store exists.
#pragma once

#include <chrono>
#include <memory>

#include "lib/adapters/metrics_listener.hh"
#include "milter/milter_metrics.hh"

namespace dmarc
{
class Config;
class VerdictWriter;

// The counters, when MetricsListen is set; nullptr otherwise (nothing is
// counted).
std::unique_ptr<MilterMetrics> metricsFor(const Config& config);

// Binds MetricsListen; nullptr when it is empty. Throws Error
// ("MetricsListen: cannot listen on 127.0.0.1:9464: Address already in
// use").
std::unique_ptr<MetricsListener> bindMetricsListener(const Config& config);

// Serves `metrics` with the figures of `store` (nullptr: no history kept)
// and of the milter's connections. Everything given must outlive the
// listener.
void serveMetrics(MetricsListener& listener, const MilterMetrics& metrics,
                  const VerdictWriter* store, std::chrono::system_clock::time_point started);
} // namespace dmarc
