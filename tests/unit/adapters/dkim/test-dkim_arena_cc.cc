// test-dkim_arena_cc.cc: the per-message arena behind libopendkim's
// allocations hands out aligned, disjoint blocks, knows which are its own,
// passes memory it does not own to free(), and survives hostile sizes.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_arena.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_dkim_arena_cc)

// Blocks of every size, small and larger than a chunk: aligned for any
// type, writable whole, not overlapping, all owned.
BOOST_AUTO_TEST_CASE(test_Allocate_AlignedDisjointOwned)
{
  DkimArena arena;
  struct Block
  {
    unsigned char* data;
    std::size_t size;
  };
  std::vector<Block> blocks;
  for (std::size_t size : {0UL, 1UL, 7UL, 16UL, 100UL, 4096UL, 40000UL, 3UL, 200000UL, 5UL}) {
    auto* p = static_cast<unsigned char*>(arena.allocate(size));
    BOOST_REQUIRE_MESSAGE(p != nullptr, "got no block for " << size << " bytes");
    BOOST_CHECK_EQUAL(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0U);
    std::memset(p, static_cast<int>(blocks.size() + 1), size);
    blocks.push_back({p, size});
  }
  for (std::size_t i = 0; i < blocks.size(); ++i) {
    BOOST_CHECK_MESSAGE(arena.owns(blocks[i].data), "got not owned, want owned: block " << i);
    for (std::size_t j = 0; j < blocks[i].size; ++j) {
      BOOST_REQUIRE_EQUAL(blocks[i].data[j], static_cast<unsigned char>(i + 1));
    }
  }
}

// Memory from malloc is not the arena's; freeFor() gives it to free()
// (LeakSanitizer and ASan would report it otherwise), with or without a
// closure, and ignores the arena's own blocks.
BOOST_AUTO_TEST_CASE(test_FreeFor_OnlyForeignMemoryFreed)
{
  DkimArena arena;
  void* own = DkimArena::allocateFor(&arena, 64);
  BOOST_REQUIRE(own != nullptr);
  void* foreign = std::malloc(64);
  BOOST_REQUIRE(foreign != nullptr);
  BOOST_CHECK(!arena.owns(foreign));
  DkimArena::freeFor(&arena, foreign);
  DkimArena::freeFor(&arena, own); // a no-op: released with the arena
  void* library = DkimArena::allocateFor(nullptr, 32);
  BOOST_REQUIRE(library != nullptr);
  BOOST_CHECK(!arena.owns(library));
  DkimArena::freeFor(nullptr, library);
  std::memset(own, 0x5a, 64); // still the arena's
}

// A size near SIZE_MAX (a hostile length reaching libopendkim) is refused,
// not wrapped into a small block.
BOOST_AUTO_TEST_CASE(test_HugeSize_Refused)
{
  DkimArena arena;
  BOOST_CHECK(arena.allocate(SIZE_MAX) == nullptr);
  BOOST_CHECK(arena.allocate(SIZE_MAX - 8) == nullptr);
  BOOST_CHECK(arena.allocate(16) != nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
