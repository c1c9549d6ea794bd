// author_domains.cc: From field values -> Author Domains (see
// author_domains.hh).
#include "lib/core/author_domains.hh"

#include "lib/core/ascii_text.hh"
#include "lib/core/domain_name.hh"
#include "lib/core/from_header.hh"

namespace dmarc
{
AuthorDomains collectAuthorDomains(const std::vector<std::string>& fromHeaders,
                                   const IdnaConverter* idna)
{
  AuthorDomains out;
  if (fromHeaders.empty()) {
    out.absent = true;
    out.why = "no From field";
    return out;
  }
  for (const auto& header : fromHeaders) {
    FromParseResult parsed = parseFromHeader(header);
    if (parsed.status == FromParseStatus::NoAddress) {
      continue;
    }
    if (parsed.status != FromParseStatus::Ok) {
      out.unusable = true;
      out.why = "From: " + parsed.error;
      return out;
    }
    for (auto& address : parsed.addresses) {
      if (address.domainLiteral) {
        out.unusable = true;
        out.why = "From address with a domain literal";
        return out;
      }
      std::string domain = std::move(address.domain);
      if (!isAscii(domain)) {
        auto converted = idna != nullptr ? idna->toALabel(domain) : std::nullopt;
        if (!converted) {
          out.unusable = true;
          out.why = "From domain is not a valid internationalised name";
          return out;
        }
        domain = toLowerAscii(*converted);
      }
      if (!isValidDomainName(domain)) {
        out.unusable = true;
        out.why = "From domain is not a valid domain name";
        return out;
      }
      bool seen = false;
      for (const auto& known : out.domains) {
        seen = seen || known == domain;
      }
      if (!seen) {
        out.domains.push_back(std::move(domain));
      }
    }
  }
  if (out.domains.empty()) {
    out.absent = true;
    out.why = "no author address in From";
  }
  return out;
}
} // namespace dmarc
