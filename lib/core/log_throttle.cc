// log_throttle.cc: see the header.
#include "lib/core/log_throttle.hh"

namespace dmarc
{
bool LogThrottle::note(Clock::time_point now)
{
  ++d_pending;
  return !d_lastLine || now - *d_lastLine >= d_interval;
}

bool LogThrottle::due(Clock::time_point now) const
{
  return d_pending > 0 && (!d_lastLine || now - *d_lastLine >= d_interval);
}

std::uint64_t LogThrottle::take(Clock::time_point now)
{
  d_lastLine = now;
  auto count = d_pending;
  d_pending = 0;
  return count;
}

std::uint64_t LogThrottle::finish()
{
  d_lastLine.reset();
  auto count = d_pending;
  d_pending = 0;
  return count;
}
} // namespace dmarc
