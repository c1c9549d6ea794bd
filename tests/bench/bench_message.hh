// bench_message.hh: what the DKIM and ARC benchmarks share: the 10 KB
// message they verify and the CPU-time rate measurement (jobs interleaved
// in short slices, so that a busy machine slows them all alike).
#pragma once

#include <ctime>
#include <functional>
#include <string>
#include <vector>

namespace dmarc::bench
{
inline constexpr std::size_t s_messageBytes = 10 * 1024;
inline constexpr std::time_t s_signTime = 1750000000;

struct Message
{
  std::vector<std::string> fields;
  std::string body;
};

// A plausible 10 KB message: eight common header fields, text body lines.
inline Message makeMessage()
{
  Message message;
  message.fields = {"From: Alice Example <alice@example.org>",
                    "To: Bob Example <bob@example.net>",
                    "Cc: team@example.net",
                    "Subject: Quarterly figures and the plan for the next quarter",
                    "Date: Sun, 15 Jun 2025 15:06:40 +0000",
                    "Message-ID: <bench-1@example.org>",
                    "MIME-Version: 1.0",
                    "Content-Type: text/plain; charset=utf-8"};
  std::size_t headerBytes = 0;
  for (const auto& field : message.fields) {
    headerBytes += field.size() + 2;
  }
  const std::string line =
      "The quick brown fox jumps over the lazy dog;  figures follow in the attachment.\r\n";
  while (headerBytes + 2 + message.body.size() + line.size() <= s_messageBytes) {
    message.body += line;
  }
  message.body.append(s_messageBytes - headerBytes - 2 - message.body.size() - 2, 'x');
  message.body += "\r\n";
  return message;
}

// CPU time of this thread: the machine is shared, so wall-clock rates
// would measure the other processes too (`openssl speed` also counts CPU
// time).
inline double cpuSeconds()
{
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// Runs the jobs in turn, in slices of 50 ms of CPU time, for about
// `seconds` of CPU time in all, and returns each one's operations per CPU
// second. Interleaving keeps the figures comparable when the machine's
// state (frequency, caches, load) changes during the run.
inline std::vector<double> rates(double seconds, const std::vector<std::function<void()>>& jobs)
{
  constexpr double s_slice = 0.05;
  std::vector<double> busy(jobs.size(), 0.0);
  std::vector<std::size_t> counts(jobs.size(), 0);
  for (const auto& job : jobs) {
    job(); // warm up
  }
  double spent = 0;
  while (spent < seconds) {
    for (std::size_t j = 0; j < jobs.size(); ++j) {
      double start = cpuSeconds();
      double now = start;
      do {
        jobs[j]();
        ++counts[j];
        now = cpuSeconds();
      } while (now - start < s_slice);
      busy[j] += now - start;
      spent += now - start;
    }
  }
  std::vector<double> out;
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    out.push_back(static_cast<double>(counts[j]) / busy[j]);
  }
  return out;
}

} // namespace dmarc::bench
