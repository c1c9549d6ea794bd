// local_policy.hh: the site's exemptions for one message: the site policy
// and the facts of the connection and the message -> the engine's
// LocalPolicy (which the engine reports as override reasons).
//
// Pure: no I/O. Trusts the site policy; the author domains and List-Id come
// from the message, so an exemption keyed on them must hold for every
// author domain (a forged second From cannot buy an exemption), and a From
// the engine cannot use earns none.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/core/address_list.hh"
#include "lib/core/policy_engine.hh"
#include "lib/core/site_policy.hh"

namespace dmarc
{
struct LocalFacts
{
  std::optional<IpAddress> client;        // nullopt: not an IP connection (local submission)
  std::string authenticatedUser;          // SMTP AUTH identity; empty when none
  std::vector<std::string> authorDomains; // from collectAuthorDomains; empty when unusable
  std::string listId;                     // List-Id identifier, "" when none
};

LocalPolicy localPolicyFor(const SitePolicy& site, const LocalFacts& facts);
} // namespace dmarc
