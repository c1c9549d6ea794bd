// dns_answer.hh: what a DNS query answered, as a value, and the resolver
// interface that every DNS consumer (DMARC discovery, SPF, DKIM key lookup,
// report destination checks, MTA-STS) goes through.
//
// Pure: this header declares an interface only; the libunbound implementation
// lives in lib/adapters, and tests use an in-memory fake behind the same
// interface. Consumers must treat Failure as temporary (temperror upstream):
// it is never the same as "no record".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
enum class DnsStatus
{
  Data,     // NOERROR with at least one record of the asked type
  NoData,   // NOERROR, the name exists but has no record of that type
  NxDomain, // the name does not exist (RFC 8020: nor anything below it)
  Failure,  // SERVFAIL, timeout, refused, truncation trouble, over a limit
};

enum class DnsType : std::uint16_t
{
  A = 1,
  NS = 2,
  CNAME = 5,
  PTR = 12,
  MX = 15,
  TXT = 16,
  AAAA = 28,
};

struct DnsAnswer
{
  DnsStatus status = DnsStatus::Failure;
  // One entry per resource record, in presentation form:
  //   TXT: the record's character-strings concatenated (RFC 7489 §6.1)
  //   A/AAAA: the textual address; PTR/CNAME/NS: the target name without
  //   the trailing dot; MX: "<preference> <exchange>".
  std::vector<std::string> records;
  bool secure = false; // DNSSEC-validated (only when validation is enabled)
  bool bogus = false;  // DNSSEC validation failed
  std::string error;   // why, when status is Failure

  bool isAnswer() const { return status != DnsStatus::Failure; }
};

class DnsResolver
{
public:
  virtual ~DnsResolver() = default;
  // Resolves one name and type. Never throws for DNS trouble: that is a
  // DnsAnswer with status Failure.
  virtual DnsAnswer query(std::string_view name, DnsType type) = 0;
};

std::string_view toString(DnsStatus status);
} // namespace dmarc
