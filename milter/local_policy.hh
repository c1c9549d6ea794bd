// local_policy.hh: turns the site's configuration and the facts of one
// connection into the engine's inputs: EngineOptions (how to evaluate) and
// LocalPolicy (the local exemptions, which the engine reports as override
// reasons).
//
// Pure: no I/O. Trusts the configuration; the author domains and List-Id
// come from the message, so an exemption keyed on them must hold for every
// author domain (a forged second From cannot buy an exemption).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/core/policy_engine.hh"
#include "milter/address_list.hh"

namespace dmarc
{
class Config;

struct LocalFacts
{
  std::optional<IpAddress> client;
  std::string authenticatedUser;
  std::vector<std::string> authorDomains; // as parsed from the From fields, lower case
  std::string listId;                     // List-Id identifier, "" when none
};

EngineOptions engineOptionsFor(const Config& config, const PublicSuffixList* psl,
                               const IdnaConverter* idna, RandomSource* random);
LocalPolicy localPolicyFor(const Config& config, const LocalFacts& facts);
// The author domains of a message's From field values (parse failures are
// skipped: the engine decides what an unusable From means).
std::vector<std::string> authorDomainsOf(const std::vector<std::string>& fromValues);
} // namespace dmarc
