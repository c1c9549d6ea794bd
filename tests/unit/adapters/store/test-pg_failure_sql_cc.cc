// test-pg_failure_sql_cc.cc: the failure_sample INSERT carries only the rows
// with a sample, every value as a parameter.
#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/pg_failure_sql.hh"
#include "tests/unit/sample_message_record.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_pg_failure_sql_cc)

BOOST_AUTO_TEST_CASE(test_failureInsertSql_OnlyPlaceholders)
{
  auto sql = failureInsertSql();
  BOOST_CHECK(sql.starts_with("INSERT INTO failure_sample ("));
  BOOST_CHECK(sql.find("$5::boolean[]") != std::string::npos);
  BOOST_CHECK(sql.ends_with("ON CONFLICT DO NOTHING"));
}

BOOST_AUTO_TEST_CASE(test_failureBatchParams_RowsWithASampleOnly)
{
  auto plain = sampleMessageRecord(1);
  BOOST_CHECK(failureBatchParams({&plain}).empty());
  auto failing = sampleFailureRecord(2);
  failing.failure->headers = "Subject: \"quoted\" \\ back\nX: {brace}\n";
  auto params = failureBatchParams({&plain, &failing});
  BOOST_REQUIRE_EQUAL(params.size(), 5u);
  BOOST_CHECK_EQUAL(params[0], "{\"" + failing.messageKey + "\"}");
  BOOST_CHECK_EQUAL(params[1], "{\"alice.sender@bounce.example.com\"}");
  BOOST_CHECK_EQUAL(params[2], "{\"{\\\"bob@example.net\\\",\\\"carol@example.org\\\"}\"}");
  BOOST_CHECK_EQUAL(params[3], "{\"Subject: \\\"quoted\\\" \\\\ back\nX: {brace}\n\"}");
  BOOST_CHECK_EQUAL(params[4], "{\"true\"}");
}

BOOST_AUTO_TEST_SUITE_END()
