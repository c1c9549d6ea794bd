// log_throttle.hh: how often a repeated event gets a log line. The first
// occurrence is logged at once; after that at most one line per interval,
// each saying how many occurrences it stands for. A long outage then
// neither writes a line per message nor goes quiet: every occurrence is in
// the count of some line (the caller logs what is left when the episode
// ends, or when the interval has passed without a new occurrence).
//
// Pure: the caller supplies the time, and writes the lines.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

namespace dmarc
{
class LogThrottle
{
public:
  using Clock = std::chrono::steady_clock;

  explicit LogThrottle(Clock::duration interval) : d_interval(interval) {}

  // Counts one occurrence. True when a line is due now: the first one of
  // an episode, or the interval has passed since the last line. The caller
  // then writes it with the count from take().
  bool note(Clock::time_point now);
  // Occurrences not in a line yet whose line is due by `now` (for a
  // caller that looks from time to time, so that the last ones of a burst
  // are not left unsaid).
  bool due(Clock::time_point now) const;
  // The occurrences the line being written stands for (those since the
  // last line); the next line is due an interval from `now`.
  std::uint64_t take(Clock::time_point now);
  // Ends the episode: returns the occurrences not in a line yet, and the
  // next occurrence is logged at once again.
  std::uint64_t finish();
  std::uint64_t pending() const { return d_pending; }

private:
  Clock::duration d_interval;
  std::optional<Clock::time_point> d_lastLine;
  std::uint64_t d_pending = 0;
};
} // namespace dmarc
