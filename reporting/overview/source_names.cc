// source_names.cc: see source_names.hh.
#include "reporting/overview/source_names.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// A name from DNS as the page may use it: lower-case letters, digits,
// hyphens, underscores and dots, at most 253 bytes; anything else is
// treated as no name.
bool usableHostName(const std::string& name)
{
  return !name.empty() && name.size() <= 253 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
  });
}

// The same address in canonical text, so that "2001:DB8::1" from one place
// and "2001:db8::1" from another compare equal.
std::string canonicalAddress(const std::string& text)
{
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET, bytes, out, sizeof out) ? out : "";
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    return inet_ntop(AF_INET6, bytes, out, sizeof out) ? out : "";
  }
  return "";
}
} // namespace

std::string reverseDnsName(const std::string& address)
{
  unsigned char bytes[16];
  char label[8];
  std::string name;
  if (inet_pton(AF_INET, address.c_str(), bytes) == 1) {
    for (int i = 3; i >= 0; --i) {
      std::snprintf(label, sizeof label, "%u.", static_cast<unsigned>(bytes[i]));
      name += label;
    }
    return name + "in-addr.arpa";
  }
  if (inet_pton(AF_INET6, address.c_str(), bytes) == 1) {
    static const char hex[] = "0123456789abcdef";
    for (int i = 15; i >= 0; --i) {
      name.push_back(hex[bytes[i] & 0x0F]);
      name.push_back('.');
      name.push_back(hex[bytes[i] >> 4]);
      name.push_back('.');
    }
    return name + "ip6.arpa";
  }
  return "";
}

SourceName lookUpSourceName(DnsResolver& resolver, const PublicSuffixList& psl,
                            const std::string& address)
{
  SourceName result;
  const std::string reverse = reverseDnsName(address);
  if (reverse.empty()) {
    return result;
  }
  const DnsAnswer ptr = resolver.query(reverse, DnsType::PTR);
  if (!ptr.isAnswer()) {
    result.failed = true;
    return result;
  }
  if (ptr.status != DnsStatus::Data || ptr.records.empty()) {
    return result;
  }
  result.ptrName = toLowerAscii(ptr.records.front());
  if (!usableHostName(result.ptrName)) {
    result.ptrName.clear();
    return result;
  }
  const std::string wanted = canonicalAddress(address);
  const bool v6 = address.find(':') != std::string::npos;
  const DnsAnswer forward = resolver.query(result.ptrName, v6 ? DnsType::AAAA : DnsType::A);
  if (!forward.isAnswer()) {
    result.failed = true;
    return result;
  }
  for (const auto& record : forward.records) {
    if (canonicalAddress(record) == wanted) {
      result.confirmed = true;
    }
  }
  if (result.confirmed) {
    result.organisation = psl.registrableDomain(result.ptrName).value_or(result.ptrName);
  }
  return result;
}

std::string sourceLabel(const std::string& address, const SourceName& name)
{
  return name.confirmed && !name.organisation.empty() ? name.organisation : address;
}
} // namespace dmarc
