// body_hash_pool.cc: shared body hashes of one message (see the header).
#include "lib/adapters/dkim/body_hash_pool.hh"

#include "lib/core/error.hh"

namespace dmarc
{
std::optional<BodyHashPool::Id> BodyHashPool::request(DkimCanon canon,
                                                      std::optional<std::uint64_t> limit)
{
  for (Id id = 0; id < d_entries.size(); ++id) {
    if (d_entries[id].canon == canon && d_entries[id].limit == limit) {
      return id;
    }
  }
  if (started()) {
    return std::nullopt;
  }
  d_entries.push_back({canon, limit, std::make_unique<DkimBodyHash>(canon, limit), {}});
  return d_entries.size() - 1;
}

void BodyHashPool::update(std::uint64_t offset, std::string_view chunk)
{
  if (d_finished || d_entries.empty() || offset + chunk.size() <= d_fed || offset > d_fed) {
    return; // hashed already (another feeder was first), or after the end
  }
  chunk.remove_prefix(static_cast<std::size_t>(d_fed - offset));
  for (auto& entry : d_entries) {
    entry.hash->update(chunk);
  }
  d_fed += chunk.size();
}

const std::string& BodyHashPool::result(Id id)
{
  if (id >= d_entries.size()) {
    throw Error("body hash pool: no such request");
  }
  if (!d_finished) {
    d_finished = true;
    for (auto& entry : d_entries) {
      entry.result = entry.hash->finish();
      entry.hash.reset();
    }
  }
  return d_entries[id].result;
}
} // namespace dmarc
