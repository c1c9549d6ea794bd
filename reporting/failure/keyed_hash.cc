// keyed_hash.cc: one-shot HMAC() of libcrypto.
#include "reporting/failure/keyed_hash.hh"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "lib/core/error.hh"

namespace dmarc
{
std::string hmacSha256(std::string_view key, std::string_view data)
{
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest,
           &length) == nullptr) {
    throw Error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}
} // namespace dmarc
