// test-pg_connection_cc.cc: the password file is added to any form of
// connection string, and logged forms never show a password.
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/pg_connection.hh"
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

BOOST_AUTO_TEST_SUITE_END()
