// retry_backoff.hh: exponential backoff with jitter for reconnecting to a
// shared service (the history database).
//
// Why jitter: many MX hosts write to one database. When it restarts, each
// host's writer notices at the same moment; without jitter they would all
// retry in the same instants, doubling together, and knock at the database
// in waves. "Equal jitter" keeps at least half of each delay (the backoff
// still grows) and spreads the rest uniformly.
//
// Pure: the caller supplies the random bits.
#pragma once

#include <chrono>
#include <cstdint>

namespace dmarc
{
// The delay after `previous` (zero for the first failure): minimum, then
// doubling up to maximum.
std::chrono::milliseconds nextBackoff(std::chrono::milliseconds previous,
                                      std::chrono::milliseconds minimum,
                                      std::chrono::milliseconds maximum);

// `delay` with equal jitter: a value in [delay/2, delay], chosen by `random`
// (uniform over 32 bits gives a uniform choice).
std::chrono::milliseconds withJitter(std::chrono::milliseconds delay, std::uint32_t random);
} // namespace dmarc
