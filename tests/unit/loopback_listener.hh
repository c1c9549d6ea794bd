// loopback_listener.hh: a listening TCP socket on 127.0.0.1 with a port the
// kernel picks, for the in-process peers (HTTPS server, SMTP relay, MX) that
// the unit tests run on a thread of their own.
#pragma once

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
// Binds and listens with `backlog`; returns the socket and its port.
inline FileDescriptor listenOnLoopback(int backlog, std::uint16_t& port)
{
  FileDescriptor listener(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE_EQUAL(bind(listener.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)),
                      0);
  BOOST_REQUIRE_EQUAL(listen(listener.get(), backlog), 0);
  socklen_t length = sizeof(address);
  getsockname(listener.get(), reinterpret_cast<sockaddr*>(&address), &length);
  port = ntohs(address.sin_port);
  return listener;
}
} // namespace dmarc
