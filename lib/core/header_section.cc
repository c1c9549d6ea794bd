// header_section.cc: appending one field with its line ends made LF.
#include "lib/core/header_section.hh"

#include <algorithm>

namespace dmarc
{
void HeaderSection::add(std::string_view name, std::string_view value)
{
  if (d_truncated) {
    return;
  }
  const std::size_t size = name.size() + 1 + value.size() + 1;
  if (size > d_limit - std::min(d_limit, d_text.size())) {
    d_truncated = true;
    return;
  }
  d_text.append(name);
  d_text += ':';
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '\r' && i + 1 < value.size() && value[i + 1] == '\n') {
      continue;
    }
    d_text += value[i];
  }
  d_text += '\n';
}
} // namespace dmarc
