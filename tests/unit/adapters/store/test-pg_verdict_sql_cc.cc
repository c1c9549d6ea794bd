// test-pg_verdict_sql_cc.cc: the verdict INSERT text carries only names and
// placeholders, every row has one parameter per column, and hostile values
// become well-formed parameters (array literals, UTF-8 text).
#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "lib/core/error.hh"
#include "tests/unit/sample_message_record.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_pg_verdict_sql_cc)

BOOST_AUTO_TEST_CASE(test_InsertSql_OneArrayParameterPerColumn)
{
  auto sql = verdictInsertSql();
  auto columns = verdictColumnCount();
  BOOST_CHECK(sql.starts_with("INSERT INTO verdict (message_key, received_at, "));
  BOOST_CHECK(sql.ends_with(" ON CONFLICT DO NOTHING"));
  BOOST_CHECK(sql.find("$" + std::to_string(columns) + "::") != std::string::npos);
  BOOST_CHECK(sql.find("$" + std::to_string(columns + 1)) == std::string::npos);
  BOOST_CHECK(sql.find("unnest($1::uuid[], $2::timestamptz[]") != std::string::npos);
  BOOST_CHECK(sql.find("$5::inet[]") != std::string::npos);
  // Array columns travel as text[] of literals and are cast back per row.
  BOOST_CHECK(sql.find("$8::text[]") != std::string::npos);
  BOOST_CHECK(sql.find("c8::text[]") != std::string::npos);
  BOOST_CHECK(sql.find("$45::text[]") != std::string::npos);
  BOOST_CHECK(sql.find("c45::dkim_result[]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_BatchParams_TransposeRowsIntoColumnArrays)
{
  auto a = sampleMessageRecord(1);
  auto b = MessageRecord{};
  b.messageKey = "k2";
  b.helo = "x\"y";
  auto params = verdictBatchParams({&a, &b}, "default");
  BOOST_REQUIRE_EQUAL(params.size(), verdictColumnCount());
  BOOST_CHECK_EQUAL(params[0], "{\"" + a.messageKey + "\",\"k2\"}");
  BOOST_CHECK_EQUAL(params[2], "{\"mx1.example.net\",\"default\"}");
  BOOST_CHECK_EQUAL(params[4], "{\"2001:db8::25\",NULL}"); // client_ip
  BOOST_CHECK_EQUAL(params[5], "{\"mail.example.com\",\"x\\\"y\"}");
  // rcpt_domains: each element is itself an array literal, quoted again.
  BOOST_CHECK_EQUAL(params[7], "{\"{\\\"example.net\\\",\\\"example.org\\\"}\",\"{}\"}");
}

BOOST_AUTO_TEST_CASE(test_Params_OnePerColumnWithAndWithoutOptionals)
{
  std::vector<PgParam> params;
  appendVerdictParams(sampleMessageRecord(), "default", params);
  BOOST_CHECK_EQUAL(params.size(), verdictColumnCount());
  params.clear();
  appendVerdictParams(MessageRecord{}, "default", params);
  BOOST_CHECK_EQUAL(params.size(), verdictColumnCount());
  BOOST_CHECK_EQUAL(params.at(2).value_or("NULL"), "default"); // reporting_host
  BOOST_CHECK(!params.at(4));                                  // client_ip: empty -> NULL
}

BOOST_AUTO_TEST_CASE(test_Params_ValuesInColumnOrder)
{
  std::vector<PgParam> params;
  auto record = sampleMessageRecord();
  appendVerdictParams(record, "default", params);
  BOOST_CHECK_EQUAL(*params.at(0), record.messageKey);
  BOOST_CHECK_EQUAL(*params.at(1), "2026-11-18 11:06:40.123457+00");
  BOOST_CHECK_EQUAL(*params.at(4), "2001:db8::25");
  BOOST_CHECK_EQUAL(*params.at(7), "{\"example.net\",\"example.org\"}");
  BOOST_CHECK_EQUAL(*params.at(10), "fail");
  BOOST_CHECK_EQUAL(*params.at(14), "example.com"); // policy_domain
  BOOST_CHECK_EQUAL(*params.at(22), "50");          // policy_pct
  BOOST_CHECK_EQUAL(*params.at(34), "{\"mailing_list\",\"other\"}");
  BOOST_CHECK_EQUAL(*params.at(44), "{\"fail\",\"pass\"}");
  BOOST_CHECK_EQUAL(*params.at(47), "{\"2048\",\"256\"}");
  BOOST_CHECK_EQUAL(*params.at(53), "CN=Test CA");
  BOOST_CHECK_EQUAL(*params.at(54), "pass"); // arc_result
  BOOST_CHECK_EQUAL(*params.at(55), "{\"forwarder.example\",\"lists.example.org\"}");
  BOOST_CHECK_EQUAL(*params.at(56), "lists.example.org");
  BOOST_CHECK_EQUAL(*params.at(57), "arc=pass as[2].d=lists.example.org");
}

BOOST_AUTO_TEST_CASE(test_Params_NoArcIsNoneAndEmpty)
{
  // Never NULL: the columns of sql/0007_arc.sql are NOT NULL.
  std::vector<PgParam> params;
  appendVerdictParams(MessageRecord{}, "default", params);
  BOOST_CHECK_EQUAL(params.at(54).value_or("NULL"), "none");
  BOOST_CHECK_EQUAL(params.at(55).value_or("NULL"), "{}");
  BOOST_CHECK_EQUAL(params.at(56).value_or("NULL"), "");
  BOOST_CHECK_EQUAL(params.at(57).value_or("NULL"), "");
  auto sql = verdictInsertSql();
  BOOST_CHECK(sql.find("$55::arc_result[]") != std::string::npos);
  BOOST_CHECK(sql.find("c56::text[]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Params_BadClientIpBecomesNull)
{
  for (const char* bad :
       {"unknown", "[192.0.2.1]", "IPv6:2001:db8::1", "192.0.2.1; DROP", "fe80::1%eth0"}) {
    auto record = sampleMessageRecord();
    record.clientIp = bad;
    std::vector<PgParam> params;
    appendVerdictParams(record, "h", params);
    BOOST_CHECK_MESSAGE(!params.at(4),
                        "got " << params.at(4).value_or("NULL") << " for " << bad << ", want NULL");
  }
}

BOOST_AUTO_TEST_CASE(test_ArrayLiteral_QuotesEverything)
{
  BOOST_CHECK_EQUAL(pgArrayLiteral(std::vector<std::string>{}), "{}");
  BOOST_CHECK_EQUAL(pgArrayLiteral(std::vector<PgParam>{std::nullopt, "NULL"}), "{NULL,\"NULL\"}");
  BOOST_CHECK_EQUAL(pgArrayLiteral(std::vector<std::string>{""}), "{\"\"}");
  BOOST_CHECK_EQUAL(pgArrayLiteral(std::vector<std::string>{"NULL"}), "{\"NULL\"}");
  BOOST_CHECK_EQUAL(pgArrayLiteral(std::vector<std::string>{"a\"b", "c\\d", "{e,f}"}),
                    "{\"a\\\"b\",\"c\\\\d\",\"{e,f}\"}");
}

BOOST_AUTO_TEST_CASE(test_Text_ReplacesNulAndInvalidUtf8)
{
  BOOST_CHECK_EQUAL(pgText("plain"), "plain");
  BOOST_CHECK_EQUAL(pgText("caf\xc3\xa9"), "caf\xc3\xa9");
  BOOST_CHECK_EQUAL(pgText(std::string_view("a\0b", 3)), "a\xef\xbf\xbd"
                                                         "b");
  BOOST_CHECK_EQUAL(pgText("\xff"), "\xef\xbf\xbd");
  BOOST_CHECK_EQUAL(pgText("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                 // overlong '/'
  BOOST_CHECK_EQUAL(pgText("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); // surrogate
  BOOST_CHECK_EQUAL(pgText("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
  BOOST_CHECK_EQUAL(pgText("\xe2\x82"), "\xef\xbf\xbd\xef\xbf\xbd"); // truncated sequence
}

BOOST_AUTO_TEST_CASE(test_Timestamp_UtcWithMicroseconds)
{
  using namespace std::chrono;
  BOOST_CHECK_EQUAL(pgTimestamp(system_clock::time_point(microseconds(0))),
                    "1970-01-01 00:00:00.000000+00");
  BOOST_CHECK_EQUAL(pgTimestamp(system_clock::time_point(microseconds(-1))),
                    "1969-12-31 23:59:59.999999+00");
}

BOOST_AUTO_TEST_SUITE_END()
