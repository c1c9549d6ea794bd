// loopback_unbound.hh: a private unbound server on 127.0.0.1 for resolver
// tests, authoritative (local-data) for the records the test gives it.
//
// The port comes from bind(0); the configuration lives in a temporary
// directory; readiness is awaited by querying the server until it answers
// (each attempt waits on the socket, never on a sleep). The server is killed
// and the directory removed at destruction. Nothing leaves 127.0.0.0/8:
// everything not given by the test is NXDOMAIN from a static root zone.
#pragma once

#include <arpa/inet.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <netinet/in.h>
#include <signal.h>
#include <stdexcept>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "tests/unit/temp_directory.hh"

namespace dmarc::test
{
// A UDP port on 127.0.0.1 that was free a moment ago (bound, read, closed).
inline unsigned freeUdpPort()
{
  int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    throw std::runtime_error("cannot bind a loopback UDP socket");
  }
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

class LoopbackUnbound
{
public:
  // zoneLines: unbound server-clause lines, e.g.
  //   local-zone: "example.test." static
  //   local-data: "example.test. 300 IN TXT \"v=spf1 -all\""
  explicit LoopbackUnbound(const std::vector<std::string>& zoneLines)
  {
    const std::string& dir = d_directory.path();
    d_port = freeUdpPort();
    std::ofstream conf(dir + "/unbound.conf");
    conf << "server:\n"
         << "  interface: 127.0.0.1@" << d_port << "\n"
         << "  port: " << d_port << "\n"
         << "  do-daemonize: no\n  chroot: \"\"\n  username: \"\"\n"
         << "  directory: \"" << dir << "\"\n"
         << "  pidfile: \"" << dir << "/unbound.pid\"\n"
         << "  logfile: \"" << dir << "/unbound.log\"\n"
         << "  use-syslog: no\n  verbosity: 1\n  num-threads: 1\n"
         << "  access-control: 127.0.0.0/8 allow\n"
         << "  module-config: \"iterator\"\n"
         << "  do-not-query-localhost: no\n"
         << "  do-ip6: no\n"
         << "  local-zone: \".\" static\n"
         << "  local-data: \"ready.invalid. 0 IN A 127.0.0.1\"\n";
    for (const auto& line : zoneLines) {
      conf << "  " << line << "\n";
    }
    conf << "remote-control:\n  control-enable: no\n";
    conf.close();

    // $UNBOUND, else Debian's /usr/sbin/unbound (not on a normal user's
    // PATH), else whatever PATH finds.
    std::string binary = std::getenv("UNBOUND") != nullptr              ? std::getenv("UNBOUND")
                         : std::filesystem::exists("/usr/sbin/unbound") ? "/usr/sbin/unbound"
                                                                        : "unbound";
    std::string confPath = dir + "/unbound.conf";
    d_pid = ::fork();
    if (d_pid < 0) {
      throw std::runtime_error("fork failed");
    }
    if (d_pid == 0) {
      ::execlp(binary.c_str(), "unbound", "-d", "-c", confPath.c_str(),
               static_cast<char*>(nullptr));
      ::_exit(127);
    }
    waitReady();
  }

  ~LoopbackUnbound()
  {
    if (d_pid > 0) {
      ::kill(d_pid, SIGTERM);
      int status = 0;
      ::waitpid(d_pid, &status, 0);
    }
  }

  LoopbackUnbound(const LoopbackUnbound&) = delete;
  LoopbackUnbound& operator=(const LoopbackUnbound&) = delete;

  unsigned port() const { return d_port; }
  std::string nameserver() const { return "127.0.0.1@" + std::to_string(d_port); }
  std::string log() const
  {
    std::ifstream in(d_directory.path() + "/unbound.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

private:
  // Sends "ready.invalid A" until a reply comes back, each attempt bounded
  // by a receive timeout; fails after 30 s or if unbound exited.
  void waitReady()
  {
    static const unsigned char query[] = {0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00,
                                          0x00, 0x00, 0x00, 0x00, 5,    'r',  'e',  'a',
                                          'd',  'y',  7,    'i',  'n',  'v',  'a',  'l',
                                          'i',  'd',  0,    0x00, 0x01, 0x00, 0x01};
    int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    timeval tv{0, 100000};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(d_port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(d_pid, &status, WNOHANG) == d_pid) {
        d_pid = -1;
        ::close(fd);
        throw std::runtime_error("unbound exited during start-up: " + log());
      }
      ::sendto(fd, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&address), sizeof(address));
      unsigned char reply[512];
      if (::recv(fd, reply, sizeof(reply), 0) > 12 && reply[0] == 0x12 && reply[1] == 0x34) {
        ::close(fd);
        return;
      }
    }
    ::close(fd);
    throw std::runtime_error("unbound did not answer within 30 s: " + log());
  }

  TempDirectory d_directory; // removed after the destructor has stopped unbound
  unsigned d_port = 0;
  pid_t d_pid = -1;
};
} // namespace dmarc::test
