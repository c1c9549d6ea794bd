// test-pg_connection_cc.cc: the password file is added to any form of
// connection string, and logged forms never show a password.
#include <fstream>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/error.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_pg_connection_cc)

BOOST_AUTO_TEST_CASE(test_Redacted_HidesPassword)
{
  auto shown = redactedConnectionString("host=/run/postgresql dbname=dmarc password=s3cret");
  BOOST_CHECK(shown.find("s3cret") == std::string::npos);
  BOOST_CHECK(shown.find("password='<HIDDEN>'") != std::string::npos);
  auto uri = redactedConnectionString("postgresql://mx1:s3cret@db.example/dmarc");
  BOOST_CHECK_MESSAGE(uri.find("s3cret") == std::string::npos, "got " << uri);
  BOOST_CHECK_EQUAL(redactedConnectionString("host='unterminated"), "<unparsable>");
}

BOOST_AUTO_TEST_CASE(test_PasswordFile_AddedAndQuoted)
{
  TempDirectory dir;
  std::string path = dir.path() + "/pw";
  std::ofstream(path) << "it's\\secret\nsecond line ignored\n";
  ::chmod(path.c_str(), 0600);
  auto full = pgConnectionString("postgresql://mx1@localhost/dmarc", path);
  BOOST_CHECK(full.find("password='it\\'s\\\\secret'") != std::string::npos);
  BOOST_CHECK(full.find("dbname='dmarc'") != std::string::npos);
  BOOST_CHECK(full.find("second") == std::string::npos);
  BOOST_CHECK_EQUAL(pgConnectionString("dbname=x", ""), "dbname=x");
}

BOOST_AUTO_TEST_CASE(test_PasswordFile_MissingIsConfigError)
{
  BOOST_CHECK_THROW(pgConnectionString("dbname=x", "/nonexistent/pw"), ConfigError);
  BOOST_CHECK_THROW(pgConnectionString("host='x", "/dev/null"), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_ErrorText_OneLineNoQuestionMarksNoPassword)
{
  // libpq's message for a host with two addresses, as PQerrorMessage gives it.
  auto text = pgErrorText("connection to server at \"db\" (::1), port 5432 failed: Connection "
                          "refused\n\tIs the server running on that host and accepting TCP/IP "
                          "connections?\nconnection to server at \"db\" (127.0.0.1), port 5432 "
                          "failed: FATAL:  password authentication failed for user \"s3cret\"\n",
                          "host=db user=mx password=s3cret");
  BOOST_CHECK_EQUAL(text, "connection to server at \"db\" (::1), port 5432 failed: Connection "
                          "refused; Is the server running on that host and accepting TCP/IP "
                          "connections?; connection to server at \"db\" (127.0.0.1), port 5432 "
                          "failed: FATAL: password authentication failed for user \"<HIDDEN>\"");
  BOOST_CHECK_EQUAL(pgErrorText("\n\n"), "no reason given");
  BOOST_CHECK_EQUAL(pgErrorText("a\x01\xc3\xa9"), "a???");
  BOOST_CHECK_EQUAL(pgErrorText(std::string(2000, 'x')).size(), 603u);
}

BOOST_AUTO_TEST_CASE(test_ConnectFailure_NamesTargetAndReason)
{
  std::runtime_error refused("connection to server on socket \"/run/x/.s.PGSQL.5432\" failed: "
                             "No such file or directory\n\tIs the server running locally?\n");
  auto text = pgConnectFailure("host=/run/x dbname=dmarc password=pw1", refused);
  // libpq's keyword order.
  BOOST_CHECK_EQUAL(text, "cannot connect to the database (password='<HIDDEN>' dbname='dmarc' "
                          "host='/run/x'): connection to server on socket "
                          "\"/run/x/.s.PGSQL.5432\" failed: No such file or directory; Is the "
                          "server running locally?");
  auto empty = pgConnectFailure("", refused);
  BOOST_CHECK_MESSAGE(empty.find("()") == std::string::npos, "got " << empty);
  BOOST_CHECK(empty.find("libpq's defaults") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_ParseError_NeverRepeatsWhatItCouldNotParse)
{
  try {
    pgConnectionString("host=db password=top secret", "/dev/null");
    BOOST_FAIL("want a ConfigError");
  } catch (const ConfigError& error) {
    std::string what = error.what();
    BOOST_CHECK_MESSAGE(what.find("secret") == std::string::npos, "got " << what);
    BOOST_CHECK_MESSAGE(what.find("does not parse") != std::string::npos, "got " << what);
  }
}

BOOST_AUTO_TEST_SUITE_END()
