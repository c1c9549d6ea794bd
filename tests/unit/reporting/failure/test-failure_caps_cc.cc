// test-failure_caps_cc.cc: the three caps on failure reports, with the
// counts of earlier runs read once per domain.
#include <boost/test/unit_test.hpp>

#include "reporting/failure/failure_caps.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_failure_caps_cc)

BOOST_AUTO_TEST_CASE(test_refusal_DomainHourlyCap)
{
  int loads = 0;
  FailureCaps caps(
      FailureCapLimits{3, 100, 1000},
      [&](const std::string&) {
        ++loads;
        return SentCounts{1, 1};
      },
      [] { return std::uint64_t{0}; });
  BOOST_CHECK(!caps.refusal("example.com"));
  caps.count("example.com");
  BOOST_CHECK(!caps.refusal("example.com"));
  caps.count("example.com");
  BOOST_CHECK_EQUAL(caps.refusal("example.com").value_or(""), "domain hourly cap 3");
  BOOST_CHECK(!caps.refusal("example.org"));
  BOOST_CHECK_EQUAL(loads, 2); // once per domain
}

BOOST_AUTO_TEST_CASE(test_refusal_DomainDailyCap)
{
  FailureCaps caps(
      FailureCapLimits{10, 5, 1000},
      [](const std::string&) {
        return SentCounts{0, 5};
      },
      [] { return std::uint64_t{0}; });
  BOOST_CHECK_EQUAL(caps.refusal("example.com").value_or(""), "domain daily cap 5");
}

BOOST_AUTO_TEST_CASE(test_refusal_GlobalCapAcrossDomains)
{
  FailureCaps caps(
      FailureCapLimits{10, 100, 3}, [](const std::string&) { return SentCounts{}; },
      [] { return std::uint64_t{1}; });
  caps.count("a.example");
  caps.count("b.example");
  BOOST_CHECK_EQUAL(caps.refusal("c.example").value_or(""), "global hourly cap 3");
}

BOOST_AUTO_TEST_CASE(test_refusal_ZeroMeansNone)
{
  FailureCaps caps(
      FailureCapLimits{0, 100, 1000}, [](const std::string&) { return SentCounts{}; },
      [] { return std::uint64_t{0}; });
  BOOST_CHECK(caps.refusal("example.com"));
}

BOOST_AUTO_TEST_SUITE_END()
