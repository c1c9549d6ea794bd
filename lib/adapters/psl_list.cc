// psl_list.cc: libpsl-backed PublicSuffixList (see psl_list.hh).
#include "lib/adapters/psl_list.hh"

#include "lib/core/domain_name.hh"
#include "lib/core/error.hh"

namespace dmarc
{
PslPublicSuffixList::PslPublicSuffixList(const std::string& path)
    : d_psl(psl_load_file(path.c_str()))
{
  if (!d_psl) {
    throw ConfigError("cannot load the Public Suffix List from " + path);
  }
}

std::optional<std::string> PslPublicSuffixList::registrableDomain(std::string_view domain) const
{
  // libpsl wants a NUL-terminated, lower-case name; reject what cannot be one.
  if (domain.empty() || domain.size() > g_maxDomainLength ||
      domain.find('\0') != std::string_view::npos || domain.front() == '.') {
    return std::nullopt;
  }
  std::string name = toLowerAscii(domain);
  if (name.back() == '.') {
    name.pop_back();
  }
  const char* registrable = psl_registrable_domain(d_psl.get(), name.c_str());
  if (registrable == nullptr) {
    return std::nullopt;
  }
  return std::string(registrable);
}

std::size_t PslPublicSuffixList::ruleCount() const
{
  int count = psl_suffix_count(d_psl.get());
  return count > 0 ? static_cast<std::size_t>(count) : 0;
}
} // namespace dmarc
