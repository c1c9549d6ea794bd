// test-dns_budget_cc.cc: the per-message DNS time budget, with a fake clock.
#include <boost/test/unit_test.hpp>

#include "lib/core/dns_budget.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using namespace std::chrono_literals;

namespace
{
struct FakeClock
{
  std::chrono::steady_clock::time_point now{};
  DnsBudget::Clock function()
  {
    return [this] { return now; };
  }
};

// Records the timeout each query was given, and spends time on the clock.
class TimedFake : public TimedDnsResolver
{
public:
  explicit TimedFake(FakeClock& clock) : d_clock(clock) {}
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    return query(name, type, 999999ms);
  }
  DnsAnswer query(std::string_view /*name*/, DnsType /*type*/,
                  std::chrono::milliseconds timeout) override
  {
    timeouts.push_back(timeout);
    d_clock.now += 400ms;
    DnsAnswer answer;
    answer.status = DnsStatus::NxDomain;
    return answer;
  }
  std::vector<std::chrono::milliseconds> timeouts;

private:
  FakeClock& d_clock;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_dns_budget_cc)

BOOST_AUTO_TEST_CASE(test_Query_PassesThroughWithinBudget)
{
  FakeClock clock;
  test::FakeResolver fake;
  fake.add("example.com", DnsType::TXT, "v=spf1 -all");
  DnsBudget budget(fake, 1000ms, clock.function());
  auto answer = budget.query("example.com", DnsType::TXT);
  BOOST_CHECK(answer.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(budget.queries(), 1u);
  BOOST_CHECK_EQUAL(budget.remaining().count(), 1000);
}

BOOST_AUTO_TEST_CASE(test_Query_FailureOnceSpentWithoutAsking)
{
  FakeClock clock;
  test::FakeResolver fake;
  fake.add("example.com", DnsType::TXT, "v=spf1 -all");
  DnsBudget budget(fake, 1000ms, clock.function());
  clock.now += 1000ms;
  BOOST_CHECK(budget.exhausted());
  auto answer = budget.query("example.com", DnsType::TXT);
  BOOST_CHECK_MESSAGE(answer.status == DnsStatus::Failure,
                      "got " << toString(answer.status) << ", want failure");
  BOOST_CHECK(!answer.error.empty());
  BOOST_CHECK_EQUAL(fake.queries().size(), 0u); // the network was not asked
  BOOST_CHECK_EQUAL(budget.refused(), 1u);
}

BOOST_AUTO_TEST_CASE(test_Query_TimedResolverGetsTheRemainder)
{
  FakeClock clock;
  TimedFake timed(clock);
  DnsBudget budget(timed, 1000ms, clock.function());
  budget.query("a.example", DnsType::A); // spends 400 ms
  budget.query("b.example", DnsType::A); // spends 400 ms
  budget.query("c.example", DnsType::A); // 200 ms left: bounded by it
  auto refused = budget.query("d.example", DnsType::A);
  BOOST_REQUIRE_EQUAL(timed.timeouts.size(), 3u);
  BOOST_CHECK_EQUAL(timed.timeouts[0].count(), 1000);
  BOOST_CHECK_EQUAL(timed.timeouts[1].count(), 600);
  BOOST_CHECK_EQUAL(timed.timeouts[2].count(), 200);
  BOOST_CHECK(refused.status == DnsStatus::Failure);
}

BOOST_AUTO_TEST_SUITE_END()
