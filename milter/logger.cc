// logger.cc: syslog and in-memory loggers, sanitising, key=value lines.
#include "milter/logger.hh"

#include <algorithm>
#include <cstdio>
#include <syslog.h>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
std::string sanitize(std::string_view text, std::size_t maxLength)
{
  return printableAscii(text, maxLength);
}

SyslogLogger::SyslogLogger(int facility, int level, bool enabled, bool alsoStderr)
    : d_level(level), d_enabled(enabled), d_stderr(alsoStderr)
{
  openlog("dmarc-milter", LOG_PID | LOG_NDELAY, facility);
}

SyslogLogger::~SyslogLogger()
{
  closelog();
}

void SyslogLogger::log(int priority, std::string_view line)
{
  if (!enabled(priority)) {
    return;
  }
  // Lines are built from sanitised parts; %s keeps any '%' inert.
  std::string text(line);
  if (d_enabled.load(std::memory_order_relaxed)) {
    syslog(priority, "%s", text.c_str());
  }
  if (d_stderr) {
    std::fprintf(stderr, "dmarc-milter: %s\n", text.c_str());
  }
}

bool SyslogLogger::enabled(int priority) const
{
  return (d_enabled.load(std::memory_order_relaxed) || d_stderr) &&
         priority <= d_level.load(std::memory_order_relaxed);
}

void SyslogLogger::setLevel(int level, bool enabled)
{
  d_level.store(level, std::memory_order_relaxed);
  d_enabled.store(enabled, std::memory_order_relaxed);
}

void MemoryLogger::log(int priority, std::string_view line)
{
  if (enabled(priority)) {
    std::lock_guard lock(d_mutex);
    d_lines.emplace_back(line);
  }
}

std::vector<std::string> MemoryLogger::lines() const
{
  std::lock_guard lock(d_mutex);
  return d_lines;
}

LogLine::LogLine(std::string_view queueId)
{
  d_text = queueId.empty() ? std::string("NOQUEUE") : sanitize(queueId, 32);
  d_text += ":";
}

LogLine& LogLine::add(std::string_view key, std::string_view value)
{
  d_text += " ";
  d_text += key;
  d_text += "=";
  auto clean = sanitize(value);
  bool quote = clean.empty() || clean.find_first_of(" \"=") != std::string::npos;
  if (quote) {
    d_text += "\"";
    for (char c : clean) {
      if (c == '"' || c == '\\') {
        d_text += '\\';
      }
      d_text += c;
    }
    d_text += "\"";
  } else {
    d_text += clean;
  }
  return *this;
}

LogLine& LogLine::add(std::string_view key, long long value)
{
  return add(key, std::to_string(value));
}
} // namespace dmarc
