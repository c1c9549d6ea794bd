// verdict_spool.cc: segment files, frames, group commit and recovery.
// See verdict_spool.hh for the format and what is trusted.
#include "lib/adapters/store/verdict_spool.hh"

#include <algorithm>
#include <bit>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <iterator>
#include <linux/futex.h>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

#include <zlib.h>

#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
constexpr char s_magic[4] = {'D', 'M', 'V', '1'};
constexpr std::string_view s_prefix = "segment-";
constexpr std::string_view s_suffix = ".spool";

void putU32(std::string& out, std::uint32_t value)
{
  for (int i = 0; i < 4; ++i) {
    out.push_back(static_cast<char>(value >> (8 * i)));
  }
}

void putU64(std::string& out, std::uint64_t value)
{
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>(value >> (8 * i)));
  }
}

std::uint64_t getLe(std::string_view bytes, std::size_t offset, int size)
{
  std::uint64_t value = 0;
  for (int i = 0; i < size; ++i) {
    value |= std::uint64_t{static_cast<unsigned char>(bytes[offset + i])} << (8 * i);
  }
  return value;
}

std::uint32_t frameCrc(std::uint64_t sequence, std::string_view payload)
{
  std::string prefix;
  putU64(prefix, sequence);
  uLong crc = ::crc32(0L, Z_NULL, 0);
  crc = ::crc32(crc, reinterpret_cast<const Bytef*>(prefix.data()), 8);
  // zlib takes uInt lengths; payloads are bounded by s_maxPayload.
  crc = ::crc32(crc, reinterpret_cast<const Bytef*>(payload.data()),
                static_cast<uInt>(payload.size()));
  return static_cast<std::uint32_t>(crc);
}

std::string errnoText(int error)
{
  return std::strerror(error);
}

// The good frame at `offset`, if there is one.
struct Frame
{
  std::uint64_t sequence;
  std::string_view payload;
  std::size_t size;
};

std::optional<Frame> frameAt(std::string_view data, std::size_t offset)
{
  if (data.size() - offset < VerdictSpool::s_frameHeader ||
      std::memcmp(data.data() + offset, s_magic, 4) != 0) {
    return std::nullopt;
  }
  auto length = getLe(data, offset + 4, 4);
  auto sequence = getLe(data, offset + 8, 8);
  auto crc = static_cast<std::uint32_t>(getLe(data, offset + 16, 4));
  if (length > VerdictSpool::s_maxPayload ||
      length > data.size() - offset - VerdictSpool::s_frameHeader) {
    return std::nullopt;
  }
  auto payload = data.substr(offset + VerdictSpool::s_frameHeader, length);
  if (sequence == 0 || frameCrc(sequence, payload) != crc) {
    return std::nullopt;
  }
  return Frame{sequence, payload, VerdictSpool::s_frameHeader + length};
}

// One past the last non-zero byte: what follows is the zero-filled room of
// a pre-written segment.
std::size_t usedLength(std::string_view data)
{
  std::size_t end = data.size();
  while (end >= 8) {
    std::uint64_t word;
    std::memcpy(&word, data.data() + end - 8, 8);
    if (word != 0) {
      break;
    }
    end -= 8;
  }
  while (end > 0 && data[end - 1] == 0) {
    --end;
  }
  return end;
}

// Walks every frame of a segment's bytes: good ones to `onRecord`, damaged
// stretches to `onDamage(offset, bytes, toEnd)`. Zeros that run to the end
// are unused room, not damage; a damaged stretch before them ends at the
// last non-zero byte. Returns the end of the data (where the zeros start).
template <typename OnRecord, typename OnDamage>
std::size_t walkFrames(std::string_view data, OnRecord onRecord, OnDamage onDamage)
{
  const std::size_t used = usedLength(data);
  std::size_t offset = 0;
  while (offset < data.size()) {
    // A good frame may end in zero bytes (a CRC, a payload), so frames are
    // tried before the zero tail.
    if (auto frame = frameAt(data, offset)) {
      offset += frame->size;
      if (!onRecord(frame->sequence, frame->payload)) {
        return offset;
      }
      continue;
    }
    if (offset >= used) {
      return offset; // the clean end of a pre-written segment
    }
    // Resynchronise: the next offset holding a frame whose CRC checks out.
    // Past `used` there is no magic to find.
    std::size_t next = offset + 1;
    bool found = false;
    while (next < used) {
      const void* hit = ::memmem(data.data() + next, used - next, s_magic, 4);
      if (hit == nullptr) {
        break;
      }
      next = static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
      if (frameAt(data, next)) {
        found = true;
        break;
      }
      ++next;
    }
    if (!found) {
      onDamage(offset, used - offset, true);
      return used;
    }
    onDamage(offset, next - offset, false);
    offset = next;
  }
  return offset;
}

// Reads at most `limit` bytes of a file.
bool readFile(const std::string& path, std::string& out, std::uint64_t limit = UINT64_MAX)
{
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    return false;
  }
  struct stat st
  {
  };
  if (::fstat(fd.get(), &st) != 0) {
    return false;
  }
  out.resize(static_cast<std::size_t>(
      std::min<std::uint64_t>(static_cast<std::uint64_t>(st.st_size), limit)));
  std::size_t done = 0;
  while (done < out.size()) {
    auto got = ::read(fd.get(), out.data() + done, out.size() - done);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got <= 0) {
      break;
    }
    done += static_cast<std::size_t>(got);
  }
  out.resize(done); // a segment being appended to may have grown or been read short
  return true;
}

// Writes all of `data` at `offset`; false (errno set) when it cannot.
bool writeAllAt(int fd, std::string_view data, std::uint64_t offset)
{
  std::size_t done = 0;
  while (done < data.size()) {
    auto wrote =
        ::pwrite(fd, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      if (wrote == 0) {
        errno = ENOSPC;
      }
      return false;
    }
    done += static_cast<std::size_t>(wrote);
  }
  return true;
}

// fsync(2) of the directory, so that a new segment's name is durable.
bool syncDirectory(const std::string& directory)
{
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.valid() && ::fsync(fd.get()) == 0;
}

constexpr std::string_view s_spareName = "spare.segment";
constexpr std::size_t s_zeroChunk = std::size_t{1} << 20; // bytes of zeros per write

std::uint64_t microsSince(std::chrono::steady_clock::time_point start)
{
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::steady_clock::now() - start)
                                        .count());
}

// Creates `path` holding `size` zero bytes, really written (so that later
// overwrites need no block allocation), and makes it and its name durable.
// Null, with `error` set (empty when `abort` was raised), when it cannot;
// nothing is left behind then.
std::shared_ptr<FileDescriptor> writeZeroFile(const std::string& path, std::size_t size,
                                              const std::string& directory,
                                              const std::atomic<bool>& abort, std::string& error)
{
  FileDescriptor fd(::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    error = "cannot create " + path + ": " + errnoText(errno);
    return nullptr;
  }
  const std::string zeros(std::min(size, s_zeroChunk), '\0');
  bool ok = true;
  for (std::size_t done = 0; ok && done < size; done += zeros.size()) {
    if (abort.load(std::memory_order_relaxed)) {
      error.clear();
      ok = false;
    } else if (!writeAllAt(fd.get(), std::string_view(zeros).substr(0, size - done), done)) {
      error = "cannot write " + path + ": " + errnoText(errno);
      ok = false;
    }
  }
  if (ok && ::fdatasync(fd.get()) != 0) {
    error = "cannot sync " + path + ": " + errnoText(errno);
    ok = false;
  }
  if (ok && !syncDirectory(directory)) {
    error = "cannot sync " + directory + ": " + errnoText(errno);
    ok = false;
  }
  if (!ok) {
    ::unlink(path.c_str());
    return nullptr;
  }
  return std::make_shared<FileDescriptor>(std::move(fd));
}

// The histogram bucket of a latency, and the (exclusive) upper bound of a
// bucket: see SpoolSyncStats.
std::size_t bucketOf(std::uint64_t micros)
{
  if (micros < 16) {
    return static_cast<std::size_t>(micros);
  }
  const auto octave = static_cast<std::size_t>(std::bit_width(micros) - 1); // >= 4
  const auto quarter = static_cast<std::size_t>((micros >> (octave - 2)) & 3);
  return std::min<std::size_t>(16 + (octave - 4) * 4 + quarter, SpoolSyncStats::s_buckets - 1);
}

std::uint64_t bucketEnd(std::size_t bucket)
{
  if (bucket < 16) {
    return bucket + 1;
  }
  const std::size_t octave = (bucket - 16) / 4 + 4;
  const std::size_t quarter = (bucket - 16) % 4;
  return std::uint64_t{5 + quarter} << (octave - 2);
}

// Sleeps while `word` holds `value` (or until a wake-up); wakes every
// sleeper. Linux futexes on a process-private word: no spinning, no
// sched_yield() loops on a busy machine.
static_assert(sizeof(std::atomic<std::uint32_t>) == 4 &&
              std::atomic<std::uint32_t>::is_always_lock_free);

void futexWait(std::atomic<std::uint32_t>& word, std::uint32_t value)
{
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT_PRIVATE, value, nullptr,
            nullptr, 0);
}

void futexWakeAll(std::atomic<std::uint32_t>& word)
{
  ::syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE_PRIVATE, INT_MAX,
            nullptr, nullptr, 0);
}

std::string segmentName(std::uint64_t first)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "segment-%020" PRIu64 ".spool", first);
  return buffer;
}
} // namespace

void SpoolSyncStats::add(std::uint64_t micros)
{
  ++commits;
  totalMicros += micros;
  maxMicros = std::max(maxMicros, micros);
  ++histogram[bucketOf(micros)];
}

std::uint64_t SpoolSyncStats::percentileMicros(double fraction) const
{
  if (commits == 0) {
    return 0;
  }
  const auto wanted = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(fraction * static_cast<double>(commits))));
  std::uint64_t seen = 0;
  for (std::size_t bucket = 0; bucket < s_buckets; ++bucket) {
    seen += histogram[bucket];
    if (seen >= wanted) {
      return std::min(bucketEnd(bucket), maxMicros);
    }
  }
  return maxMicros;
}

std::string SpoolSyncStats::summary() const
{
  auto ms = [](std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; };
  char buffer[320];
  std::snprintf(buffer, sizeof buffer,
                "%" PRIu64 " group commits (fdatasync), latency ms: mean %.2f, p50 %.2f, "
                "p90 %.2f, p99 %.2f, max %.2f; %" PRIu64 " failed; segments: %" PRIu64
                " pre-written, %" PRIu64 " grown",
                commits, commits == 0 ? 0.0 : ms(totalMicros) / static_cast<double>(commits),
                ms(percentileMicros(0.5)), ms(percentileMicros(0.9)), ms(percentileMicros(0.99)),
                ms(maxMicros), failures, preparedSegments, grownSegments);
  return buffer;
}

VerdictSpool::VerdictSpool(std::string directory, std::size_t segmentBytes, StoreLogFunction log)
    : d_directory(std::move(directory)), d_segmentBytes(std::max<std::size_t>(segmentBytes, 4096)),
      d_spareBytes((std::max<std::size_t>(d_segmentBytes / 4, 4096) + 4095) / 4096 * 4096),
      d_sparePath(d_directory + "/" + std::string(s_spareName)), d_log(std::move(log))
{
  if (::mkdir(d_directory.c_str(), 0700) != 0 && errno != EEXIST) {
    throw Error("cannot create spool directory " + d_directory + ": " + errnoText(errno));
  }
  std::string lockPath = d_directory + "/lock";
  d_lock.reset(::open(lockPath.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!d_lock.valid()) {
    throw Error("cannot open " + lockPath + ": " + errnoText(errno));
  }
  if (::flock(d_lock.get(), LOCK_EX | LOCK_NB) != 0) {
    throw Error("spool directory " + d_directory + " is in use by another process");
  }
  recover();
}

VerdictSpool::~VerdictSpool()
{
  {
    std::lock_guard lock(d_mutex);
    d_stopping = true;
    d_closing = true;
    for (auto& word : d_commitEnded) {
      ++word;
    }
  }
  d_flushWanted.notify_all();
  d_prepareWanted.notify_all();
  for (auto& word : d_commitEnded) {
    futexWakeAll(word);
  }
  if (d_flusher.joinable()) {
    d_flusher.join();
  }
  if (d_preparer.joinable()) {
    d_preparer.join();
  }
}

void VerdictSpool::log(StoreLogLevel level, const std::string& line) const
{
  if (d_log) {
    d_log(level, line);
  }
}

// A spare segment left by the last run: reused when whole, recovered as a
// segment when it holds frames (its new name was lost in a crash), else
// removed. Before the segments are listed, so that a recovered one is too.
void VerdictSpool::recoverSpare()
{
  // Enough to find its first frame or to see that it is whole: a large
  // file of that name costs no more memory than a segment.
  std::string data;
  if (!readFile(d_sparePath, data, d_spareBytes + s_frameHeader + s_maxPayload)) {
    if (errno != ENOENT) {
      log(StoreLogLevel::Error, "spool: cannot read " + d_sparePath + ": " + errnoText(errno));
    }
    return;
  }
  std::optional<std::uint64_t> first;
  walkFrames(
      data,
      [&](std::uint64_t sequence, std::string_view) {
        first = sequence;
        return false;
      },
      [](std::uint64_t, std::uint64_t, bool) {});
  if (first) {
    const std::string name = segmentName(*first);
    const std::string path = d_directory + "/" + name;
    if (::access(path.c_str(), F_OK) != 0 && ::rename(d_sparePath.c_str(), path.c_str()) == 0) {
      log(StoreLogLevel::Warning, "spool: the spare segment holds records (its new name was lost "
                                  "in a crash); recovered as " +
                                      name);
      return;
    }
    log(StoreLogLevel::Error,
        "spool: the spare segment holds records but cannot become " + name + "; removed");
  } else if (data.size() == d_spareBytes && usedLength(data) == 0) {
    // Whole. What a crash of this process left may be in the page cache
    // only: sync it before relying on it.
    FileDescriptor fd(::open(d_sparePath.c_str(), O_RDWR | O_CLOEXEC));
    if (fd.valid() && ::fdatasync(fd.get()) == 0 && syncDirectory(d_directory)) {
      d_spareFd = std::make_shared<FileDescriptor>(std::move(fd));
      d_spareWanted = false;
      return;
    }
  }
  if (::unlink(d_sparePath.c_str()) != 0 && errno != ENOENT) {
    log(StoreLogLevel::Error, "spool: cannot remove " + d_sparePath + ": " + errnoText(errno));
  }
}

void VerdictSpool::recover()
{
  recoverSpare();
  std::vector<std::pair<std::uint64_t, std::string>> found;
  {
    CHandle<DIR, &::closedir> dir(::opendir(d_directory.c_str()));
    if (!dir) {
      throw Error("cannot read spool directory " + d_directory + ": " + errnoText(errno));
    }
    while (auto* entry = ::readdir(dir.get())) {
      std::string_view name = entry->d_name;
      if (name.size() != s_prefix.size() + 20 + s_suffix.size() || !name.starts_with(s_prefix) ||
          !name.ends_with(s_suffix)) {
        continue;
      }
      auto digits = name.substr(s_prefix.size(), 20);
      if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        continue;
      }
      found.emplace_back(std::stoull(std::string(digits)), std::string(name));
    }
  }
  std::sort(found.begin(), found.end());

  std::uint64_t records = 0;
  std::string data;
  for (const auto& [first, fileName] : found) {
    // A plain reference for the lambdas below: clang 14 (the fuzzing
    // build) cannot capture a structured binding.
    const std::string& name = fileName;
    Segment segment;
    segment.path = d_directory + "/" + name;
    segment.first = first;
    segment.last = first == 0 ? 0 : first - 1;
    if (!readFile(segment.path, data)) {
      log(StoreLogLevel::Error, "spool: cannot read " + segment.path + ": " + errnoText(errno));
      continue;
    }
    segment.bytes = walkFrames(
        data,
        [&](std::uint64_t sequence, std::string_view) {
          segment.last = std::max(segment.last, sequence);
          ++records;
          return true;
        },
        [&](std::uint64_t offset, std::uint64_t bytes, bool tail) {
          d_damage.push_back(SpoolDamage{name, offset, bytes, tail});
          log(StoreLogLevel::Warning, "spool: " + name + ": " + std::to_string(bytes) +
                                          " damaged bytes at offset " + std::to_string(offset) +
                                          (tail ? " (torn tail) skipped"
                                                : " (corrupt record) skipped; later records kept"));
        });
    // What survived a crash of this process may still be only in the page
    // cache: make it durable before building on it.
    FileDescriptor fd(::open(segment.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.valid()) {
      ::fdatasync(fd.get());
    }
    d_lastSequence = std::max(d_lastSequence, segment.last);
    d_bytes += segment.bytes;
    d_segments.push_back(std::move(segment));
  }
  d_durableSequence = d_lastSequence;
  if (!found.empty()) {
    log(StoreLogLevel::Info, "spool: " + d_directory + ": " + std::to_string(found.size()) +
                                 " segment(s), " + std::to_string(records) +
                                 " record(s) to replay, " + std::to_string(d_damage.size()) +
                                 " damaged region(s)");
  }
}

bool VerdictSpool::needsNewSegment(std::size_t frameSize) const
{
  if (d_segments.empty() || !d_segments.back().fd) {
    return true;
  }
  const Segment& active = d_segments.back();
  if (active.capacity > 0) {
    // A frame larger than a whole segment goes to an empty one and grows it.
    return active.bytes > 0 && active.bytes + frameSize > active.capacity;
  }
  // A growing segment: full, or a pre-written one is ready to take over.
  return active.bytes >= d_segmentBytes || (d_spareFd && active.bytes > 0);
}

void VerdictSpool::openActive()
{
  Segment segment;
  segment.first = d_lastSequence + 1;
  segment.last = d_lastSequence;
  segment.path = d_directory + "/" + segmentName(segment.first);
  // A recovered segment without a good record can carry the same name: its
  // file is replaced now.
  if (!d_segments.empty() && d_segments.back().first == segment.first && !d_segments.back().fd) {
    d_bytes -= d_segments.back().bytes;
    d_segments.pop_back();
  }
  if (d_spareFd) {
    if (::rename(d_sparePath.c_str(), segment.path.c_str()) == 0) {
      segment.fd = std::move(d_spareFd);
      segment.capacity = d_spareBytes;
      ++d_syncStats.preparedSegments;
    } else {
      log(StoreLogLevel::Error, "spool: cannot rename " + d_sparePath + ": " + errnoText(errno));
      d_spareFd.reset();
      ::unlink(d_sparePath.c_str());
    }
  }
  if (!segment.fd) {
    FileDescriptor fd(::open(segment.path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd.valid()) {
      throw Error("cannot create spool segment " + segment.path + ": " + errnoText(errno));
    }
    segment.fd = std::make_shared<FileDescriptor>(std::move(fd));
    ++d_syncStats.grownSegments;
  }
  // Its name becomes durable with the next group commit, before any
  // record in it counts as synced.
  d_directoryUnsynced = true;
  d_segments.push_back(std::move(segment));
  // The next one, ahead of time.
  d_spareWanted = true;
  d_prepareWanted.notify_one();
}

std::uint64_t VerdictSpool::append(std::string_view payload)
{
  if (payload.size() > s_maxPayload) {
    throw Error("spool: record of " + std::to_string(payload.size()) + " bytes is too large");
  }
  const std::size_t frameSize = s_frameHeader + payload.size();
  std::lock_guard lock(d_mutex);
  if (needsNewSegment(frameSize)) {
    if (!d_segments.empty() && d_segments.back().fd) {
      retireActiveLocked();
    }
    openActive();
  }
  Segment& active = d_segments.back();
  const std::uint64_t sequence = d_lastSequence + 1;
  std::string frame;
  frame.reserve(frameSize);
  frame.append(s_magic, 4);
  putU32(frame, static_cast<std::uint32_t>(payload.size()));
  putU64(frame, sequence);
  putU32(frame, frameCrc(sequence, payload));
  frame.append(payload);

  if (!writeAllAt(active.fd->get(), frame, active.bytes)) {
    const int error = errno;
    // Leave no partial frame behind for the next record to follow. (A
    // pre-written segment loses its room there and grows from then on.)
    if (::ftruncate(active.fd->get(), static_cast<off_t>(active.bytes)) != 0) {
      log(StoreLogLevel::Error, "spool: cannot cut a partial frame: " + errnoText(errno));
    }
    active.capacity = 0;
    const std::string path = active.path;
    // The disk is full (or failing): no more records go here, so that the
    // segment and its room go as soon as the database has its records.
    // An empty one stays for the next try, rather than a new file each time.
    closeActiveLocked();
    throw Error("spool: write " + path + ": " + errnoText(error));
  }
  active.bytes += frame.size();
  active.last = sequence;
  d_bytes += frame.size();
  d_lastSequence = sequence;
  return sequence;
}

void VerdictSpool::startThreads()
{
  if (!d_flusher.joinable()) {
    d_flusher = std::thread([this] { flushLoop(); });
  }
  if (!d_preparer.joinable()) {
    d_preparer = std::thread([this] { prepareLoop(); });
  }
}

bool VerdictSpool::syncUpTo(std::uint64_t sequence)
{
  if (d_durableSequence.load(std::memory_order_acquire) >= sequence) {
    return true;
  }
  std::uint64_t failures = 0;
  for (bool first = true;; first = false) {
    std::atomic<std::uint32_t>* word = nullptr;
    std::uint32_t value = 0;
    bool wakeFlusher = false;
    {
      std::lock_guard lock(d_mutex);
      if (d_durableSequence.load(std::memory_order_relaxed) >= sequence) {
        return true;
      }
      if (d_closing) {
        return false;
      }
      if (first) {
        startThreads();
        failures = d_syncFailures;
      } else if (d_syncFailures != failures) {
        return false;
      }
      std::uint64_t commit = d_commitsStarted; // the next one
      if (d_committing && d_committingTarget >= sequence) {
        commit = d_commitsStarted - 1; // the one under way covers it
      } else if (d_wantedSequence < sequence) {
        d_wantedSequence = sequence;
        wakeFlusher = true;
      }
      word = &d_commitEnded[commit & 1];
      // Read under d_mutex: that commit bumps it when it ends, not before.
      value = word->load(std::memory_order_relaxed);
    }
    if (wakeFlusher) {
      d_flushWanted.notify_one();
    }
    futexWait(*word, value);
    if (d_durableSequence.load(std::memory_order_acquire) >= sequence) {
      return true;
    }
  }
}

void VerdictSpool::flushLoop()
{
  std::unique_lock lock(d_mutex);
  while (true) {
    d_flushWanted.wait(lock, [&] {
      return d_stopping || d_wantedSequence > d_durableSequence.load(std::memory_order_relaxed);
    });
    if (d_stopping) {
      return;
    }
    // One fdatasync for every record written so far (and for segments
    // closed since the last sync, and the directory entry of a new
    // segment), with the lock released.
    const std::uint64_t target = d_lastSequence;
    const std::uint64_t commit = d_commitsStarted++;
    d_committing = true;
    d_committingTarget = target;
    std::shared_ptr<FileDescriptor> fd;
    if (!d_segments.empty()) {
      fd = d_segments.back().fd;
    }
    std::vector<ClosedSegment> closed;
    closed.swap(d_closedUnsynced);
    const bool directory = std::exchange(d_directoryUnsynced, false);
    lock.unlock();
    const auto start = std::chrono::steady_clock::now();
    int rc = 0;
    int error = 0;
    for (const auto& old : closed) {
      if (rc == 0 && ::fdatasync(old.fd->get()) != 0) {
        rc = -1;
        error = errno;
      }
    }
    if (rc == 0 && directory && !syncDirectory(d_directory)) {
      rc = -1;
      error = errno;
    }
    if (rc == 0 && fd && ::fdatasync(fd->get()) != 0) {
      rc = -1;
      error = errno;
    }
    const std::uint64_t micros = microsSince(start);
    lock.lock();
    d_syncStats.add(micros);
    d_committing = false;
    const bool failed = rc != 0;
    if (failed) {
      // Try them again next time: nothing up to `target` counts as synced.
      // The waiters give up (their verdicts stay in the spool, not durable);
      // later callers ask again.
      // (Not those release() removed meanwhile.)
      for (auto& old : closed) {
        if (holdsSegment(old.first)) {
          d_closedUnsynced.push_back(std::move(old));
        }
      }
      d_directoryUnsynced = d_directoryUnsynced || directory;
      d_wantedSequence = d_durableSequence.load(std::memory_order_relaxed);
      ++d_syncFailures;
      ++d_syncStats.failures;
      log(StoreLogLevel::Error, "spool: fdatasync failed: " + errnoText(error));
    } else {
      d_durableSequence.store(std::max(d_durableSequence.load(std::memory_order_relaxed), target),
                              std::memory_order_release);
    }
    // After a failure the waiters for the next commit give up too: their
    // wish (d_wantedSequence) was just forgotten.
    const std::uint64_t ended = failed ? 2 : 1;
    for (std::uint64_t i = 0; i < ended; ++i) {
      d_commitEnded[(commit + i) & 1].fetch_add(1, std::memory_order_release);
    }
    lock.unlock();
    for (std::uint64_t i = 0; i < ended; ++i) {
      futexWakeAll(d_commitEnded[(commit + i) & 1]);
    }
    lock.lock();
  }
}

bool VerdictSpool::roomForSpare(std::string& error) const
{
  struct statvfs fs
  {
  };
  if (::statvfs(d_directory.c_str(), &fs) != 0) {
    return true; // let the write find out
  }
  const auto available = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (available >= 2 * std::uint64_t{d_spareBytes}) {
    return true;
  }
  error = "only " + std::to_string(available) + " bytes free on the file system of " + d_directory +
          "; segments grow as records come";
  return false;
}

bool VerdictSpool::prepareSpare()
{
  {
    std::lock_guard lock(d_mutex);
    if (d_spareFd || d_preparing || d_stopping) {
      return d_spareFd != nullptr;
    }
    d_preparing = true;
  }
  std::string error;
  bool lowSpace = !roomForSpare(error);
  auto fd =
      lowSpace ? nullptr : writeZeroFile(d_sparePath, d_spareBytes, d_directory, d_closing, error);
  std::lock_guard lock(d_mutex);
  d_preparing = false;
  // On failure, not again before the next segment is opened: a full disk
  // is not retried in a loop (segments then grow as before).
  d_spareWanted = false;
  if (fd) {
    d_spareFd = std::move(fd);
    d_lowSpaceLogged = false;
  } else if (!error.empty() && !(lowSpace && d_lowSpaceLogged)) {
    log(StoreLogLevel::Warning, "spool: no pre-written segment: " + error);
    d_lowSpaceLogged = d_lowSpaceLogged || lowSpace;
  }
  return d_spareFd != nullptr;
}

void VerdictSpool::prepareLoop()
{
  std::unique_lock lock(d_mutex);
  while (true) {
    d_prepareWanted.wait(
        lock, [&] { return d_stopping || (d_spareWanted && !d_spareFd && !d_preparing); });
    if (d_stopping) {
      return;
    }
    lock.unlock();
    prepareSpare();
    lock.lock();
  }
}

void VerdictSpool::scan(std::uint64_t after, std::uint64_t upto,
                        const std::function<bool(std::uint64_t, std::string_view)>& fn) const
{
  struct Part
  {
    std::string path;
    std::uint64_t bytes;
  };
  std::vector<Part> segments;
  {
    std::lock_guard lock(d_mutex);
    for (const auto& segment : d_segments) {
      if (segment.last > after && segment.first <= upto) {
        segments.push_back(Part{segment.path, segment.bytes});
      }
    }
  }
  std::string data;
  bool more = true;
  for (const auto& [path, bytes] : segments) {
    if (!more) {
      break;
    }
    // Only the data: not the zeros of a pre-written segment, nor a frame
    // appended after the snapshot.
    if (!readFile(path, data, bytes)) {
      log(StoreLogLevel::Error, "spool: cannot read " + path + ": " + errnoText(errno));
      continue;
    }
    // Damage was reported at start-up.
    walkFrames(
        data,
        [&](std::uint64_t sequence, std::string_view payload) {
          if (sequence > after && sequence <= upto) {
            more = fn(sequence, payload);
          }
          return more;
        },
        [](std::uint64_t, std::uint64_t, bool) {});
  }
}

void VerdictSpool::release(std::uint64_t sequence)
{
  std::vector<std::string> doomed;
  // Closed (with the unlinks, outside the lock): the descriptors of removed
  // segments still waiting for a group commit (see d_closedUnsynced).
  std::vector<ClosedSegment> unneeded;
  {
    std::lock_guard lock(d_mutex);
    for (auto it = d_segments.begin(); it != d_segments.end();) {
      // The segment being appended to goes too once it is fully committed
      // and no longer small, so that a restart has little to replay again;
      // the next append opens a fresh one.
      bool active = it->fd != nullptr;
      if (it->last <= sequence &&
          (!active || it->bytes >= std::max<std::uint64_t>(4096, d_segmentBytes / 4) ||
           (it->capacity > 0 && it->bytes >= it->capacity - it->capacity / 16))) {
        d_bytes -= it->bytes;
        doomed.push_back(std::move(it->path));
        it = d_segments.erase(it);
      } else {
        ++it;
      }
    }
    if (!doomed.empty()) {
      auto kept = std::stable_partition(
          d_closedUnsynced.begin(), d_closedUnsynced.end(),
          [&](const ClosedSegment& closed) { return holdsSegment(closed.first); });
      std::move(kept, d_closedUnsynced.end(), std::back_inserter(unneeded));
      d_closedUnsynced.erase(kept, d_closedUnsynced.end());
    }
  }
  // Unlinked without the lock: append() and the group commit go on. No
  // directory sync: a segment a crash brings back is only replayed again.
  for (const auto& path : doomed) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      log(StoreLogLevel::Error, "spool: cannot remove " + path + ": " + errnoText(errno));
    }
  }
}

bool VerdictSpool::closeActive()
{
  std::lock_guard lock(d_mutex);
  return closeActiveLocked();
}

bool VerdictSpool::closeActiveLocked()
{
  if (d_segments.empty() || !d_segments.back().fd || d_segments.back().bytes == 0) {
    return false;
  }
  retireActiveLocked();
  return true;
}

void VerdictSpool::retireActiveLocked()
{
  // The next group commit syncs it, unless release() removes it first.
  Segment& active = d_segments.back();
  d_closedUnsynced.push_back(ClosedSegment{active.first, std::move(active.fd)});
  active.fd.reset();
}

bool VerdictSpool::holdsSegment(std::uint64_t first) const
{
  return std::any_of(d_segments.begin(), d_segments.end(),
                     [&](const Segment& segment) { return segment.first == first; });
}

std::uint64_t VerdictSpool::lastSequence() const
{
  std::lock_guard lock(d_mutex);
  return d_lastSequence;
}

std::uint64_t VerdictSpool::firstSequence() const
{
  std::lock_guard lock(d_mutex);
  for (const auto& segment : d_segments) {
    if (segment.last >= segment.first) {
      return segment.first;
    }
  }
  return d_lastSequence + 1;
}

std::uint64_t VerdictSpool::bytes() const
{
  std::lock_guard lock(d_mutex);
  return d_bytes;
}

std::size_t VerdictSpool::segmentCount() const
{
  std::lock_guard lock(d_mutex);
  return d_segments.size();
}

bool VerdictSpool::spareReady() const
{
  std::lock_guard lock(d_mutex);
  return d_spareFd != nullptr;
}

SpoolSyncStats VerdictSpool::syncStats() const
{
  std::lock_guard lock(d_mutex);
  return d_syncStats;
}
} // namespace dmarc
