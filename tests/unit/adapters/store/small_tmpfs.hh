// small_tmpfs.hh: a nearly full file system for one test: a tmpfs of a few
// hundred kilobytes mounted on a fresh directory, unmounted (and the
// directory removed) when the fixture goes out of scope. Mounting needs
// root: tests that use it take `*boost::unit_test::precondition(mayMount)`,
// which reports them as skipped, with the reason, for other users.
#pragma once

#include <cstddef>
#include <string>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "tests/unit/temp_directory.hh"

namespace dmarc
{
inline boost::test_tools::assertion_result mayMount(boost::unit_test::test_unit_id)
{
  boost::test_tools::assertion_result result(::geteuid() == 0);
  result.message() << "skipped: mounting the small tmpfs that plays a nearly full disk needs root";
  return result;
}

class SmallTmpfs
{
public:
  explicit SmallTmpfs(std::size_t bytes)
  {
    const std::string options = "size=" + std::to_string(bytes) + ",mode=0700";
    BOOST_TEST_REQUIRE(
        ::mount("tmpfs", d_dir.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) == 0,
        "cannot mount a tmpfs on " << d_dir.path());
  }
  ~SmallTmpfs() { ::umount2(d_dir.path().c_str(), MNT_DETACH); }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  const std::string& path() const { return d_dir.path(); }
  std::size_t freeBytes() const
  {
    struct statvfs fs
    {
    };
    return ::statvfs(d_dir.path().c_str(), &fs) == 0 ? fs.f_bavail * fs.f_frsize : 0;
  }

private:
  TempDirectory d_dir; // unmounted before it is removed
};
} // namespace dmarc
