// verdict_spool.cc: segment files, frames, group commit and recovery.
// See verdict_spool.hh for the format and what is trusted.
#include "lib/adapters/verdict_spool.hh"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <optional>
#include <sys/file.h>
#include <sys/stat.h>
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

// Walks every frame of a segment's bytes: good ones to `onRecord`, damaged
// stretches to `onDamage(offset, bytes, toEnd)`.
template <typename OnRecord, typename OnDamage>
void walkFrames(std::string_view data, OnRecord onRecord, OnDamage onDamage)
{
  std::size_t offset = 0;
  while (offset < data.size()) {
    if (auto frame = frameAt(data, offset)) {
      if (!onRecord(frame->sequence, frame->payload)) {
        return;
      }
      offset += frame->size;
      continue;
    }
    // Resynchronise: the next offset holding a frame whose CRC checks out.
    std::size_t next = offset + 1;
    std::optional<Frame> found;
    while (next < data.size()) {
      const void* hit = ::memmem(data.data() + next, data.size() - next, s_magic, 4);
      if (hit == nullptr) {
        next = data.size();
        break;
      }
      next = static_cast<std::size_t>(static_cast<const char*>(hit) - data.data());
      if ((found = frameAt(data, next))) {
        break;
      }
      ++next;
    }
    onDamage(offset, next - offset, next >= data.size());
    offset = next;
  }
}

bool readFile(const std::string& path, std::string& out)
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
  out.resize(static_cast<std::size_t>(st.st_size));
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

// fsync(2) of the directory, so that a new segment's name is durable.
bool syncDirectory(const std::string& directory)
{
  FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return fd.valid() && ::fsync(fd.get()) == 0;
}

std::string segmentName(std::uint64_t first)
{
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "segment-%020" PRIu64 ".spool", first);
  return buffer;
}
} // namespace

VerdictSpool::VerdictSpool(std::string directory, std::size_t segmentBytes, StoreLogFunction log)
    : d_directory(std::move(directory)), d_segmentBytes(std::max<std::size_t>(segmentBytes, 4096)),
      d_log(std::move(log))
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
  }
  d_flushWanted.notify_all();
  d_synced.notify_all();
  if (d_flusher.joinable()) {
    d_flusher.join();
  }
}

void VerdictSpool::log(StoreLogLevel level, const std::string& line) const
{
  if (d_log) {
    d_log(level, line);
  }
}

void VerdictSpool::recover()
{
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
  for (const auto& [first, name] : found) {
    Segment segment;
    segment.path = d_directory + "/" + name;
    segment.first = first;
    segment.last = first == 0 ? 0 : first - 1;
    if (!readFile(segment.path, data)) {
      log(StoreLogLevel::Error, "spool: cannot read " + segment.path + ": " + errnoText(errno));
      continue;
    }
    segment.bytes = data.size();
    walkFrames(
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
  d_syncedSequence = d_lastSequence;
  if (!found.empty()) {
    log(StoreLogLevel::Info, "spool: " + d_directory + ": " + std::to_string(found.size()) +
                                 " segment(s), " + std::to_string(records) +
                                 " record(s) to replay, " + std::to_string(d_damage.size()) +
                                 " damaged region(s)");
  }
}

void VerdictSpool::openActive()
{
  Segment segment;
  segment.first = d_lastSequence + 1;
  segment.last = d_lastSequence;
  segment.path = d_directory + "/" + segmentName(segment.first);
  FileDescriptor fd(
      ::open(segment.path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_TRUNC, 0600));
  if (!fd.valid()) {
    throw Error("cannot create spool segment " + segment.path + ": " + errnoText(errno));
  }
  // Its name becomes durable with the next group commit, before any
  // record in it counts as synced.
  d_directoryUnsynced = true;
  segment.fd = std::make_shared<FileDescriptor>(std::move(fd));
  d_segments.push_back(std::move(segment));
}

std::uint64_t VerdictSpool::append(std::string_view payload)
{
  if (payload.size() > s_maxPayload) {
    throw Error("spool: record of " + std::to_string(payload.size()) + " bytes is too large");
  }
  std::lock_guard lock(d_mutex);
  if (d_segments.empty() || !d_segments.back().fd) {
    openActive();
  } else if (d_segments.back().bytes >= d_segmentBytes) {
    // Close the full segment; the next group commit syncs it.
    auto& full = d_segments.back();
    d_closedUnsynced.push_back(std::move(full.fd));
    full.fd.reset();
    openActive();
  }
  Segment& active = d_segments.back();
  const std::uint64_t sequence = d_lastSequence + 1;
  std::string frame;
  frame.reserve(s_frameHeader + payload.size());
  frame.append(s_magic, 4);
  putU32(frame, static_cast<std::uint32_t>(payload.size()));
  putU64(frame, sequence);
  putU32(frame, frameCrc(sequence, payload));
  frame.append(payload);

  std::size_t done = 0;
  while (done < frame.size()) {
    auto wrote = ::write(active.fd->get(), frame.data() + done, frame.size() - done);
    if (wrote < 0 && errno == EINTR) {
      continue;
    }
    if (wrote <= 0) {
      int error = wrote < 0 ? errno : ENOSPC;
      // Leave no partial frame behind for the next record to follow.
      if (::ftruncate(active.fd->get(), static_cast<off_t>(active.bytes)) != 0) {
        log(StoreLogLevel::Error, "spool: cannot cut a partial frame: " + errnoText(errno));
      }
      throw Error("spool: write " + active.path + ": " + errnoText(error));
    }
    done += static_cast<std::size_t>(wrote);
  }
  active.bytes += frame.size();
  active.last = sequence;
  d_bytes += frame.size();
  d_lastSequence = sequence;
  return sequence;
}

bool VerdictSpool::syncUpTo(std::uint64_t sequence)
{
  std::unique_lock lock(d_mutex);
  if (d_syncedSequence >= sequence) {
    return true;
  }
  if (!d_flusher.joinable()) {
    d_flusher = std::thread([this] { flushLoop(); });
  }
  d_wantedSequence = std::max(d_wantedSequence, sequence);
  d_flushWanted.notify_one();
  const std::uint64_t failures = d_syncFailures;
  d_synced.wait(lock, [&] {
    return d_syncedSequence >= sequence || d_syncFailures != failures || d_stopping;
  });
  return d_syncedSequence >= sequence;
}

void VerdictSpool::flushLoop()
{
  std::unique_lock lock(d_mutex);
  while (true) {
    d_flushWanted.wait(lock, [&] { return d_stopping || d_wantedSequence > d_syncedSequence; });
    if (d_stopping) {
      return;
    }
    // One fdatasync for every record written so far (and for segments
    // closed since the last sync, and the directory entry of a new
    // segment), with the lock released.
    const std::uint64_t target = d_lastSequence;
    std::shared_ptr<FileDescriptor> fd;
    if (!d_segments.empty()) {
      fd = d_segments.back().fd;
    }
    std::vector<std::shared_ptr<FileDescriptor>> closed;
    closed.swap(d_closedUnsynced);
    const bool directory = std::exchange(d_directoryUnsynced, false);
    lock.unlock();
    int rc = 0;
    int error = 0;
    for (const auto& old : closed) {
      if (rc == 0 && ::fdatasync(old->get()) != 0) {
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
    lock.lock();
    if (rc != 0) {
      // Try them again next time: nothing up to `target` counts as synced.
      // The waiters give up (their verdicts stay in the spool, not durable);
      // later callers ask again.
      d_closedUnsynced.insert(d_closedUnsynced.end(), closed.begin(), closed.end());
      d_directoryUnsynced = d_directoryUnsynced || directory;
      d_wantedSequence = d_syncedSequence;
      ++d_syncFailures;
      log(StoreLogLevel::Error, "spool: fdatasync failed: " + errnoText(error));
    } else {
      d_syncedSequence = std::max(d_syncedSequence, target);
    }
    d_synced.notify_all();
  }
}

void VerdictSpool::scan(std::uint64_t after, std::uint64_t upto,
                        const std::function<bool(std::uint64_t, std::string_view)>& fn) const
{
  std::vector<std::pair<std::string, std::uint64_t>> segments;
  {
    std::lock_guard lock(d_mutex);
    for (const auto& segment : d_segments) {
      if (segment.last > after && segment.first <= upto) {
        segments.emplace_back(segment.path, segment.first);
      }
    }
  }
  std::string data;
  bool more = true;
  for (const auto& [path, first] : segments) {
    if (!more) {
      break;
    }
    if (!readFile(path, data)) {
      log(StoreLogLevel::Error, "spool: cannot read " + path + ": " + errnoText(errno));
      continue;
    }
    // Damage was reported at start-up; a frame being appended right now
    // looks torn, and is newer than `upto` anyway.
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
  {
    std::lock_guard lock(d_mutex);
    for (auto it = d_segments.begin(); it != d_segments.end();) {
      // The segment being appended to goes too once it is fully committed
      // and no longer small, so that a restart has little to replay again;
      // the next append opens a fresh one.
      bool active = it->fd != nullptr;
      if (it->last <= sequence &&
          (!active || it->bytes >= std::max<std::uint64_t>(4096, d_segmentBytes / 4))) {
        d_bytes -= it->bytes;
        doomed.push_back(std::move(it->path));
        it = d_segments.erase(it);
      } else {
        ++it;
      }
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
} // namespace dmarc
