// address_source.hh: where the milter's addresses come from: the socket
// address the MTA gives at connect, and the address list files that
// IgnoreHosts and TrustedForwarders may name. The lists themselves (and the
// membership test) are lib/core/address_list.hh.
//
// Trusts nothing it reads: list files are configuration, but a runaway file
// still must not exhaust memory at start-up, so lines and entries are capped.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "lib/core/address_list.hh"

struct sockaddr;

namespace dmarc
{
// From a socket address given by the MTA (AF_INET or AF_INET6); nullopt for
// any other family (a Unix socket: a local submission).
std::optional<IpAddress> ipAddressOf(const struct sockaddr* address);

// Each word is an address or CIDR block; a word starting with '/' names a
// file with one entry per line (# starts a comment). Throws ConfigError
// naming the bad word (and file:line for file entries).
AddressList readAddressList(const std::vector<std::string>& words);
} // namespace dmarc
