// test-schema_requirement_cc.cc: an older schema is refused with the line
// that says what to run; the same or a newer one will do.
#include <boost/test/unit_test.hpp>

#include "lib/core/schema_requirement.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_schema_requirement_cc)

BOOST_AUTO_TEST_CASE(test_SchemaTooOld_SameOrNewerWillDo)
{
  BOOST_CHECK(!schemaTooOld(13, 13));
  BOOST_CHECK(!schemaTooOld(14, 13));
  BOOST_CHECK(!schemaTooOld(s_requiredSchemaVersion));
}

BOOST_AUTO_TEST_CASE(test_SchemaTooOld_OlderSaysWhatToRun)
{
  auto line = schemaTooOld(11, 13);
  BOOST_REQUIRE(line);
  BOOST_CHECK_EQUAL(*line, "database schema is version 11, this dmarc-milter needs 13: run "
                           "dmarc-reports db upgrade");
  BOOST_CHECK(schemaTooOld(0, 13)); // an empty database
}

BOOST_AUTO_TEST_CASE(test_SchemaTooOld_UnreadableVersionIsOlder)
{
  auto line = schemaTooOld(s_schemaVersionUnreadable, 13);
  BOOST_REQUIRE(line);
  BOOST_CHECK_EQUAL(*line, "database schema is older than version 13 (permission denied reading "
                           "its version: if it is upgraded, is the role in dmarc_milter?), this "
                           "dmarc-milter needs 13: run dmarc-reports db upgrade");
}

BOOST_AUTO_TEST_SUITE_END()
