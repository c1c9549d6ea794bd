// host_identity.hh: what a report run takes from the host it runs on: its
// name (the reporting MTA of what it sends) and random letters and digits
// (Report-IDs, MIME boundaries). Shared by send and send-failures.
#pragma once

#include <cstddef>
#include <string>

namespace dmarc
{
// The name this host gives itself (gethostname); "localhost" when it has none.
std::string localHostName();

// Letters and digits made from `bytes` bytes of OpenSSL's generator (one
// character per byte). Throws dmarc::Error when the generator has none.
std::string randomAlnum(std::size_t bytes);
} // namespace dmarc
