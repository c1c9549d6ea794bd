// test-logger_cc.cc: sanitising and the key=value log line (STYLE.md 12).
#include <syslog.h>

#include <boost/test/unit_test.hpp>

#include "milter/logger.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_logger_cc)

BOOST_AUTO_TEST_CASE(test_Sanitize_ReplacesControlAndCaps)
{
  BOOST_CHECK_EQUAL(sanitize("a\r\nb\x01\xff"), "a??b??");
  BOOST_CHECK_EQUAL(sanitize(std::string(300, 'x'), 10), std::string(10, 'x') + "...");
}

BOOST_AUTO_TEST_CASE(test_LogLine_QueueIdFirstAndQuoting)
{
  LogLine line("4ABCD");
  line.add("dmarc", "fail").add("helo", "evil host\n dmarc=pass").add("n", 3);
  BOOST_CHECK_EQUAL(line.text(), "4ABCD: dmarc=fail helo=\"evil host? dmarc=pass\" n=3");
  BOOST_CHECK_EQUAL(LogLine("").add("a", "").text(), "NOQUEUE: a=\"\"");
}

BOOST_AUTO_TEST_CASE(test_MemoryLogger_FiltersByLevel)
{
  MemoryLogger logger(LOG_INFO);
  logger.log(LOG_DEBUG, "hidden");
  logger.log(LOG_ERR, "shown");
  BOOST_REQUIRE_EQUAL(logger.lines().size(), 1u);
  BOOST_CHECK_EQUAL(logger.lines().front(), "shown");
}

BOOST_AUTO_TEST_SUITE_END()
