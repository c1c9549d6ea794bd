// address_list.cc: IPv4/IPv6 address parsing and CIDR membership.
// Bounds: prefix lengths are checked against the family, host bits under the
// prefix must be zero (a typo such as 10.1.2.3/8 is an error, not a guess),
// list files are read line by line with a line length cap.
#include "milter/address_list.hh"

#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// A list file is configuration, not mail, but a runaway file still must not
// exhaust memory at start-up.
constexpr std::size_t s_maxListFileLine = 1024;
constexpr std::size_t s_maxListEntries = 100000;

void unmapV4(IpAddress& address)
{
  static constexpr std::array<std::uint8_t, 12> mapped{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (address.v6 && std::memcmp(address.bytes.data(), mapped.data(), mapped.size()) == 0) {
    std::array<std::uint8_t, 16> v4{};
    std::memcpy(v4.data(), address.bytes.data() + 12, 4);
    address.bytes = v4;
    address.v6 = false;
  }
}
} // namespace

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
    unmapV4(result);
    return result;
  }
  return std::nullopt;
}

std::optional<IpAddress> IpAddress::fromSockaddr(const struct sockaddr* address)
{
  if (address == nullptr) {
    return std::nullopt;
  }
  IpAddress result;
  if (address->sa_family == AF_INET) {
    struct sockaddr_in in4;
    std::memcpy(&in4, address, sizeof in4);
    std::memcpy(result.bytes.data(), &in4.sin_addr, 4);
    return result;
  }
  if (address->sa_family == AF_INET6) {
    struct sockaddr_in6 in6;
    std::memcpy(&in6, address, sizeof in6);
    std::memcpy(result.bytes.data(), &in6.sin6_addr, 16);
    result.v6 = true;
    unmapV4(result);
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

AddressList AddressList::parse(const std::vector<std::string>& words)
{
  AddressList list;
  for (const auto& word : words) {
    if (!word.empty() && word.front() == '/') {
      std::ifstream file(word);
      if (!file) {
        throw ConfigError("cannot read address list file " + word);
      }
      std::string line;
      unsigned lineNumber = 0;
      while (std::getline(file, line)) {
        ++lineNumber;
        if (line.size() > s_maxListFileLine) {
          throw ConfigError(word + ":" + std::to_string(lineNumber) + ": line too long");
        }
        auto text = trimSpace(std::string_view(line).substr(0, line.find('#')));
        if (text.empty()) {
          continue;
        }
        try {
          list.d_networks.push_back(parseNetwork(text));
        } catch (const ConfigError& error) {
          throw ConfigError(word + ":" + std::to_string(lineNumber) + ": " + error.what());
        }
        if (list.d_networks.size() > s_maxListEntries) {
          throw ConfigError(word + ": more than " + std::to_string(s_maxListEntries) + " entries");
        }
      }
      continue;
    }
    list.d_networks.push_back(parseNetwork(word));
  }
  return list;
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
