// metrics_listener.hh: the HTTP endpoint that serves dmarc-milter's
// metrics (GET /metrics) on libmicrohttpd.
//
// Life cycle as the milter socket's (STYLE.md 18): bind() as root before
// the privilege drop, so that a port below 1024 works and a port in use
// stops the start with a clear message; start() after the drop, which
// starts libmicrohttpd's one thread.
//
// The listener must never slow the milter down: it runs on its own thread,
// serves at most s_maxConnections clients (s_maxPerAddress from one
// address) at once, closes a connection idle for s_idleTimeout seconds and
// reads no request body. The page is rendered on that thread from relaxed
// atomic counters; only the history store's figures take its lock, once
// per scrape.
//
// Trusts: nothing in a request. Answers 404 for any other path, 405 for
// any method but GET and HEAD.
#pragma once

#include <functional>
#include <string>

#include "lib/adapters/c_handles.hh"
#include "lib/core/listen_address.hh"

namespace dmarc
{
class MetricsListener
{
public:
  static constexpr unsigned s_maxConnections = 16;
  static constexpr unsigned s_maxPerAddress = 4;
  static constexpr unsigned s_idleTimeout = 10; // seconds
  static constexpr const char* s_contentType = "text/plain; version=0.0.4; charset=utf-8";

  using Render = std::function<std::string()>;

  // Binds and listens; throws Error naming the address and the reason
  // ("Address already in use") when it cannot.
  explicit MetricsListener(const ListenAddress& address);
  ~MetricsListener();
  MetricsListener(const MetricsListener&) = delete;
  MetricsListener& operator=(const MetricsListener&) = delete;

  // Starts serving; `render` gives the page. Throws Error when libmicrohttpd
  // cannot start.
  void start(Render render);
  // The port bound (the one asked for, or the kernel's choice for port 0
  // in tests).
  unsigned port() const { return d_port; }

private:
  ListenAddress d_address;
  FileDescriptor d_socket; // handed to libmicrohttpd by start(), which closes it
  unsigned d_port = 0;
  Render d_render;
  MhdDaemonPtr d_daemon;
};
} // namespace dmarc
