// host_identity.cc: the host's name and random tokens for report runs.
#include "reporting/transport/host_identity.hh"

#include <array>
#include <string_view>
#include <unistd.h>
#include <vector>

#include <openssl/rand.h>

#include "lib/core/error.hh"
#include "reporting/report_naming.hh"

namespace dmarc
{
std::string localHostName()
{
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) {
    return "localhost";
  }
  return name.data();
}

std::string randomAlnum(std::size_t bytes)
{
  std::vector<unsigned char> random(bytes);
  if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
    throw Error("no random bytes");
  }
  return alnumFromBytes(
      std::string_view(reinterpret_cast<const char*>(random.data()), random.size()));
}
} // namespace dmarc
