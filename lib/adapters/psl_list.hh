// psl_list.hh: the Public Suffix List from libpsl, behind the pure
// PublicSuffixList interface of lib/core (RFC 7489 §3.2 Organizational
// Domains, used by the RFC 7489 compatibility mode).
//
// Adapter: loads Debian's publicsuffix file (or a configured one) once, at
// start-up, before privileges are dropped; after construction it does no I/O
// and is immutable, so const calls are safe from any thread (libpsl's lookup
// functions only read the context). Trusts the list file (root-owned
// configuration); trusts nothing in the names it is asked about.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <libpsl.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/public_suffix.hh"

namespace dmarc
{
using PslPtr = CHandle<psl_ctx_t, &psl_free>;

class PslPublicSuffixList : public PublicSuffixList
{
public:
  // Loads the list (the .dat text form or libpsl's DAFSA form); throws
  // ConfigError when it cannot be loaded.
  explicit PslPublicSuffixList(const std::string& path);

  std::optional<std::string> registrableDomain(std::string_view domain) const override;

  std::size_t ruleCount() const;

private:
  PslPtr d_psl;
};
} // namespace dmarc
