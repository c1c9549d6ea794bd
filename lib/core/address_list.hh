// address_list.hh: IPv4/IPv6 addresses and CIDR lists (IgnoreHosts,
// TrustedForwarders) with the membership test the decision needs per
// message.
//
// Pure: text in, values out. Reading list files and socket addresses is the
// milter's (milter/address_source.hh). Trusts nothing it parses:
// configuration words and client addresses are validated with inet_pton,
// prefix lengths are bounded. IPv4-mapped IPv6
// addresses (::ffff:a.b.c.d) are treated as the IPv4 address they carry, so
// that an IPv4 rule matches a client seen through an IPv6 socket.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
struct IpAddress
{
  bool v6 = false;
  std::array<std::uint8_t, 16> bytes{}; // IPv4 uses the first 4

  // Textual form; a bracketed IPv6 literal ("[::1]") and an "IPv6:" prefix
  // (as MTAs write them) are accepted. nullopt when not an address.
  static std::optional<IpAddress> parse(std::string_view text);
  // An IPv4-mapped IPv6 address becomes the IPv4 address it carries.
  void unmapV4();
  std::string toString() const;
  unsigned bits() const { return v6 ? 128 : 32; }
};

class AddressList
{
public:
  AddressList() = default;
  // Adds an address or CIDR block; throws ConfigError naming the bad word.
  void add(std::string_view word);

  bool contains(const IpAddress& address) const;
  bool empty() const { return d_networks.empty(); }
  std::size_t size() const { return d_networks.size(); }

private:
  struct Network
  {
    IpAddress base;
    unsigned prefix = 0;
  };
  static Network parseNetwork(std::string_view word);
  std::vector<Network> d_networks;
};
} // namespace dmarc
