// dkim_arena.hh: per-message memory for libopendkim's allocations.
//
// Why: libopendkim allocates and frees dozens of small blocks per message
// (each header field twice, every tag of every signature and key record,
// dynamic strings that grow by copying, 4 KB hash buffers per signature),
// and malloc/free were about 3% of an RSA-2048 verification
// (tests/bench/dkim-bench under perf). dkim_init() takes allocation
// functions and dkim_verify() a per-message closure for them, so each
// DkimVerifier hands libopendkim an arena: blocks are cut from a few
// chunks, a free is a no-op, and all of it goes back to malloc at once
// when the verifier is destroyed, after dkim_free().
//
// What it trusts: that libopendkim frees memory it allocated with a
// message's closure through that closure (DKIM_FREE), never with free().
// Its own direct free() calls (read for libopendkim 2.11) are for memory
// it got from malloc() itself. Allocations without a closure (the library
// handle, option arrays) go to malloc() and free() as before, and so does
// a free, with the closure, of a block the arena did not hand out.
// Bounded: freed blocks are kept until the message ends, so libopendkim's
// memory for a message is at most a few times what it held at once, which
// the header limits of DkimSettings bound.
#pragma once

#include <cstddef>

namespace dmarc
{
class DkimArena
{
public:
  DkimArena() noexcept = default;
  ~DkimArena();
  DkimArena(const DkimArena&) = delete;
  DkimArena& operator=(const DkimArena&) = delete;

  // size bytes aligned for any type, or nullptr without memory.
  void* allocate(std::size_t size) noexcept;
  // True when p is inside a block this arena handed out.
  bool owns(const void* p) const noexcept;

  // The functions for dkim_init(): `closure` is the DkimArena given to
  // dkim_verify(), or nullptr for libopendkim's own allocations.
  static void* allocateFor(void* closure, std::size_t size) noexcept;
  static void freeFor(void* closure, void* p) noexcept;

private:
  struct Chunk;
  bool grow(std::size_t size) noexcept;

  Chunk* d_chunks = nullptr;
  char* d_next = nullptr;
  std::size_t d_left = 0;
  std::size_t d_chunkSize = 0;
};
} // namespace dmarc
