// test-verdict_spool_cc.cc: the spool keeps every record it acknowledged,
// survives torn and corrupted frames (keeping the good records), continues
// sequences across restarts and releases only committed segments; its
// pre-written segments end in zeros that are room, not damage, and a spare
// segment left behind is reused, recovered or removed.
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/verdict_spool.hh"
#include "lib/core/error.hh"
#include "tests/unit/adapters/store/small_tmpfs.hh"
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

// Spools of these tests: segments of 64 KiB, pre-written ones of 16 KiB.
constexpr std::size_t s_segment = 1 << 16;
constexpr std::uintmax_t s_prewritten = s_segment / 4;

std::string spareOf(const std::string& directory)
{
  return directory + "/spare.segment";
}

// Appends payloadFor(1..count); returns each frame's offset in the file.
std::vector<std::uint64_t> appendRecords(VerdictSpool& spool, int count)
{
  std::vector<std::uint64_t> offsets;
  for (int i = 1; i <= count; ++i) {
    offsets.push_back(spool.bytes());
    spool.append(payloadFor(i));
  }
  return offsets;
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

BOOST_AUTO_TEST_CASE(test_Append_PrewrittenSegmentIsOverwrittenInPlace)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), s_segment, {});
  BOOST_REQUIRE(spool.prepareSpare());
  BOOST_CHECK_EQUAL(std::filesystem::file_size(spareOf(dir.path())), s_prewritten);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 0u); // the spare is not a segment
  appendRecords(spool, 20);
  BOOST_CHECK(!std::filesystem::exists(spareOf(dir.path())));
  auto files = segments(dir.path());
  BOOST_REQUIRE_EQUAL(files.size(), 1u);
  BOOST_CHECK_EQUAL(std::filesystem::file_size(files[0]), s_prewritten); // did not grow
  BOOST_CHECK_LT(spool.bytes(), s_prewritten);                           // counts data, not room
  BOOST_CHECK_EQUAL(spool.syncStats().preparedSegments, 1u);
  BOOST_CHECK_EQUAL(spool.syncStats().grownSegments, 0u);
  BOOST_CHECK_EQUAL(readAll(spool).size(), 20u);
}

BOOST_AUTO_TEST_CASE(test_Recover_ZeroTailIsNotDamage)
{
  TempDirectory dir;
  std::uint64_t bytes = 0;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_REQUIRE(spool.prepareSpare());
    appendRecords(spool, 20);
    bytes = spool.bytes();
  }
  VerdictSpool spool(dir.path(), s_segment, {});
  BOOST_CHECK_MESSAGE(spool.damage().empty(),
                      "got " << spool.damage().size() << " damaged regions, want none");
  BOOST_CHECK_EQUAL(spool.bytes(), bytes);
  auto all = readAll(spool);
  BOOST_REQUIRE_EQUAL(all.size(), 20u);
  BOOST_CHECK_EQUAL(all[20], payloadFor(20));
}

// A crash tore the last frame of a pre-written segment: its end is still
// the zeros the spare was prepared with.
BOOST_AUTO_TEST_CASE(test_Recover_TornFrameFollowedByZerosIsATornTail)
{
  TempDirectory dir;
  std::vector<std::uint64_t> offsets;
  std::uint64_t bytes = 0;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_REQUIRE(spool.prepareSpare());
    offsets = appendRecords(spool, 20);
    bytes = spool.bytes();
  }
  auto segment = segments(dir.path()).at(0);
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(bytes - 7));
    file.write("\0\0\0\0\0\0\0", 7); // the last frame's end never reached the disk
  }
  VerdictSpool spool(dir.path(), s_segment, {});
  auto all = readAll(spool);
  BOOST_CHECK_EQUAL(all.size(), 19u);
  BOOST_CHECK(all.count(20) == 0);
  BOOST_REQUIRE_EQUAL(spool.damage().size(), 1u);
  BOOST_CHECK(spool.damage()[0].tail);
  BOOST_CHECK_EQUAL(spool.damage()[0].offset, offsets[19]);
  // Up to the last byte written, not the zeros after it.
  BOOST_CHECK_EQUAL(spool.damage()[0].bytes, bytes - 7 - offsets[19]);
  BOOST_CHECK_EQUAL(spool.append("after"), 20u);
}

// Zeros followed by a good frame are a hole, not the end: the frame after
// them is kept.
BOOST_AUTO_TEST_CASE(test_Recover_ZerosBeforeAGoodFrameAreDamage)
{
  TempDirectory dir;
  std::vector<std::uint64_t> offsets;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_REQUIRE(spool.prepareSpare());
    offsets = appendRecords(spool, 10);
  }
  auto segment = segments(dir.path()).at(0);
  {
    std::fstream file(segment, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offsets[4]));
    file << std::string(offsets[6] - offsets[4], '\0'); // records 5 and 6 never written
  }
  VerdictSpool spool(dir.path(), s_segment, {});
  auto all = readAll(spool);
  BOOST_CHECK_EQUAL(all.size(), 8u);
  BOOST_CHECK_EQUAL(all[7], payloadFor(7));
  BOOST_CHECK_EQUAL(all[10], payloadFor(10));
  BOOST_REQUIRE_EQUAL(spool.damage().size(), 1u);
  BOOST_CHECK(!spool.damage()[0].tail);
  BOOST_CHECK_EQUAL(spool.damage()[0].bytes, offsets[6] - offsets[4]);
}

BOOST_AUTO_TEST_CASE(test_Reopen_AppendsToFreshSegmentNotIntoOldZeros)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_REQUIRE(spool.prepareSpare());
    appendRecords(spool, 10);
  }
  auto old = segments(dir.path()).at(0);
  std::string before;
  {
    std::ifstream in(old, std::ios::binary);
    before.assign(std::istreambuf_iterator<char>(in), {});
  }
  VerdictSpool spool(dir.path(), s_segment, {});
  BOOST_CHECK_EQUAL(spool.append("next"), 11u);
  auto files = segments(dir.path());
  BOOST_REQUIRE_EQUAL(files.size(), 2u);
  std::string after;
  {
    std::ifstream in(old, std::ios::binary);
    after.assign(std::istreambuf_iterator<char>(in), {});
  }
  BOOST_CHECK_MESSAGE(after == before, "got the old segment changed, want it untouched");
  auto all = readAll(spool);
  BOOST_CHECK_EQUAL(all.size(), 11u);
  BOOST_CHECK_EQUAL(all[11], "next");
}

// A spare prepared but never used (the process ended or crashed) is whole:
// the next run takes it instead of writing another.
BOOST_AUTO_TEST_CASE(test_Recover_UnusedSpareIsReused)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    appendRecords(spool, 3);
    BOOST_REQUIRE(spool.prepareSpare());
  }
  BOOST_REQUIRE(std::filesystem::exists(spareOf(dir.path())));
  VerdictSpool spool(dir.path(), s_segment, {});
  BOOST_CHECK(spool.damage().empty());
  BOOST_CHECK(spool.spareReady());
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u);
  BOOST_CHECK_EQUAL(readAll(spool).size(), 3u);
  BOOST_CHECK_EQUAL(spool.append("next"), 4u);
  BOOST_CHECK_EQUAL(spool.syncStats().preparedSegments, 1u);
  BOOST_CHECK(!std::filesystem::exists(spareOf(dir.path())));
  auto files = segments(dir.path());
  BOOST_REQUIRE_EQUAL(files.size(), 2u);
  BOOST_CHECK_EQUAL(std::filesystem::file_size(files[1]), s_prewritten);
}

// A crash while the spare was being written: short, or not the size of a
// segment any more. Removed, not taken for damage.
BOOST_AUTO_TEST_CASE(test_Recover_UnfinishedSpareIsRemoved)
{
  TempDirectory dir;
  for (std::size_t size : {std::size_t{0}, std::size_t{1000}, s_segment}) {
    {
      std::ofstream out(spareOf(dir.path()), std::ios::binary);
      out << std::string(size, '\0');
    }
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_CHECK(spool.damage().empty());
    BOOST_CHECK(!spool.spareReady());
    BOOST_CHECK_MESSAGE(!std::filesystem::exists(spareOf(dir.path())),
                        "got the unfinished spare of " << size << " bytes kept, want it removed");
    BOOST_CHECK_EQUAL(spool.segmentCount(), 0u);
  }
}

// The power failed after records went into a renamed spare but before the
// rename reached the disk: the records are recovered under a segment name.
BOOST_AUTO_TEST_CASE(test_Recover_SpareHoldingRecordsBecomesASegment)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), s_segment, {});
    BOOST_REQUIRE(spool.prepareSpare());
    appendRecords(spool, 5);
  }
  auto segment = segments(dir.path()).at(0);
  std::filesystem::rename(segment, spareOf(dir.path()));
  VerdictSpool spool(dir.path(), s_segment, {});
  BOOST_CHECK(spool.damage().empty());
  BOOST_CHECK(!spool.spareReady());
  BOOST_CHECK_EQUAL(readAll(spool).size(), 5u);
  BOOST_CHECK_EQUAL(segments(dir.path()).size(), 1u);
  BOOST_CHECK_EQUAL(spool.append("next"), 6u);
}

// A frame larger than a whole segment goes to an empty pre-written one,
// which grows; the next record rolls over.
BOOST_AUTO_TEST_CASE(test_Append_FrameLargerThanASegment)
{
  TempDirectory dir;
  {
    VerdictSpool spool(dir.path(), 4096, {});
    BOOST_REQUIRE(spool.prepareSpare());
    BOOST_CHECK_EQUAL(spool.append(std::string(10000, 'L')), 1u);
    BOOST_CHECK_EQUAL(spool.append("small"), 2u);
    BOOST_CHECK_EQUAL(spool.segmentCount(), 2u);
  }
  VerdictSpool spool(dir.path(), 4096, {});
  BOOST_CHECK(spool.damage().empty());
  auto all = readAll(spool);
  BOOST_REQUIRE_EQUAL(all.size(), 2u);
  BOOST_CHECK_EQUAL(all[1], std::string(10000, 'L'));
}

// A spare ready while a grown segment is active: the next record moves to
// the pre-written one at once.
BOOST_AUTO_TEST_CASE(test_Append_MovesFromGrownSegmentToReadySpare)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), s_segment, {});
  appendRecords(spool, 3); // no spare yet: a growing segment
  BOOST_REQUIRE(spool.prepareSpare());
  spool.append("next");
  BOOST_CHECK_EQUAL(spool.segmentCount(), 2u);
  BOOST_CHECK_EQUAL(spool.syncStats().grownSegments, 1u);
  BOOST_CHECK_EQUAL(spool.syncStats().preparedSegments, 1u);
  BOOST_CHECK_EQUAL(std::filesystem::file_size(segments(dir.path()).at(1)), s_prewritten);
}

// A committed pre-written active segment goes once its room is nearly used
// up (its size is the release threshold, which frames rarely hit exactly).
BOOST_AUTO_TEST_CASE(test_Release_NearlyFullPrewrittenActiveGoes)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 4 * 4096, {}); // pre-written segments of 4096
  BOOST_REQUIRE(spool.prepareSpare());
  const std::string payload(100, 'p'); // frames of 120 bytes
  for (int i = 0; i < 31; ++i) {
    spool.append(payload);
  }
  spool.release(31); // 3720 bytes: more than 1/16 of the room left
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u);
  spool.append(payload);
  spool.release(32); // 3840 bytes: 256 left
  BOOST_CHECK_EQUAL(spool.segmentCount(), 0u);
  BOOST_CHECK(segments(dir.path()).empty());
  BOOST_CHECK_EQUAL(spool.bytes(), 0u);
  BOOST_CHECK_EQUAL(spool.append(payload), 33u);
}

// A spool that cannot grow (its limit reached) closes its active segment:
// once committed, that segment goes however small it is, and the next
// record starts a new one.
BOOST_AUTO_TEST_CASE(test_CloseActive_ReleasedOnceCommittedHoweverSmall)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), s_segment, {});
  appendRecords(spool, 5);
  spool.release(5);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u); // small and active: kept
  BOOST_CHECK(spool.closeActive());
  BOOST_CHECK(!spool.closeActive()); // nothing active any more
  spool.release(4);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u); // record 5 is not committed yet
  spool.release(5);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 0u);
  BOOST_CHECK_EQUAL(spool.bytes(), 0u);
  BOOST_CHECK(segments(dir.path()).empty());
  BOOST_CHECK_EQUAL(spool.append("next"), 6u);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u);
}

namespace
{
// A file size limit for this process (RLIMIT_FSIZE, SIGXFSZ ignored), as a
// full disk looks to the spool: a write past it fails. Restored on exit.
class FileSizeLimit
{
public:
  explicit FileSizeLimit(rlim_t bytes)
  {
    ::getrlimit(RLIMIT_FSIZE, &d_saved);
    d_handler = std::signal(SIGXFSZ, SIG_IGN);
    struct rlimit limit = d_saved;
    limit.rlim_cur = bytes;
    BOOST_REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
  }
  ~FileSizeLimit()
  {
    ::setrlimit(RLIMIT_FSIZE, &d_saved);
    std::signal(SIGXFSZ, d_handler);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
  struct rlimit d_saved
  {
  };
  void (*d_handler)(int) = SIG_DFL;
};
} // namespace

// A write that fails (the disk full) leaves no partial frame and closes
// the segment: the next record goes to a new one, and the old one goes as
// soon as its records are committed, though far smaller than a quarter of
// a segment.
BOOST_AUTO_TEST_CASE(test_Append_WriteFailureClosesTheActiveSegment)
{
  TempDirectory dir;
  VerdictSpool spool(dir.path(), 1 << 20, {}); // a growing segment (no spare prepared)
  const std::string payload(1000, 'r');
  std::uint64_t kept = 0;
  {
    FileSizeLimit limit(8192);
    for (int i = 0; i < 20; ++i) {
      try {
        kept = spool.append(payload);
      } catch (const Error&) {
        break;
      }
    }
  }
  BOOST_REQUIRE_GT(kept, 0u);
  BOOST_REQUIRE_LT(kept, 20u);
  BOOST_CHECK_EQUAL(spool.bytes(), kept * (payload.size() + VerdictSpool::s_frameHeader));
  BOOST_CHECK_EQUAL(spool.append("after"), kept + 1);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 2u);
  spool.release(kept);
  BOOST_CHECK_EQUAL(spool.segmentCount(), 1u);
  auto all = readAll(spool);
  BOOST_REQUIRE_EQUAL(all.size(), 1u);
  BOOST_CHECK_EQUAL(all.begin()->second, "after");
  BOOST_CHECK(spool.damage().empty());
}

// On a disk that fills before the spool's limit (a real one: a small
// tmpfs), the segment being written when the disk filled gives its blocks
// back once its records are committed, although no group commit came to
// close its descriptor (none comes: no record can be appended). Before,
// that descriptor kept the unlinked file's blocks, and every later append
// failed until a restart.
BOOST_AUTO_TEST_CASE(test_Release_DiskFullSegmentGivesItsRoomBack,
                     *boost::unit_test::precondition(mayMount))
{
  SmallTmpfs disk(256 * 1024);
  const std::size_t empty = disk.freeBytes();
  // One segment takes the whole disk: no other one is closed and synced
  // before it fills, which would have freed room by luck.
  VerdictSpool spool(disk.path() + "/spool", 16 << 20, {});
  const std::string payload(3000, 'r');
  std::uint64_t kept = 0;
  for (int i = 0; i < 1000 && kept == static_cast<std::uint64_t>(i); ++i) {
    try {
      kept = spool.append(payload);
    } catch (const Error&) {
    }
  }
  BOOST_REQUIRE_MESSAGE(kept > 20 && kept < 1000,
                        "got " << kept << " records before the disk was full");
  BOOST_CHECK_THROW(spool.append(payload), Error);
  spool.release(kept); // the database has them all
  BOOST_CHECK_EQUAL(spool.bytes(), 0u);
  BOOST_CHECK_MESSAGE(disk.freeBytes() + 8192 >= empty,
                      "got " << disk.freeBytes()
                             << " bytes free once every record was committed, want " << empty);
  std::uint64_t sequence = 0;
  BOOST_CHECK_NO_THROW(sequence = spool.append(payload));
  BOOST_CHECK_EQUAL(sequence, kept + 1);
}

BOOST_AUTO_TEST_CASE(test_SyncStats_PercentilesFromTheHistogram)
{
  SpoolSyncStats stats;
  BOOST_CHECK_EQUAL(stats.percentileMicros(0.9), 0u);
  for (int i = 0; i < 90; ++i) {
    stats.add(200); // 0.2 ms
  }
  for (int i = 0; i < 10; ++i) {
    stats.add(5000); // 5 ms
  }
  BOOST_CHECK_EQUAL(stats.commits, 100u);
  BOOST_CHECK_EQUAL(stats.maxMicros, 5000u);
  // Bucket bounds are at most 25 % above the value.
  BOOST_CHECK_GE(stats.percentileMicros(0.5), 200u);
  BOOST_CHECK_LE(stats.percentileMicros(0.5), 250u);
  BOOST_CHECK_LE(stats.percentileMicros(0.9), 250u);
  BOOST_CHECK_EQUAL(stats.percentileMicros(0.91), 5000u); // capped by the maximum
  BOOST_CHECK(stats.summary().starts_with("100 group commits (fdatasync), latency ms: mean 0.68,"));
}

BOOST_AUTO_TEST_SUITE_END()
