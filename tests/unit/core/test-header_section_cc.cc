// test-header_section_cc.cc: the failure report's header section is kept
// whole field by whole field and never grows past its limit.
#include <boost/test/unit_test.hpp>

#include "lib/core/header_section.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_header_section_cc)

BOOST_AUTO_TEST_CASE(test_add_KeepsFieldsInOrderWithLfLineEnds)
{
  HeaderSection section(1024);
  section.add("From", " a@example.com");
  section.add("Subject", " folded\r\n\tline");
  section.add("X-Empty", "");
  BOOST_CHECK_EQUAL(section.text(), "From: a@example.com\nSubject: folded\n\tline\nX-Empty:\n");
  BOOST_CHECK(!section.truncated());
}

BOOST_AUTO_TEST_CASE(test_add_StopsAtTheLimitWithoutPartialFields)
{
  HeaderSection section(40);
  section.add("A", " " + std::string(20, 'x')); // 24 bytes
  section.add("B", " " + std::string(20, 'y')); // would be 48
  section.add("C", "z");                        // fits, but the section is already cut
  BOOST_CHECK_EQUAL(section.text(), "A: " + std::string(20, 'x') + "\n");
  BOOST_CHECK(section.truncated());
}

BOOST_AUTO_TEST_CASE(test_add_ManyFieldsStayWithinTheLimit)
{
  HeaderSection section(65536);
  for (int i = 0; i < 100000; ++i) {
    section.add("Received", std::string(100, 'r'));
  }
  BOOST_CHECK_LE(section.text().size(), 65536u);
  BOOST_CHECK(section.truncated());
  HeaderSection zero(0);
  zero.add("A", "b");
  BOOST_CHECK(zero.text().empty() && zero.truncated());
}

BOOST_AUTO_TEST_SUITE_END()
