// domain_name.cc: domain name helpers for the DMARC engine.
// Pure: no I/O, no allocation except toLowerAscii's result.
#include "lib/core/domain_name.hh"

namespace dmarc
{
namespace
{
bool isLdhOrUnderscore(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}
} // namespace

bool isValidDomainName(std::string_view name)
{
  if (name.empty() || name.size() > g_maxDomainLength) {
    return false;
  }
  std::size_t labelLength = 0;
  for (char c : name) {
    if (c == '.') {
      if (labelLength == 0) {
        return false;
      }
      labelLength = 0;
      continue;
    }
    if (!isLdhOrUnderscore(c) || ++labelLength > g_maxLabelLength) {
      return false;
    }
  }
  return labelLength != 0;
}

std::size_t countLabels(std::string_view name)
{
  if (name.empty()) {
    return 0;
  }
  std::size_t labels = 1;
  for (char c : name) {
    if (c == '.') {
      ++labels;
    }
  }
  return labels;
}

std::string_view parentDomain(std::string_view name)
{
  auto dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

std::string_view lastLabels(std::string_view name, std::size_t count)
{
  if (count == 0) {
    return {};
  }
  std::size_t seen = 0;
  for (std::size_t i = name.size(); i > 0; --i) {
    if (name[i - 1] == '.' && ++seen == count) {
      return name.substr(i);
    }
  }
  return name;
}

bool isSameOrSubdomain(std::string_view child, std::string_view parent)
{
  if (parent.empty() || child.size() < parent.size()) {
    return false;
  }
  if (child.size() == parent.size()) {
    return equalsIgnoreCase(child, parent);
  }
  return child[child.size() - parent.size() - 1] == '.' &&
         equalsIgnoreCase(child.substr(child.size() - parent.size()), parent);
}
} // namespace dmarc
