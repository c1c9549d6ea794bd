// work_dir.hh: a run's private work directory under $TMPDIR (else /tmp),
// removed with everything in it on every exit path (send, send-failures).
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
class WorkDir
{
public:
  // Creates $TMPDIR/PREFIX.XXXXXX (mkdtemp: mode 0700, a fresh name);
  // throws Error when it cannot.
  explicit WorkDir(std::string_view prefix);
  ~WorkDir();
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;

  const std::string& path() const { return d_path; }

private:
  std::string d_path;
};
} // namespace dmarc
