// test-retry_backoff_cc.cc: the reconnect backoff grows, saturates and is
// spread by jitter without leaving [delay/2, delay].
#include <chrono>
#include <cstdint>
#include <set>

#include <boost/test/unit_test.hpp>

#include "lib/core/retry_backoff.hh"

using namespace dmarc;
using std::chrono::milliseconds;

BOOST_AUTO_TEST_SUITE(test_retry_backoff_cc)

BOOST_AUTO_TEST_CASE(test_NextBackoff_DoublesFromMinimumToMaximum)
{
  const milliseconds min(100);
  const milliseconds max(30000);
  milliseconds delay(0);
  std::vector<long> seen;
  for (int i = 0; i < 12; ++i) {
    delay = nextBackoff(delay, min, max);
    seen.push_back(static_cast<long>(delay.count()));
  }
  std::vector<long> want = {100,  200,   400,   800,   1600,  3200,
                            6400, 12800, 25600, 30000, 30000, 30000};
  BOOST_CHECK_EQUAL_COLLECTIONS(seen.begin(), seen.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(test_NextBackoff_HugeValuesSaturate)
{
  const milliseconds max = milliseconds::max() / 2 + milliseconds(1);
  BOOST_CHECK(nextBackoff(max, milliseconds(1), max) == max);
  BOOST_CHECK(nextBackoff(milliseconds::max(), milliseconds(1), max) == max);
  BOOST_CHECK(nextBackoff(milliseconds(0), milliseconds(500), milliseconds(200)) ==
              milliseconds(200));
}

BOOST_AUTO_TEST_CASE(test_WithJitter_StaysBetweenHalfAndWhole)
{
  const milliseconds delay(1000);
  BOOST_CHECK_EQUAL(withJitter(delay, 0).count(), 500);
  BOOST_CHECK_EQUAL(withJitter(delay, UINT32_MAX).count(), 1000);
  std::set<long> values;
  std::uint32_t random = 12345;
  for (int i = 0; i < 10000; ++i) {
    random = random * 1664525U + 1013904223U; // LCG: spread inputs
    auto got = withJitter(delay, random).count();
    BOOST_REQUIRE_MESSAGE(got >= 500 && got <= 1000, "got " << got << ", want 500..1000");
    values.insert(static_cast<long>(got));
  }
  // Spread, not a few fixed points: most of the 501 values occur.
  BOOST_CHECK_MESSAGE(values.size() > 400, "got " << values.size() << " distinct delays");
}

BOOST_AUTO_TEST_CASE(test_WithJitter_TinyDelaysUnchanged)
{
  BOOST_CHECK_EQUAL(withJitter(milliseconds(0), 77).count(), 0);
  BOOST_CHECK_EQUAL(withJitter(milliseconds(1), 77).count(), 1);
}

BOOST_AUTO_TEST_SUITE_END()
