// byte_source.cc: see byte_source.hh.
#include "reporting/ingest/byte_source.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace dmarc
{
std::size_t MemoryReader::read(char* buffer, std::size_t size)
{
  const std::size_t count = std::min(size, d_data.size());
  std::memcpy(buffer, d_data.data(), count);
  d_data.remove_prefix(count);
  return count;
}

FileReader::FileReader(const std::string& path)
    : d_path(path), d_fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY))
{
  if (!d_fd.valid()) {
    throw ByteReadError("cannot open " + path + ": " + std::strerror(errno));
  }
}

std::size_t FileReader::read(char* buffer, std::size_t size)
{
  for (;;) {
    const ssize_t got = ::read(d_fd.get(), buffer, size);
    if (got >= 0) {
      return static_cast<std::size_t>(got);
    }
    if (errno != EINTR) {
      throw ByteReadError("cannot read " + d_path + ": " + std::strerror(errno));
    }
  }
}

std::string readAll(ByteReader& reader, std::size_t limit, std::string_view what)
{
  std::string out;
  std::array<char, 65536> buffer{};
  while (const std::size_t got = reader.read(buffer.data(), buffer.size())) {
    if (out.size() + got > limit) {
      throw ByteReadError(std::string(what) + " larger than " + std::to_string(limit) + " bytes");
    }
    out.append(buffer.data(), got);
  }
  return out;
}

std::size_t LimitedReader::read(char* buffer, std::size_t size)
{
  const std::size_t got = d_inner->read(buffer, size);
  d_total += got;
  if (d_total > d_limit) {
    throw ByteReadError(d_error);
  }
  return got;
}
} // namespace dmarc
