// header_name.cc: header field names without obsolete white space, compared
// case-insensitively (see the header).
#include "lib/core/header_name.hh"

#include "lib/core/ascii_text.hh"

namespace dmarc
{
std::string_view bareFieldName(std::string_view name)
{
  while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
    name.remove_suffix(1);
  }
  return name;
}

std::string fieldNameKey(std::string_view name)
{
  return toLowerAscii(bareFieldName(name));
}

bool isFieldNamed(std::string_view name, std::string_view wanted)
{
  return equalsIgnoreCase(bareFieldName(name), wanted);
}
} // namespace dmarc
