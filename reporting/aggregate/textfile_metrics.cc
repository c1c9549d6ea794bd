// textfile_metrics.cc: the send run's page and its atomic replacement.
#include "reporting/aggregate/textfile_metrics.hh"

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"
#include "lib/core/prometheus_text.hh"

namespace dmarc
{
namespace
{
constexpr std::string_view s_lastSuccess = "dmarc_reports_last_success_timestamp_seconds";
constexpr std::string_view s_command = "send";

void renderSummary(PrometheusText& out, const ReportRunSummary& summary)
{
  const char* name = "dmarc_reports_send_last_run";
  out.family(name, MetricType::Gauge,
             "Figures of the last send run: policy domains, report rows and messages, "
             "reports built, deliveries sent, skipped, failed and postponed.");
  const std::pair<const char*, std::uint64_t> figures[] = {
      {"domains", summary.domains}, {"rows", summary.rows},          {"messages", summary.messages},
      {"reports", summary.reports}, {"sent", summary.sent},          {"skipped", summary.skipped},
      {"failed", summary.failed},   {"postponed", summary.postponed}};
  for (const auto& [figure, value] : figures) {
    out.sample(name, {{"figure", figure}}, value);
  }
}
} // namespace

std::string sendRunMetrics(const SendRunFigures& figures)
{
  PrometheusText out;
  const MetricLabels command{{"command", s_command}};
  out.family("dmarc_reports_last_run_timestamp_seconds", MetricType::Gauge,
             "When the last run ended, in seconds since the epoch.");
  out.sample("dmarc_reports_last_run_timestamp_seconds", command,
             static_cast<double>(figures.finished));
  out.family("dmarc_reports_last_run_duration_seconds", MetricType::Gauge,
             "How long the last run took.");
  out.sample("dmarc_reports_last_run_duration_seconds", command, figures.seconds);
  out.family("dmarc_reports_last_run_exit_status", MetricType::Gauge,
             "The exit status of the last run (0: success; dmarc-reports(8), EXIT STATUS).");
  out.sample("dmarc_reports_last_run_exit_status", command,
             static_cast<std::uint64_t>(figures.exitStatus));
  if (figures.lastSuccess) {
    out.family(s_lastSuccess, MetricType::Gauge,
               "When the last successful run ended, in seconds since the epoch.");
    out.sample(s_lastSuccess, command, *figures.lastSuccess);
  }
  if (figures.summary) {
    renderSummary(out, *figures.summary);
  }
  return out.text();
}

std::optional<double> lastSuccessIn(std::string_view page)
{
  const std::string prefix = std::string(s_lastSuccess) + "{command=\"send\"} ";
  for (auto at = page.find(prefix); at != std::string_view::npos; at = page.find(prefix, at + 1)) {
    if (at != 0 && page[at - 1] != '\n') {
      continue;
    }
    auto text = page.substr(at + prefix.size());
    text = text.substr(0, text.find('\n'));
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size()) {
      return value;
    }
  }
  return std::nullopt;
}

std::string readSmallFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return in ? text.str().substr(0, 1 << 20) : std::string();
}

void writeFileAtomically(const std::string& path, const std::string& text)
{
  // In the same directory, so that rename(2) replaces the file in one step;
  // the process ID keeps concurrent runs (several MX hosts sharing nothing
  // but this host's cron) from writing into each other's temporary file.
  const std::string temporary = path + ".tmp." + std::to_string(::getpid());
  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) {
    throw Error("cannot create " + temporary + ": " + std::strerror(errno));
  }
  // Readable by node_exporter whatever the umask of cron's environment.
  ::fchmod(fd.get(), 0644);
  std::size_t done = 0;
  while (done < text.size()) {
    ssize_t wrote = ::write(fd.get(), text.data() + done, text.size() - done);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      int error = errno;
      ::unlink(temporary.c_str());
      throw Error("cannot write " + temporary + ": " + std::strerror(error));
    }
    done += static_cast<std::size_t>(wrote);
  }
  if (::fsync(fd.get()) != 0 || ::rename(temporary.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temporary.c_str());
    throw Error("cannot replace " + path + ": " + std::strerror(error));
  }
}
} // namespace dmarc
