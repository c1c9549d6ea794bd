// body_hash_pool.hh: the body hashes one message needs, each computed
// once. DKIM signatures and ARC-Message-Signatures hash the same body with
// one of two canonicalisations and, rarely, an l= length; a message with a
// DKIM signature and three ARC sets usually needs one hash, not four.
// DkimVerifier and ArcVerifier given the same pool share their hashes.
//
// How sharing works with two feeders: each verifier passes the body it is
// given with its own offset (the body bytes it has passed before); the
// pool hashes only the bytes no one passed yet. So the milter feeds each
// verifier every body chunk as before, and the hashing happens once.
// Hashes are requested before the body starts (at the end of the header);
// a request after that is refused, and the requester keeps its own pool.
// Not thread-safe: one message, one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/dkim/dkim_body_hash.hh"

namespace dmarc
{
class BodyHashPool
{
public:
  using Id = std::size_t;

  // The hash of the body with `canon`, cut at `limit` canonical bytes
  // (l=), shared with an earlier request for the same. nullopt once body
  // bytes were hashed: it could no longer see the whole body.
  std::optional<Id> request(DkimCanon canon, std::optional<std::uint64_t> limit = std::nullopt);

  // Body bytes [offset, offset + chunk.size()) in SMTP form: hashes the
  // part not hashed yet. Ignored after result() was called.
  void update(std::uint64_t offset, std::string_view chunk);

  // The base64 hash (as bh= carries it) of request `id`. The first call
  // ends every hash: call once the whole body was given.
  const std::string& result(Id id);

  bool started() const noexcept { return d_fed > 0 || d_finished; }
  // Distinct hashes computed (each canonicalisation and length once).
  std::size_t hashCount() const noexcept { return d_entries.size(); }
  // Body bytes hashed (each byte once, however many feeders).
  std::uint64_t bytesHashed() const noexcept { return d_fed; }

private:
  struct Entry
  {
    DkimCanon canon;
    std::optional<std::uint64_t> limit;
    std::unique_ptr<DkimBodyHash> hash;
    std::string result;
  };

  std::vector<Entry> d_entries;
  std::uint64_t d_fed = 0;
  bool d_finished = false;
};
} // namespace dmarc
