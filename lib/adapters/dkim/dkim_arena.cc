// dkim_arena.cc: per-message memory for libopendkim (see the header).
// Called from C: nothing here throws.
#include "lib/adapters/dkim/dkim_arena.hh"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>

namespace dmarc
{
namespace
{
constexpr std::size_t s_align = alignof(std::max_align_t);
// The first chunk holds a usual message's allocations (about 20 KB for a
// 10 KB message with one signature); later chunks double up to the last
// size, so that a header at the limits needs a handful of chunks.
constexpr std::size_t s_firstChunk = 32 * 1024;
constexpr std::size_t s_largestChunk = 1024 * 1024;
} // namespace

struct alignas(std::max_align_t) DkimArena::Chunk
{
  Chunk* next;
  std::size_t size; // bytes after the header

  char* data() noexcept { return reinterpret_cast<char*>(this + 1); }
  const char* data() const noexcept { return reinterpret_cast<const char*>(this + 1); }
};

DkimArena::~DkimArena()
{
  while (d_chunks != nullptr) {
    Chunk* next = d_chunks->next;
    std::free(d_chunks);
    d_chunks = next;
  }
}

bool DkimArena::grow(std::size_t size) noexcept
{
  d_chunkSize = d_chunkSize == 0 ? s_firstChunk : std::min(d_chunkSize * 2, s_largestChunk);
  std::size_t chunkSize = std::max(size, d_chunkSize);
  if (chunkSize > std::numeric_limits<std::size_t>::max() - sizeof(Chunk)) {
    return false;
  }
  auto* chunk = static_cast<Chunk*>(std::malloc(sizeof(Chunk) + chunkSize));
  if (chunk == nullptr) {
    return false;
  }
  chunk->next = d_chunks;
  chunk->size = chunkSize;
  d_chunks = chunk;
  d_next = chunk->data();
  d_left = chunkSize;
  return true;
}

void* DkimArena::allocate(std::size_t size) noexcept
{
  // At least one byte, so that every block lies inside its chunk (owns()).
  if (size > std::numeric_limits<std::size_t>::max() - s_align) {
    return nullptr;
  }
  size = (std::max<std::size_t>(size, 1) + s_align - 1) & ~(s_align - 1);
  if (size > d_left && !grow(size)) {
    return nullptr;
  }
  void* block = d_next;
  d_next += size;
  d_left -= size;
  return block;
}

bool DkimArena::owns(const void* p) const noexcept
{
  auto address = reinterpret_cast<std::uintptr_t>(p);
  for (const Chunk* chunk = d_chunks; chunk != nullptr; chunk = chunk->next) {
    auto begin = reinterpret_cast<std::uintptr_t>(chunk->data());
    if (address >= begin && address - begin < chunk->size) {
      return true;
    }
  }
  return false;
}

void* DkimArena::allocateFor(void* closure, std::size_t size) noexcept
{
  return closure != nullptr ? static_cast<DkimArena*>(closure)->allocate(size) : std::malloc(size);
}

void DkimArena::freeFor(void* closure, void* p) noexcept
{
  if (closure != nullptr && static_cast<DkimArena*>(closure)->owns(p)) {
    return; // released with the arena
  }
  std::free(p);
}
} // namespace dmarc
