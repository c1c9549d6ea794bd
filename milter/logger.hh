// logger.hh: where dmarc-milter's log lines go, and how a line is built.
//
// Logger is an interface (STYLE.md 3) so that tests capture lines; the
// production SyslogLogger writes through syslog(3). LogLine builds the one
// key=value line per message (STYLE.md 12): values from the network are
// sanitised (non-printables replaced, length capped, quoted when they hold
// spaces), so a hostile HELO or From cannot forge or split log lines.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
// Printable ASCII only: every other byte becomes '?'; at most maxLength
// bytes, with "..." marking a cut.
std::string sanitize(std::string_view text, std::size_t maxLength = 256);

class Logger
{
public:
  virtual ~Logger() = default;
  // priority: a syslog priority (LOG_ERR .. LOG_DEBUG).
  virtual void log(int priority, std::string_view line) = 0;
  virtual bool enabled(int priority) const = 0;
};

// syslog(3) with a level filter. openlog is called once with the facility;
// the level and the on/off switch follow reloads.
class SyslogLogger : public Logger
{
public:
  SyslogLogger(int facility, int level, bool enabled, bool alsoStderr);
  ~SyslogLogger() override;
  void log(int priority, std::string_view line) override;
  bool enabled(int priority) const override;
  void setLevel(int level, bool enabled);

private:
  std::atomic<int> d_level;
  std::atomic<bool> d_enabled;
  bool d_stderr;
};

// Lines kept in memory (unit tests, the offline -t mode).
class MemoryLogger : public Logger
{
public:
  explicit MemoryLogger(int level = 7) : d_level(level) {}
  void log(int priority, std::string_view line) override;
  bool enabled(int priority) const override { return priority <= d_level; }
  std::vector<std::string> lines() const;

private:
  int d_level;
  mutable std::mutex d_mutex;
  std::vector<std::string> d_lines;
};

// One key=value line. The first word is the queue ID ("NOQUEUE" when
// unknown), followed by ": ".
class LogLine
{
public:
  explicit LogLine(std::string_view queueId);
  LogLine& add(std::string_view key, std::string_view value);
  LogLine& add(std::string_view key, long long value);
  const std::string& text() const { return d_text; }

private:
  std::string d_text;
};
} // namespace dmarc
