// callbacks.hh: dmarc-milter's registration with libmilter.
//
// The extern "C" callbacks are thin trampolines (STYLE.md 6): fetch the
// connection's Session with smfi_getpriv, call one member function, map the
// Reply to an sfsistat, and turn any exception into the configured failure
// action. No exception ever reaches libmilter.
#pragma once

#include <chrono>

namespace dmarc
{
struct SessionServices;

// Registers the filter (smfi_register); libmilter needs it before it binds
// the socket. Returns false when libmilter refuses.
bool registerFilter();
// The services every session uses; set before smfi_main, and they must
// outlive every connection.
void setSessionServices(SessionServices* services);

// Connections open right now (between negotiate/connect and close).
unsigned activeConnections();
// Callbacks running right now.
unsigned busyCallbacks();
// Waits until no callback is running or the timeout passes; true when
// idle. Used at stop: Debian's libmilter (built with _FFR_WORKERS_POOL)
// stops dispatching commands once smfi_main returns, so what can be
// drained is every callback in progress (an end-of-message being decided
// gets its answer and its verdict stored); connections idle between two
// commands are closed, and the MTA applies its default milter action.
bool waitForIdle(std::chrono::milliseconds timeout);
} // namespace dmarc
