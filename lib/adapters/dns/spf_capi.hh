// spf_capi.hh: the one way C++ code includes libspf2's <spf2/spf.h>.
// The header does not compile unless <netinet/in.h> and <arpa/nameser.h>
// come first (see ../shared/docs/libspf2-conformance.md), so they are
// included here, in that order, and the declarations get C linkage.
// Nothing else may include <spf2/spf.h>.
#pragma once

// clang-format off
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <sys/socket.h>
// libspf2's headers have no extern "C" guards of their own.
extern "C" {
#include <spf2/spf.h>
}
// clang-format on
