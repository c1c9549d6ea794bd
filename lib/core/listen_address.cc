// listen_address.cc: parsing "PORT", "ADDRESS:PORT" and "[IPV6]:PORT".
#include "lib/core/listen_address.hh"

#include <charconv>

namespace dmarc
{
namespace
{
std::optional<std::uint16_t> parsePort(std::string_view digits)
{
  unsigned value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || value == 0 ||
      value > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(value);
}
} // namespace

bool ListenAddress::loopback() const
{
  if (!address.v6) {
    return address.bytes[0] == 127;
  }
  for (std::size_t i = 0; i < 15; ++i) {
    if (address.bytes[i] != 0) {
      return false;
    }
  }
  return address.bytes[15] == 1;
}

std::string ListenAddress::toString() const
{
  std::string host = address.toString();
  return (address.v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string& error)
{
  ListenAddress result;
  std::string_view host = "127.0.0.1";
  std::string_view port = text;
  if (auto colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    bool bracketed = host.size() >= 2 && host.front() == '[' && host.back() == ']';
    if (host.find(':') != std::string_view::npos && !bracketed) {
      error = "an IPv6 address needs brackets, as in [::1]:9464: " + std::string(text);
      return std::nullopt;
    }
  }
  auto number = parsePort(port);
  if (!number) {
    error = "not a port 1-65535: " + std::string(port);
    return std::nullopt;
  }
  auto address = IpAddress::parse(host);
  if (!address) {
    error = "not an IP address: " + std::string(host);
    return std::nullopt;
  }
  result.address = *address;
  result.port = *number;
  return result;
}
} // namespace dmarc
