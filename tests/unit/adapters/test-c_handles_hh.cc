// test-c_handles_hh.cc: the RAII owners release exactly once.
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/c_handles.hh"

using namespace dmarc;

namespace
{
int s_freed = 0;
void countingFree(int* value)
{
  ++s_freed;
  delete value;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_c_handles_hh)

BOOST_AUTO_TEST_CASE(test_CHandle_FreesOnce)
{
  s_freed = 0;
  {
    CHandle<int, countingFree> handle(new int(1));
    auto moved = std::move(handle);
    BOOST_CHECK(!handle);
  }
  BOOST_CHECK_EQUAL(s_freed, 1);
}

BOOST_AUTO_TEST_CASE(test_FileDescriptor_ClosesOnDestruction)
{
  int raw = ::open("/dev/null", O_RDONLY);
  BOOST_REQUIRE(raw >= 0);
  {
    FileDescriptor fd(raw);
    FileDescriptor other = std::move(fd);
    BOOST_CHECK(!fd.valid());
    BOOST_CHECK_EQUAL(other.get(), raw);
  }
  BOOST_CHECK_EQUAL(::fcntl(raw, F_GETFD), -1);
}

BOOST_AUTO_TEST_SUITE_END()
