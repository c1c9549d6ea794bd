// dkim_key_cache.hh: a process-wide cache of decoded DKIM public keys,
// used while libopendkim checks signatures, and by the project's own
// signature checks (dkim_public_key.hh).
//
// Why: libopendkim decodes the SubjectPublicKeyInfo of every RSA key it
// fetches with d2i_PUBKEY_bio(), once per signature. On OpenSSL 3.0 that
// call goes through the provider decoder framework and costs about 140 us
// for an RSA-2048 key, eight times the RSA verification itself
// (tests/bench/dkim-bench measures both). Busy senders use a handful of
// keys for millions of messages, so the decoded key is worth keeping.
// libopendkim has no hook for key decoding, so this file defines
// d2i_PUBKEY_bio() in the program itself: the dynamic linker then binds
// libopendkim's call to it (a definition in the executable comes first).
//
// What it trusts: nothing of the key bytes. The cache is keyed by the DER
// bytes themselves, not by selector or domain, so a changed or revoked
// key record is a different entry and can never be answered from the
// cache; bad DER is handed to OpenSSL as before and never cached. Only
// calls made inside a DkimKeyCacheScope (on that thread) use the cache;
// every other caller in the process gets OpenSSL's own function unchanged.
// The shared EVP_PKEY is only read by libopendkim (EVP_PKEY_get1_RSA,
// EVP_PKEY_get_size, EVP_PKEY_free), which OpenSSL allows from several
// threads at once on one key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
struct DkimKeyCacheStats
{
  std::uint64_t hits = 0;
  std::uint64_t misses = 0; // decoded by OpenSSL and kept
  std::size_t entries = 0;
};

// While one is alive, d2i_PUBKEY_bio() calls on this thread (from
// libopendkim's dkim_eom) are answered from the cache. Not nestable
// across threads: each thread has its own flag.
class DkimKeyCacheScope
{
public:
  DkimKeyCacheScope() noexcept;
  ~DkimKeyCacheScope();
  DkimKeyCacheScope(const DkimKeyCacheScope&) = delete;
  DkimKeyCacheScope& operator=(const DkimKeyCacheScope&) = delete;

private:
  bool d_previous;
};

// Keys kept at most (least recently used go first). An RSA-2048 key costs
// about 2 KB decoded, so the cache stays under 1 MB.
inline constexpr std::size_t s_dkimKeyCacheEntries = 400;
// Longer DER is decoded without being kept: DKIM keys longer than 4096 bits
// (about 550 bytes of DER) are not worth a cache slot.
inline constexpr std::size_t s_dkimKeyCacheMaxDer = 1200;

// The key decoded from `der` (a DER SubjectPublicKeyInfo, as an RSA p=
// carries it) through the same cache, for signatures checked without
// libopendkim (ARC): a reference of the caller's own, or null when the
// bytes are not a public key. Needs no DkimKeyCacheScope.
EvpPkeyPtr dkimCachedPublicKey(std::string_view der);
// For a key the cache holds (dkimCachedPublicKey above), a context ready to
// verify rsa-sha256 signatures with it (dkim_crypto.hh), duplicated from
// one kept with the key; null for other keys.
EvpPkeyCtxPtr dkimCachedRsaVerifyContext(std::string_view der);

DkimKeyCacheStats dkimKeyCacheStats();
// Empties the cache (tests).
void dkimKeyCacheClear();
} // namespace dmarc
