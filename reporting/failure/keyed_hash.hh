// keyed_hash.hh: HMAC-SHA256 (RFC 2104, FIPS 180-4) through OpenSSL, the
// keyed hash behind the redaction of local parts in failure reports
// (lib/core/local_part_redaction.hh).
//
// Trusts the key (the site's secret, read from a file only the reporting
// account can read); never logs it.
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// The 32 raw bytes of HMAC-SHA256(key, data). Throws dmarc::Error when
// OpenSSL fails (it does not for these inputs).
std::string hmacSha256(std::string_view key, std::string_view data);
} // namespace dmarc
