// address_list.cc: IPv4/IPv6 address parsing and CIDR membership.
// Bounds: prefix lengths are checked against the family, host bits under the
// prefix must be zero (a typo such as 10.1.2.3/8 is an error, not a guess).
#include "lib/core/address_list.hh"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
void IpAddress::unmapV4()
{
  static constexpr std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (v6 && std::memcmp(bytes.data(), mapped.data(), mapped.size()) == 0) {
    std::array<std::uint8_t, 16> v4{};
    std::memcpy(v4.data(), bytes.data() + 12, 4);
    bytes = v4;
    v6 = false;
  }
}

std::optional<IpAddress> IpAddress::parse(std::string_view text)
{
  text = trimSpace(text);
  if (text.size() > 5 && (text.substr(0, 5) == "IPv6:" || text.substr(0, 5) == "ipv6:")) {
    text.remove_prefix(5);
  }
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
    return std::nullopt;
  }
  std::string copy(text);
  IpAddress result;
  if (inet_pton(AF_INET, copy.c_str(), result.bytes.data()) == 1) {
    return result;
  }
  if (inet_pton(AF_INET6, copy.c_str(), result.bytes.data()) == 1) {
    result.v6 = true;
    result.unmapV4();
    return result;
  }
  return std::nullopt;
}

std::string IpAddress::toString() const
{
  char buffer[INET6_ADDRSTRLEN] = {};
  if (inet_ntop(v6 ? AF_INET6 : AF_INET, bytes.data(), buffer, sizeof buffer) == nullptr) {
    return "?";
  }
  return buffer;
}

AddressList::Network AddressList::parseNetwork(std::string_view word)
{
  Network network;
  auto slash = word.find('/');
  auto address = IpAddress::parse(word.substr(0, slash));
  if (!address) {
    throw ConfigError("not an IP address or CIDR block: " + std::string(word));
  }
  network.base = *address;
  network.prefix = address->bits();
  if (slash != std::string_view::npos) {
    auto digits = word.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size()) {
      throw ConfigError("bad prefix length in " + std::string(word));
    }
    // An IPv4-mapped IPv6 block (::ffff:10.0.0.0/104) becomes its IPv4 block.
    bool mapped = word.find(':') != std::string_view::npos && !address->v6;
    if (mapped) {
      if (prefix < 96) {
        throw ConfigError("prefix too short for an IPv4-mapped block: " + std::string(word));
      }
      prefix -= 96;
    }
    if (prefix > address->bits()) {
      throw ConfigError("prefix length over " + std::to_string(address->bits()) + " in " +
                        std::string(word));
    }
    network.prefix = prefix;
  }
  // Host bits must be zero: 10.1.2.3/8 is more likely a typo than a wish.
  for (unsigned bit = network.prefix; bit < network.base.bits(); ++bit) {
    if (network.base.bytes[bit / 8] & (0x80u >> (bit % 8))) {
      throw ConfigError("host bits set in " + std::string(word));
    }
  }
  return network;
}

void AddressList::add(std::string_view word)
{
  d_networks.push_back(parseNetwork(word));
}

bool AddressList::contains(const IpAddress& address) const
{
  for (const auto& network : d_networks) {
    if (network.base.v6 != address.v6) {
      continue;
    }
    unsigned full = network.prefix / 8;
    if (std::memcmp(network.base.bytes.data(), address.bytes.data(), full) != 0) {
      continue;
    }
    unsigned rest = network.prefix % 8;
    if (rest != 0) {
      auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
      if ((network.base.bytes[full] & mask) != (address.bytes[full] & mask)) {
        continue;
      }
    }
    return true;
  }
  return false;
}
} // namespace dmarc
