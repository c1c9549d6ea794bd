// retry_backoff.cc: see the header.
#include "lib/core/retry_backoff.hh"

#include <algorithm>

namespace dmarc
{
std::chrono::milliseconds nextBackoff(std::chrono::milliseconds previous,
                                      std::chrono::milliseconds minimum,
                                      std::chrono::milliseconds maximum)
{
  if (previous.count() <= 0) {
    return std::min(minimum, maximum);
  }
  // Doubling saturates at maximum (and cannot overflow: maximum bounds it).
  if (previous >= maximum / 2) {
    return maximum;
  }
  return std::clamp(previous * 2, minimum, maximum);
}

std::chrono::milliseconds withJitter(std::chrono::milliseconds delay, std::uint32_t random)
{
  if (delay.count() <= 1) {
    return delay;
  }
  const auto half = delay.count() / 2;
  const auto spread = static_cast<std::uint64_t>(delay.count() - half); // inclusive upper end
  const auto extra = (static_cast<std::uint64_t>(random) * (spread + 1)) >> 32;
  return std::chrono::milliseconds(half + static_cast<std::int64_t>(extra));
}
} // namespace dmarc
