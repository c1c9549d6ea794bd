// author_domains.hh: the Author Domains of a message (RFC 9989 §3.2.2), from
// the raw values of its From fields: parsed once, U-labels converted to
// A-labels, checked as domain names, each named once. The DMARC engine
// evaluates them and the site's exemptions are keyed on them, so both see
// the same names.
//
// Pure. Trusts nothing: the From fields come from the message; anything
// that does not give a usable domain makes the whole set unusable.
#pragma once

#include <string>
#include <vector>

#include "lib/core/idna.hh"

namespace dmarc
{
struct AuthorDomains
{
  std::vector<std::string> domains; // distinct, A-labels, lower case, in order
  bool unusable = false;            // a From that gives no usable domain (then domains is partial)
  bool absent = false;              // no From field, or no address in any
  std::string why;                  // for unusable or absent
};

// idna: converts U-label domains; null makes them unusable.
AuthorDomains collectAuthorDomains(const std::vector<std::string>& fromHeaders,
                                   const IdnaConverter* idna);
} // namespace dmarc
