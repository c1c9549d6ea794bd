// test-pg_migrator_cc.cc: which files of the migrations directory count as
// migrations, in which order, and which directories are refused. (Applying
// them runs against PostgreSQL in tests/integration/test_store.py.)
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/pg_migrator.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
void write(const std::string& path, const std::string& text)
{
  std::ofstream(path) << text;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_pg_migrator_cc)

BOOST_AUTO_TEST_CASE(test_LoadMigrations_NumberedFilesInOrder)
{
  TempDirectory dir;
  write(dir.path() + "/0010_later.sql", "SELECT 10;");
  write(dir.path() + "/0002_roles.sql", "SELECT 2;");
  write(dir.path() + "/0001_verdicts.sql", "SELECT 1;");
  write(dir.path() + "/README", "not a migration");
  write(dir.path() + "/0003_Upper.sql", "ignored: upper case");
  write(dir.path() + "/0004_x.sql~", "ignored: backup");
  write(dir.path() + "/12_short.sql", "ignored: not four digits");
  auto migrations = loadMigrations(dir.path());
  BOOST_REQUIRE_EQUAL(migrations.size(), 3u);
  BOOST_CHECK_EQUAL(migrations[0].version, 1);
  BOOST_CHECK_EQUAL(migrations[1].version, 2);
  BOOST_CHECK_EQUAL(migrations[2].version, 10);
  BOOST_CHECK_EQUAL(migrations[2].name, "0010_later.sql");
  BOOST_CHECK_EQUAL(migrations[0].text, "SELECT 1;");
}

BOOST_AUTO_TEST_CASE(test_LoadMigrations_DuplicateNumberRefused)
{
  TempDirectory dir;
  write(dir.path() + "/0003_reports.sql", "SELECT 1;");
  write(dir.path() + "/0003_other.sql", "SELECT 2;");
  BOOST_CHECK_THROW(loadMigrations(dir.path()), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_LoadMigrations_EmptyOrMissingDirectoryRefused)
{
  TempDirectory dir;
  BOOST_CHECK_THROW(loadMigrations(dir.path()), ConfigError);
  BOOST_CHECK_THROW(loadMigrations(dir.path() + "/missing"), ConfigError);
  write(dir.path() + "/0000_zero.sql", "SELECT 0;");
  BOOST_CHECK_THROW(loadMigrations(dir.path()), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_LoadMigrations_ShippedSchemaLoads)
{
  const char* top = std::getenv("TOP_SRCDIR");
  BOOST_REQUIRE_MESSAGE(top != nullptr, "TOP_SRCDIR is not set");
  auto migrations = loadMigrations(std::string(top) + "/sql");
  BOOST_REQUIRE_GE(migrations.size(), 2u);
  BOOST_CHECK_EQUAL(migrations[0].name, "0001_verdicts.sql");
  BOOST_CHECK_EQUAL(migrations[1].name, "0002_roles.sql");
  for (const auto& migration : migrations) {
    // The migrator owns the transaction (sql/README).
    BOOST_CHECK_MESSAGE(migration.text.find("\nCOMMIT") == std::string::npos &&
                            migration.text.find("\nBEGIN;") == std::string::npos,
                        "got BEGIN/COMMIT in " << migration.name << ", want none");
  }
}

BOOST_AUTO_TEST_SUITE_END()
