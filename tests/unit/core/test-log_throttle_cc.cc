// test-log_throttle_cc.cc: the first occurrence is logged at once, then at
// most one line per interval; every occurrence is in exactly one line's
// count, including those left when a burst stops or the episode ends.
#include <boost/test/unit_test.hpp>

#include "lib/core/log_throttle.hh"

using namespace dmarc;
using std::chrono::seconds;

namespace
{
const LogThrottle::Clock::time_point s_start{seconds(1000)};
}

BOOST_AUTO_TEST_SUITE(test_log_throttle_cc)

BOOST_AUTO_TEST_CASE(test_Note_FirstAtOnceThenOncePerInterval)
{
  LogThrottle throttle(seconds(10));
  BOOST_CHECK(throttle.note(s_start));
  BOOST_CHECK_EQUAL(throttle.take(s_start), 1u);
  std::uint64_t logged = 1;
  int lines = 1;
  // One occurrence a second for a minute: a line every ten seconds.
  for (int t = 1; t <= 60; ++t) {
    auto now = s_start + seconds(t);
    if (throttle.note(now)) {
      BOOST_CHECK_MESSAGE(t % 10 == 0, "got a line at second " << t << ", want one every 10");
      auto count = throttle.take(now);
      BOOST_CHECK_EQUAL(count, 10u);
      logged += count;
      ++lines;
    }
  }
  BOOST_CHECK_EQUAL(lines, 7);
  BOOST_CHECK_EQUAL(logged, 61u);
  BOOST_CHECK_EQUAL(throttle.pending(), 0u);
}

BOOST_AUTO_TEST_CASE(test_Due_BurstThatStopsIsStillReported)
{
  LogThrottle throttle(seconds(10));
  BOOST_REQUIRE(throttle.note(s_start));
  throttle.take(s_start);
  for (int i = 0; i < 5; ++i) {
    BOOST_CHECK(!throttle.note(s_start + seconds(1)));
  }
  BOOST_CHECK(!throttle.due(s_start + seconds(9)));
  BOOST_CHECK(throttle.due(s_start + seconds(10)));
  BOOST_CHECK_EQUAL(throttle.take(s_start + seconds(10)), 5u);
  BOOST_CHECK(!throttle.due(s_start + seconds(100))); // nothing left to say
}

BOOST_AUTO_TEST_CASE(test_Finish_ReturnsTheRestAndRestartsTheEpisode)
{
  LogThrottle throttle(seconds(10));
  BOOST_REQUIRE(throttle.note(s_start));
  throttle.take(s_start);
  throttle.note(s_start + seconds(2));
  throttle.note(s_start + seconds(3));
  BOOST_CHECK_EQUAL(throttle.finish(), 2u);
  BOOST_CHECK_EQUAL(throttle.finish(), 0u);
  // A new episode a moment later is logged at once.
  BOOST_CHECK(throttle.note(s_start + seconds(4)));
}
BOOST_AUTO_TEST_SUITE_END()
