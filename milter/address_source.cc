// address_source.cc: socket addresses and address list files (see
// address_source.hh).
#include "milter/address_source.hh"

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

void readListFile(const std::string& path, AddressList& list)
{
  std::ifstream file(path);
  if (!file) {
    throw ConfigError("cannot read address list file " + path);
  }
  std::string line;
  unsigned lineNumber = 0;
  while (std::getline(file, line)) {
    ++lineNumber;
    if (line.size() > s_maxListFileLine) {
      throw ConfigError(path + ":" + std::to_string(lineNumber) + ": line too long");
    }
    auto text = trimSpace(std::string_view(line).substr(0, line.find('#')));
    if (text.empty()) {
      continue;
    }
    try {
      list.add(text);
    } catch (const ConfigError& error) {
      throw ConfigError(path + ":" + std::to_string(lineNumber) + ": " + error.what());
    }
    if (list.size() > s_maxListEntries) {
      throw ConfigError(path + ": more than " + std::to_string(s_maxListEntries) + " entries");
    }
  }
}
} // namespace

std::optional<IpAddress> ipAddressOf(const struct sockaddr* address)
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
    result.unmapV4();
    return result;
  }
  return std::nullopt;
}

AddressList readAddressList(const std::vector<std::string>& words)
{
  AddressList list;
  for (const auto& word : words) {
    if (!word.empty() && word.front() == '/') {
      readListFile(word, list);
    } else {
      list.add(word);
    }
  }
  return list;
}
} // namespace dmarc
