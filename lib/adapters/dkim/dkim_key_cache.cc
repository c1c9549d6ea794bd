// dkim_key_cache.cc: the decoded-key cache behind libopendkim's
// d2i_PUBKEY_bio() calls (see the header for why it exists).
#include "lib/adapters/dkim/dkim_key_cache.hh"

#include <dlfcn.h>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/dkim/dkim_crypto.hh"

namespace dmarc
{
namespace
{
thread_local bool t_useCache = false;

using D2iPubkeyBio = EVP_PKEY* (*)(BIO*, EVP_PKEY**);

// OpenSSL's own d2i_PUBKEY_bio, the next definition after ours.
D2iPubkeyBio opensslD2iPubkeyBio()
{
  static const D2iPubkeyBio s_real =
      reinterpret_cast<D2iPubkeyBio>(::dlsym(RTLD_NEXT, "d2i_PUBKEY_bio"));
  return s_real;
}

class KeyCache
{
public:
  ~KeyCache() { clear(); }

  // The cached key for `der` with one more reference for the caller, or null.
  EVP_PKEY* find(std::string_view der)
  {
    std::lock_guard lock(d_mutex);
    auto found = d_entries.find(der);
    if (found == d_entries.end() || EVP_PKEY_up_ref(found->second.key) != 1) {
      return nullptr;
    }
    found->second.lastUse = ++d_clock;
    ++d_hits;
    return found->second.key;
  }

  // Keeps its own reference to `key` (decoded from `der`). Never throws:
  // without memory for the entry the key is simply not kept.
  void insert(std::string&& der, EVP_PKEY* key) noexcept
  {
    std::lock_guard lock(d_mutex);
    ++d_misses;
    if (d_entries.size() >= s_dkimKeyCacheEntries) {
      auto oldest = d_entries.begin();
      for (auto it = d_entries.begin(); it != d_entries.end(); ++it) {
        if (it->second.lastUse < oldest->second.lastUse) {
          oldest = it;
        }
      }
      EVP_PKEY_free(oldest->second.key);
      EVP_PKEY_CTX_free(oldest->second.rsaVerify);
      d_entries.erase(oldest);
    }
    try {
      auto [it, inserted] = d_entries.try_emplace(std::move(der), Entry{key, nullptr, d_clock + 1});
      if (inserted && EVP_PKEY_up_ref(key) == 1) {
        ++d_clock;
      } else if (inserted) {
        d_entries.erase(it);
      }
    } catch (...) {
      // bad_alloc: not kept.
    }
  }

  // A duplicate of the rsa-sha256 verification context kept with the key
  // of `der` (made on first use), or null when the key is not cached or
  // not RSA.
  EVP_PKEY_CTX* verifyContext(std::string_view der)
  {
    std::lock_guard lock(d_mutex);
    auto found = d_entries.find(der);
    if (found == d_entries.end()) {
      return nullptr;
    }
    Entry& entry = found->second;
    if (entry.rsaVerify == nullptr && EVP_PKEY_get_base_id(entry.key) == EVP_PKEY_RSA) {
      entry.rsaVerify = makeRsaSha256VerifyContext(entry.key).release();
    }
    return entry.rsaVerify != nullptr ? EVP_PKEY_CTX_dup(entry.rsaVerify) : nullptr;
  }

  DkimKeyCacheStats stats()
  {
    std::lock_guard lock(d_mutex);
    return {d_hits, d_misses, d_entries.size()};
  }

  void clear()
  {
    std::lock_guard lock(d_mutex);
    for (auto& [der, entry] : d_entries) {
      EVP_PKEY_free(entry.key);
      EVP_PKEY_CTX_free(entry.rsaVerify);
    }
    d_entries.clear();
    d_hits = d_misses = 0;
  }

private:
  struct Entry
  {
    EVP_PKEY* key;
    // Ready to verify rsa-sha256 (dkim_crypto.hh): setting one up costs
    // about 3 us on OpenSSL 3.0 (a provider lookup), duplicating it 0.1 us.
    EVP_PKEY_CTX* rsaVerify;
    std::uint64_t lastUse;
  };
  // Looked up by the DER bytes in libopendkim's BIO, without a copy.
  struct DerHash
  {
    using is_transparent = void;
    std::size_t operator()(std::string_view der) const noexcept
    {
      return std::hash<std::string_view>{}(der);
    }
  };
  std::mutex d_mutex;
  std::unordered_map<std::string, Entry, DerHash, std::equal_to<>> d_entries;
  std::uint64_t d_clock = 0;
  std::uint64_t d_hits = 0;
  std::uint64_t d_misses = 0;
};

KeyCache& keyCache()
{
  static KeyCache s_cache;
  return s_cache;
}

// The key of `der` from the cache, decoded and kept on a miss; null for
// bad DER (never cached).
EVP_PKEY* decodeCached(std::string_view der)
{
  EVP_PKEY* key = keyCache().find(der);
  if (key == nullptr) {
    // Not seen yet: the same decoder as d2i_PUBKEY_bio, on the same bytes.
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    key = d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size()));
    if (key == nullptr) {
      return nullptr;
    }
    keyCache().insert(std::string(der), key);
  }
  return key;
}

// Decodes the memory BIO's key through the cache; nullopt when the BIO
// is not one the cache handles (nothing was read from it then).
std::optional<EVP_PKEY*> cachedDecode(BIO* bio)
{
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  if (data == nullptr || length <= 0 || static_cast<std::size_t>(length) > s_dkimKeyCacheMaxDer) {
    return std::nullopt;
  }
  EVP_PKEY* key = decodeCached(std::string_view(data, static_cast<std::size_t>(length)));
  if (key == nullptr) {
    return nullptr; // bad DER is never cached
  }
  // Leave the BIO as a decode would: its bytes consumed. libopendkim frees
  // it next, but a caller that read on must not see the key again.
  unsigned char consumed[s_dkimKeyCacheMaxDer];
  (void)BIO_read(bio, consumed, static_cast<int>(length));
  return key;
}
} // namespace

DkimKeyCacheScope::DkimKeyCacheScope() noexcept : d_previous(t_useCache)
{
  t_useCache = true;
}

DkimKeyCacheScope::~DkimKeyCacheScope()
{
  t_useCache = d_previous;
}

EvpPkeyPtr dkimCachedPublicKey(std::string_view der)
{
  if (der.empty()) {
    return nullptr;
  }
  if (der.size() > s_dkimKeyCacheMaxDer) {
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    return EvpPkeyPtr(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size())));
  }
  try {
    return EvpPkeyPtr(decodeCached(der));
  } catch (...) {
    // Out of memory for the cache entry: decode without it.
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    return EvpPkeyPtr(d2i_PUBKEY(nullptr, &cursor, static_cast<long>(der.size())));
  }
}

EvpPkeyCtxPtr dkimCachedRsaVerifyContext(std::string_view der)
{
  return EvpPkeyCtxPtr(keyCache().verifyContext(der));
}

DkimKeyCacheStats dkimKeyCacheStats()
{
  return keyCache().stats();
}

void dkimKeyCacheClear()
{
  keyCache().clear();
}
} // namespace dmarc

// The interposed OpenSSL function (header: why). Outside a DkimKeyCacheScope,
// with an output argument or with anything but a memory BIO it is exactly
// OpenSSL's. Called from C: no exception may leave it.
extern "C" EVP_PKEY* d2i_PUBKEY_bio(BIO* bio, EVP_PKEY** out)
{
  if (dmarc::t_useCache && out == nullptr && bio != nullptr &&
      BIO_method_type(bio) == BIO_TYPE_MEM) {
    try {
      if (auto key = dmarc::cachedDecode(bio)) {
        return *key;
      }
    } catch (...) {
      // Out of memory for the cache entry: decode without it below.
    }
  }
  // Only a program without a dynamic libcrypto lacks the next definition,
  // and such a program cannot link this file (two definitions).
  dmarc::D2iPubkeyBio real = dmarc::opensslD2iPubkeyBio();
  return real != nullptr ? real(bio, out) : nullptr;
}
