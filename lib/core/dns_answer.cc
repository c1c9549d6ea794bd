// dns_answer.cc: names for DNS answer states (for logs and traces).
// Pure: no I/O.
#include "lib/core/dns_answer.hh"

namespace dmarc
{
std::string_view toString(DnsStatus status)
{
  switch (status) {
  case DnsStatus::Data:
    return "data";
  case DnsStatus::NoData:
    return "nodata";
  case DnsStatus::NxDomain:
    return "nxdomain";
  case DnsStatus::Failure:
    return "failure";
  }
  return "failure";
}
} // namespace dmarc
