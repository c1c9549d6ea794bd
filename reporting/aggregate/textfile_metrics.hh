// textfile_metrics.hh: what `dmarc-reports send --metrics-file` writes for
// node_exporter's textfile collector, and how it writes it.
//
// The file holds the figures of the last run (Prometheus text format,
// lib/core/prometheus_text.hh) and the time of the last successful one,
// carried over from the previous file when this run failed, so that an
// alert on "no successful run for a day" keeps its reference however
// many runs fail after it. It is replaced atomically (a temporary file in
// the same directory, fsynced, then rename(2)): the collector never reads
// half a file.
#pragma once

#include <ctime>
#include <optional>
#include <string>
#include <string_view>

#include "reporting/aggregate/report_run.hh"

namespace dmarc
{
struct SendRunFigures
{
  std::optional<ReportRunSummary> summary; // nullopt: the run stopped before reporting
  int exitStatus = 0;
  std::time_t finished = 0;
  double seconds = 0;
  std::optional<double> lastSuccess; // epoch seconds; this run's when it succeeded
};

// The page. Pure.
std::string sendRunMetrics(const SendRunFigures& figures);

// The last-success time written in an earlier page, if any. Pure.
std::optional<double> lastSuccessIn(std::string_view page);

// Writes `text` to `path` atomically (mode 0644). Throws Error naming the
// path and the reason.
void writeFileAtomically(const std::string& path, const std::string& text);

// Reads `path`, or "" when it cannot be read (no earlier run).
std::string readSmallFile(const std::string& path);
} // namespace dmarc
