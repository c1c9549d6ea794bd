// listen_address.hh: where an optional TCP listener (the metrics endpoint)
// binds, from "PORT", "ADDRESS:PORT" or "[IPV6]:PORT".
//
// A bare port means the loopback address: metrics tell anyone who can read
// them how much mail a host takes and from whom it fails, so they are
// reachable from another host only when the administrator wrote that
// host's address. Names are refused (no DNS at start-up, no surprise about
// which address a name gave).
// Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lib/core/address_list.hh"

namespace dmarc
{
struct ListenAddress
{
  IpAddress address;
  std::uint16_t port = 0;

  bool loopback() const;        // 127.0.0.0/8 or ::1
  std::string toString() const; // "127.0.0.1:9464", "[::1]:9464"
};

// nullopt and `error` set when `text` is none of the three forms or the
// port is not 1-65535.
std::optional<ListenAddress> parseListenAddress(std::string_view text, std::string& error);
} // namespace dmarc
