// maildir_name.cc: Maildir file names and their flags; see maildir_name.hh.
#include "reporting/ingest/maildir_name.hh"

#include <array>

namespace dmarc
{
namespace
{
// The unique part ends at the first ':' (Maildir unique names never
// contain one; the info follows it).
std::string_view uniquePart(std::string_view fileName)
{
  return fileName.substr(0, fileName.find(':'));
}

bool isFlagLetter(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}
} // namespace

std::string_view maildirFlags(std::string_view fileName)
{
  const auto colon = fileName.find(':');
  if (colon == std::string_view::npos) {
    return {};
  }
  const std::string_view info = fileName.substr(colon + 1);
  if (!info.starts_with("2,")) {
    return {};
  }
  return info.substr(2);
}

bool maildirHasFlag(std::string_view fileName, char flag)
{
  return maildirFlags(fileName).find(flag) != std::string_view::npos;
}

std::string maildirWithFlags(std::string_view fileName, std::string_view add)
{
  // One slot per byte value: the union in ASCII order, each letter once.
  std::array<bool, 128> present{};
  for (const std::string_view flags : {maildirFlags(fileName), add}) {
    for (const char c : flags) {
      if (isFlagLetter(c)) {
        present[static_cast<unsigned char>(c)] = true;
      }
    }
  }
  std::string name(uniquePart(fileName));
  name += ":2,";
  for (std::size_t c = 0; c < present.size(); ++c) {
    if (present[c]) {
      name.push_back(static_cast<char>(c));
    }
  }
  return name;
}
} // namespace dmarc
