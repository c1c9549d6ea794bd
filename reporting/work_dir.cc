// work_dir.cc: see work_dir.hh.
#include "reporting/work_dir.hh"

#include <cstdlib>
#include <filesystem>
#include <stdlib.h>

#include "lib/core/error.hh"

namespace dmarc
{
WorkDir::WorkDir(std::string_view prefix)
{
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
  std::string pattern = base + "/" + std::string(prefix) + ".XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw Error("cannot create a work directory under " + base);
  }
  d_path = pattern;
}

WorkDir::~WorkDir()
{
  std::error_code ignored;
  std::filesystem::remove_all(d_path, ignored);
}
} // namespace dmarc
