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
// Waits until no connection is open or the timeout passes; true when none
// is left.
bool waitForConnections(std::chrono::milliseconds timeout);
} // namespace dmarc
