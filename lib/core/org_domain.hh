// org_domain.hh: DMARC policy record lookup and the Organizational Domain,
// by the RFC 9989 §4.10 DNS tree walk or the RFC 7489 §3.2 Public Suffix List
// method, with a per-message cache so that the policy walk and the alignment
// walks of one message never ask the same question twice.
//
// Pure: all DNS goes through the DnsResolver interface and the PSL through
// PublicSuffixList. Not thread-safe by itself: one OrgDomainFinder belongs to
// one evaluation (one message, one thread). Trusts nothing from DNS: records
// are parsed by dmarc_record; a DNS failure anywhere is reported as a
// temporary error, never as "no record".
//
// Bounds: a walk makes at most 8 queries (RFC 9989 §4.10); one finder makes
// at most g_maxDmarcQueries distinct queries and g_maxOrgDomainWalks walks,
// so that a message with many DKIM signatures cannot turn us into a DNS
// amplifier (the reasoning of libspf2's SPF_MAX_DNS_MECH). Over a limit the
// lookup counts as a DNS failure (temperror), never as "no record".
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dmarc_record.hh"
#include "lib/core/dns_answer.hh"
#include "lib/core/public_suffix.hh"

namespace dmarc
{
inline constexpr std::size_t g_maxWalkQueries = 8;
inline constexpr std::size_t g_maxDmarcQueries = 48;
inline constexpr std::size_t g_maxOrgDomainWalks = 12;

// What _dmarc.<name> held.
struct DmarcLookup
{
  enum class Kind
  {
    NoRecord, // no TXT record starting with v=DMARC1 (NXDOMAIN, NODATA or others only)
    One,      // exactly one DMARC record (possibly Unusable)
    Multiple, // several DMARC records: none applies (RFC 9989 §4.10 step 2)
    Failure,  // temporary DNS failure or query limit
  };
  Kind kind = Kind::NoRecord;
  DmarcRecord record; // when One
  std::string error;  // when Failure
};

// The result of the §4.10 walk: names that hold exactly one DMARC record,
// longest first, or a temporary failure.
struct TreeWalk
{
  bool tempError = false;
  std::vector<std::string> names; // where a record was found
  std::string error;
};

struct OrgDomain
{
  bool tempError = false;
  std::string domain; // lower-case A-label
  std::string error;
};

// Where the record that applies to an Author Domain was found.
struct PolicyLocation
{
  enum class Kind
  {
    None,      // no record anywhere: DMARC does not apply
    Author,    // at the Author Domain: p applies
    OrgDomain, // inherited from the Organizational Domain: sp/np
    Psd,       // inherited from a Public Suffix Domain (RFC 9989 §4.10.1)
    TempError, // DNS failure
  };
  Kind kind = Kind::None;
  std::string domain; // where the record is
  // Owned by the finder's cache. The caller may move the record's strings
  // out once it has its policy (the walk only reads policy.psd afterwards).
  DmarcRecord* record = nullptr;
  std::string error;
};

class OrgDomainFinder
{
public:
  // psl is required (non-null) in RFC 7489 mode.
  OrgDomainFinder(DnsResolver& dns, DmarcMode mode, const PublicSuffixList* psl);

  // TXT _dmarc.<domain>, filtered and parsed, cached.
  const DmarcLookup& lookup(std::string_view domain);
  // RFC 9989 §4.10: the generic walk from `start` (at most 8 queries).
  TreeWalk walk(std::string_view start);
  // RFC 9989 §4.10.2 (tree walk) or RFC 7489 §3.2 (PSL), cached.
  OrgDomain organizationalDomain(std::string_view domain);
  // The cached Organizational Domain, or "" when it was not needed.
  std::string knownOrganizationalDomain(std::string_view domain) const;
  // RFC 9989 §4.10.1 / RFC 7489 §6.6.3 policy discovery for an Author Domain.
  PolicyLocation discoverPolicy(std::string_view authorDomain);

  std::size_t queryCount() const { return d_queries; }

private:
  DmarcLookup& lookupMutable(std::string_view domain);

  struct CachedLookup
  {
    std::string name;
    DmarcLookup result;
  };
  struct CachedOrg
  {
    std::string name;
    OrgDomain result;
  };

  DnsResolver& d_dns;
  DmarcMode d_mode;
  const PublicSuffixList* d_psl;
  std::list<CachedLookup> d_lookups; // a list: references stay valid on growth
  std::vector<CachedOrg> d_orgs;
  DmarcLookup d_overLimit;
  std::size_t d_queries = 0;
  std::size_t d_walks = 0;
};
} // namespace dmarc
