// test-verdict_spool_cc.cc: the spool keeps every record it acknowledged,
// survives torn and corrupted frames (keeping the good records), continues
// sequences across restarts and releases only committed segments.
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/verdict_spool.hh"
#include "lib/core/error.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
std::map<std::uint64_t, std::string> readAll(const VerdictSpool& spool)
{
  std::map<std::uint64_t, std::string> out;
  spool.scan(0, UINT64_MAX, [&](std::uint64_t sequence, std::string_view payload) {
    out.emplace(sequence, std::string(payload));
    return true;
  });
  return out;
}

std::vector<std::filesystem::path> segments(const std::string& directory)
{
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(directory)) {
    if (entry.path().extension() == ".spool") {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string payloadFor(int i)
{
  return "record-" + std::to_string(i) + std::string(static_cast<std::size_t>(i % 50), 'x');
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_verdict_spool_cc)

BOOST_AUTO_TEST_CASE(test_Append_ScansBackInOrderAcrossSegments)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 4096, {});
  for (int i = 1; i <= 500; ++i) {
    BOOST_REQUIRE_EQUAL(spool.append(payloadFor(i)), static_cast<std::uint64_t>(i));
  }
  BOOST_CHECK_GT(spool.segmentCount(), 3u);
  auto all = readAll(spool);
  BOOST_REQUIRE_EQUAL(all.size(), 500u);
  for (int i = 1; i <= 500; ++i) {
    BOOST_CHECK_EQUAL(all[static_cast<std::uint64_t>(i)], payloadFor(i));
  }
}

BOOST_AUTO_TEST_CASE(test_Reopen_RecoversRecordsAndContinuesSequence)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), 1 << 20, {});
    for (int i = 1; i <= 10; ++i) {
      spool.append(payloadFor(i));
    }
  }
  VerdictSpool spool(dir.path(), 1 << 20, {});
  BOOST_CHECK_EQUAL(spool.firstSequence(), 1u);
  BOOST_CHECK_EQUAL(spool.lastSequence(), 10u);
  BOOST_CHECK_EQUAL(spool.append("next"), 11u);
  BOOST_CHECK_EQUAL(segments(dir.path()).size(), 2u); // never appends after an old tail
  BOOST_CHECK_EQUAL(readAll(spool).size(), 11u);
  BOOST_CHECK(spool.damage().empty());
}

BOOST_AUTO_TEST_CASE(test_Recover_TornTailKeepsEarlierRecords)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), 1 << 20, {});
    for (int i = 1; i <= 20; ++i) {
      spool.append(payloadFor(i));
    }
  }
  auto segment = segments(dir.path()).at(0);
  auto size = std::filesystem::file_size(segment);
  std::filesystem::resize_file(segment, size - 7); // the last frame loses its end
  std::vector<std::string> lines;
  VerdictSpool spool(dir.path(), 1 << 20,
                     [&](StoreLogLevel, std::string_view line) { lines.emplace_back(line); });
  auto all = readAll(spool);
  BOOST_CHECK_EQUAL(all.size(), 19u);
  BOOST_CHECK_EQUAL(all.rbegin()->first, 19u);
  BOOST_REQUIRE_EQUAL(spool.damage().size(), 1u);
  BOOST_CHECK(spool.damage()[0].tail);
  bool logged = false;
  for (const auto& line : lines) {
    logged = logged || line.find("torn tail") != std::string::npos;
  }
  BOOST_CHECK_MESSAGE(logged, "got no log line about the torn tail, want one");
}

BOOST_AUTO_TEST_CASE(test_Recover_TruncatedAndCorruptedRecordsKeepValidOnes)
{
  TempDirectory dir;
  std::vector<std::uint64_t> offsets;
  {
    VerdictSpool spool(dir.path(), 1 << 20, {});
    for (int i = 1; i <= 30; ++i) {
      offsets.push_back(spool.bytes());
      spool.append(payloadFor(i));
    }
  }
  auto segment = segments(dir.path()).at(0);
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    // Record 5: a payload byte flipped (CRC mismatch).
    file.seekp(static_cast<std::streamoff>(offsets[4] + VerdictSpool::s_frameHeader + 2));
    file.put('#');
    // Record 12: its length field claims 3 GB.
    file.seekp(static_cast<std::streamoff>(offsets[11] + 4));
    file.write("\x00\x00\x00\xc0", 4);
  }
  // And the last record is torn.
  std::filesystem::resize_file(segment, offsets[29] + 10);
  VerdictSpool spool(dir.path(), 1 << 20, {});
  auto all = readAll(spool);
  BOOST_CHECK_EQUAL(all.size(), 27u);
  for (std::uint64_t lost : {5u, 12u, 30u}) {
    BOOST_CHECK_MESSAGE(all.count(lost) == 0, "got record " << lost << ", want it skipped");
  }
  for (int i : {1, 4, 6, 11, 13, 29}) {
    BOOST_CHECK_EQUAL(all[static_cast<std::uint64_t>(i)], payloadFor(i));
  }
  BOOST_CHECK_EQUAL(spool.damage().size(), 3u);
  // The next record continues after the highest good sequence.
  BOOST_CHECK_EQUAL(spool.append("after"), 30u);
}

BOOST_AUTO_TEST_CASE(test_Recover_GarbageFileYieldsNothingAndNoCrash)
{
  TempDirectory dir;
  {
    std::ofstream out(dir.path() + "/segment-00000000000000000001.spool", std::ios::binary);
    std::string garbage;
    for (int i = 0; i < 100000; ++i) {
      garbage.push_back(static_cast<char>((i * 7919) & 0xff));
    }
    garbage += "DMV1DMV1DMV1"; // magic without a valid frame
    out << garbage;
  }
  VerdictSpool spool(dir.path(), 1 << 20, {});
  BOOST_CHECK(readAll(spool).empty());
  BOOST_CHECK_EQUAL(spool.damage().size(), 1u);
  BOOST_CHECK_EQUAL(spool.append("x"), 1u);
}

BOOST_AUTO_TEST_CASE(test_Release_RemovesOnlyCommittedClosedSegments)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 4096, {});
  for (int i = 1; i <= 300; ++i) {
    spool.append(payloadFor(i));
  }
  auto before = spool.segmentCount();
  spool.release(0);
  BOOST_CHECK_EQUAL(spool.segmentCount(), before);
  spool.release(150);
  auto all = readAll(spool);
  BOOST_CHECK_LT(spool.segmentCount(), before);
  BOOST_CHECK(all.count(151) == 1);
  BOOST_CHECK(all.rbegin()->first == 300);
  spool.release(300);
  BOOST_CHECK_LE(spool.segmentCount(), 1u); // the active segment stays until full
  BOOST_CHECK_EQUAL(segments(dir.path()).size(), spool.segmentCount());
}

BOOST_AUTO_TEST_CASE(test_Open_SecondProcessIsLockedOut)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 4096, {});
  BOOST_CHECK_THROW(VerdictSpool(dir.path(), 4096, {}), Error);
}

BOOST_AUTO_TEST_CASE(test_SyncUpTo_ConcurrentCallersAllDurable)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 1 << 16, {});
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto sequence = spool.append(payloadFor(i));
        if (!spool.syncUpTo(sequence)) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_CHECK_EQUAL(failures.load(), 0);
  BOOST_CHECK_EQUAL(readAll(spool).size(), 1600u);
}

// Small segments: records land in segments closed while a sync is due;
// the flusher syncs those and the new segments' directory entries too.
BOOST_AUTO_TEST_CASE(test_SyncUpTo_AcrossSegmentRollovers)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), 4096, {});
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 150; ++i) {
          if (!spool.syncUpTo(spool.append(payloadFor(i)))) {
            ++failures;
          }
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    BOOST_CHECK_EQUAL(failures.load(), 0);
    BOOST_CHECK_GT(spool.segmentCount(), 5u);
  }
  VerdictSpool reopened(dir.path(), 4096, {});
  BOOST_CHECK_EQUAL(readAll(reopened).size(), 600u);
  BOOST_CHECK(reopened.damage().empty());
}

BOOST_AUTO_TEST_SUITE_END()
