// temp_directory.hh: a fresh directory under $TMPDIR (or /tmp) for one test,
// removed with its contents when the fixture goes out of scope.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace dmarc
{
class TempDirectory
{
public:
  TempDirectory()
  {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/dmarc-test-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    d_path = pattern;
  }
  TempDirectory(const TempDirectory&) = delete;
  TempDirectory& operator=(const TempDirectory&) = delete;
  ~TempDirectory()
  {
    std::error_code ignored;
    std::filesystem::remove_all(d_path, ignored);
  }
  const std::string& path() const { return d_path; }

private:
  std::string d_path;
};
} // namespace dmarc
