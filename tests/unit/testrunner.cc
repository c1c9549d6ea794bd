// testrunner.cc: the main() of every Boost.Test unit test runner.
// Each runner links this file and its component's test-<unit>_cc.cc files.
#define BOOST_TEST_MODULE dmarc_milter_unit_tests
#include <boost/test/unit_test.hpp>
