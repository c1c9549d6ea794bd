// metrics_listener.cc: binding the metrics port and answering GET /metrics.
#include "lib/adapters/metrics_listener.hh"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
// The socket address of `address`; returns its length.
socklen_t socketAddress(const ListenAddress& address, sockaddr_storage& storage)
{
  std::memset(&storage, 0, sizeof storage);
  if (address.address.v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(address.port);
    std::memcpy(&in6->sin6_addr, address.address.bytes.data(), 16);
    return sizeof *in6;
  }
  auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
  in4->sin_family = AF_INET;
  in4->sin_port = htons(address.port);
  std::memcpy(&in4->sin_addr, address.address.bytes.data(), 4);
  return sizeof *in4;
}

MHD_Result answer(MHD_Connection* connection, unsigned status, const std::string& body,
                  const char* contentType)
{
  MhdResponsePtr response(MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY));
  if (!response) {
    return MHD_NO;
  }
  MHD_add_response_header(response.get(), MHD_HTTP_HEADER_CONTENT_TYPE, contentType);
  return MHD_queue_response(connection, status, response.get());
}

// libmicrohttpd's access handler: called once per request here, as no
// request body is ever read (a request with one is answered at once).
MHD_Result handle(void* self, MHD_Connection* connection, const char* url, const char* method,
                  const char*, const char*, size_t*, void**)
{
  const auto& render = *static_cast<const MetricsListener::Render*>(self);
  const char* text = "text/plain; charset=utf-8";
  if (std::strcmp(method, "GET") != 0 && std::strcmp(method, "HEAD") != 0) {
    return answer(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET\n", text);
  }
  if (std::strcmp(url, "/metrics") != 0) {
    return answer(connection, MHD_HTTP_NOT_FOUND, "metrics are at /metrics\n", text);
  }
  try {
    return answer(connection, MHD_HTTP_OK, render(), MetricsListener::s_contentType);
  } catch (const std::exception& error) {
    return answer(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot render the metrics\n", text);
  }
}
} // namespace

MetricsListener::MetricsListener(const ListenAddress& address) : d_address(address)
{
  const std::string where = address.toString();
  sockaddr_storage storage;
  socklen_t length = socketAddress(address, storage);
  d_socket.reset(::socket(storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!d_socket.valid()) {
    throw Error("cannot create a socket for " + where + ": " + std::strerror(errno));
  }
  // A restart must not wait for the old connections' TIME_WAIT; a port
  // another process listens on is still refused (EADDRINUSE).
  int one = 1;
  setsockopt(d_socket.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (address.address.v6) {
    setsockopt(d_socket.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  }
  if (::bind(d_socket.get(), reinterpret_cast<sockaddr*>(&storage), length) != 0 ||
      ::listen(d_socket.get(), static_cast<int>(s_maxConnections)) != 0) {
    throw Error("cannot listen on " + where + ": " + std::strerror(errno));
  }
  length = sizeof storage;
  if (::getsockname(d_socket.get(), reinterpret_cast<sockaddr*>(&storage), &length) == 0) {
    d_port =
        ntohs(storage.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                                            : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  }
}

MetricsListener::~MetricsListener() = default;

void MetricsListener::start(Render render)
{
  d_render = std::move(render);
  const int fd = d_socket.get();
  d_daemon.reset(MHD_start_daemon(
      MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL, 0, nullptr, nullptr, &handle, &d_render,
      MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT, s_maxConnections,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, s_maxPerAddress, MHD_OPTION_CONNECTION_TIMEOUT,
      s_idleTimeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT, static_cast<size_t>(64 * 1024),
      MHD_OPTION_END));
  if (!d_daemon) {
    throw Error("cannot start the metrics listener on " + d_address.toString());
  }
  // MHD_stop_daemon closes the listening socket from now on.
  d_socket.release();
}
} // namespace dmarc
