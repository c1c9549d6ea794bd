// test-trusted_file_cc.cc: which owners and modes make a configuration or
// password file untrusted, and that reading refuses such a file.
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/trusted_file.hh"
#include "lib/core/error.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
std::string reason(uid_t owner, mode_t mode, FileTrust trust, uid_t self)
{
  struct stat status
  {
  };
  status.st_uid = owner;
  status.st_mode = S_IFREG | mode;
  return untrustedFileReason("/etc/f", status, trust, self);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_trusted_file_cc)

BOOST_AUTO_TEST_CASE(test_Configuration_OwnerAndWriteBits)
{
  BOOST_CHECK_EQUAL(reason(0, 0644, FileTrust::Configuration, 0), "");
  BOOST_CHECK_EQUAL(reason(0, 0644, FileTrust::Configuration, 110), "");
  BOOST_CHECK_EQUAL(reason(110, 0600, FileTrust::Configuration, 110), "");
  auto other = reason(1000, 0644, FileTrust::Configuration, 0);
  BOOST_CHECK_MESSAGE(other.find("owned by") != std::string::npos &&
                          other.find("uid 1000") != std::string::npos &&
                          other.find("chown root /etc/f") != std::string::npos,
                      other);
  auto world = reason(0, 0666, FileTrust::Configuration, 0);
  BOOST_CHECK_MESSAGE(world.find("0666") != std::string::npos &&
                          world.find("every user") != std::string::npos &&
                          world.find("chmod go-w /etc/f") != std::string::npos,
                      world);
  auto group = reason(0, 0664, FileTrust::Configuration, 0);
  BOOST_CHECK_MESSAGE(group.find("its group") != std::string::npos, group);
}

BOOST_AUTO_TEST_CASE(test_Secret_ReadBits)
{
  BOOST_CHECK_EQUAL(reason(0, 0600, FileTrust::Secret, 0), "");
  BOOST_CHECK_EQUAL(reason(0, 0640, FileTrust::Secret, 110), "");
  BOOST_CHECK_EQUAL(reason(110, 0400, FileTrust::Secret, 110), "");
  auto world = reason(0, 0644, FileTrust::Secret, 0);
  BOOST_CHECK_MESSAGE(world.find("0644") != std::string::npos &&
                          world.find("every user read") != std::string::npos &&
                          world.find("chmod 600 /etc/f") != std::string::npos,
                      world);
  auto group = reason(110, 0640, FileTrust::Secret, 110);
  BOOST_CHECK_MESSAGE(group.find("not owned by root") != std::string::npos, group);
}

BOOST_AUTO_TEST_CASE(test_ReadSecretLine_RefusesAndReads)
{
  TempDirectory dir;
  std::string path = dir.path() + "/pw";
  std::ofstream(path) << "s3cret\r\nsecond\n";
  ::chmod(path.c_str(), 0644);
  try {
    readSecretLine(path, "database password file");
    BOOST_FAIL("a world-readable password file was read");
  } catch (const ConfigError& error) {
    std::string text = error.what();
    BOOST_CHECK_MESSAGE(text.find("refusing the database password file " + path) == 0, text);
  }
  ::chmod(path.c_str(), 0600);
  BOOST_CHECK_EQUAL(readSecretLine(path, "database password file"), "s3cret");
  BOOST_CHECK_THROW(readSecretLine(dir.path() + "/missing", "x"), ConfigError);
  BOOST_CHECK_THROW(readTrustedFile(dir.path(), FileTrust::Configuration, "x", 10), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_ReadTrustedFile_Bounded)
{
  TempDirectory dir;
  std::string path = dir.path() + "/conf";
  std::ofstream(path) << std::string(100, 'x');
  ::chmod(path.c_str(), 0644);
  BOOST_CHECK_EQUAL(readTrustedFile(path, FileTrust::Configuration, "x", 100).size(), 100U);
  BOOST_CHECK_THROW(readTrustedFile(path, FileTrust::Configuration, "x", 99), ConfigError);
}

BOOST_AUTO_TEST_SUITE_END()
