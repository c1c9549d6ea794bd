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
  // Whole runs between CRLFs at once: this runs for every field of every
  // message while FailureReports is on.
  for (std::size_t crlf = value.find("\r\n"); crlf != std::string_view::npos;
       crlf = value.find("\r\n")) {
    d_text.append(value.substr(0, crlf));
    value.remove_prefix(crlf + 1); // keep the LF
  }
  d_text.append(value);
  d_text += '\n';
}
} // namespace dmarc
