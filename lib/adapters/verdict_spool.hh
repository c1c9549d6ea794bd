// verdict_spool.hh: the local append-only spool of the history store.
// A verdict is written here (and, in the durable mode, fsynced) before the
// milter answers end-of-message; the writer thread ships it to PostgreSQL
// and the spool forgets it only once the database has committed it.
//
// On disk: a directory (mode 0700, locked with flock by one process) of
// segment files "segment-<first sequence, 20 digits>.spool". Each is a run
// of frames:
//   magic "DMV1" | u32 payload length | u64 sequence | u32 CRC-32 of
//   (sequence, payload) | payload          (integers little-endian)
// Sequences grow by one per record across segments and restarts. New
// records always go to a fresh segment after start-up, never after a tail
// that may be torn. A segment is unlinked once every record in it is
// committed and it is no longer the one being appended to.
//
// Trust: segment contents are untrusted (a crash can tear the last frame, a
// disk can corrupt any byte). The reader checks magic, length bound and
// CRC of every frame; on damage it logs the offset and size, resynchronises
// on the next frame that checks out, and keeps every good record.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/store_options.hh"

namespace dmarc
{
// What a scan of damaged segments found (for logs and tests).
struct SpoolDamage
{
  std::string segment;  // file name
  std::uint64_t offset; // where the damaged bytes start
  std::uint64_t bytes;  // how many bytes were skipped
  bool tail;            // true: up to the end of the file (a torn write)
};

class VerdictSpool
{
public:
  // A frame's payload may not exceed this (bounds what a damaged length
  // field can make the reader allocate).
  static constexpr std::size_t s_maxPayload = 4 << 20;
  static constexpr std::size_t s_frameHeader = 20;

  // Opens or creates `directory`, takes its lock (throws Error when another
  // process holds it), and scans existing segments: damage is logged and
  // returned by damage(), good records stay for replay.
  VerdictSpool(std::string directory, std::size_t segmentBytes, StoreLogFunction log);
  ~VerdictSpool();
  VerdictSpool(const VerdictSpool&) = delete;
  VerdictSpool& operator=(const VerdictSpool&) = delete;

  // Appends one record (write(2), no fsync) and returns its sequence.
  // Throws Error when the write fails (the record is then not in the spool).
  std::uint64_t append(std::string_view payload);

  // Group commit: returns once every record up to `sequence` is on stable
  // storage. Concurrent callers share one fdatasync, made by a flusher
  // thread (started by the first call) that begins the next one as soon as
  // the last returns: no waiting caller has to be scheduled first to take
  // its turn, which on a busy machine is a wait of its own. False if the
  // sync failed.
  bool syncUpTo(std::uint64_t sequence);
  bool syncAll() { return syncUpTo(lastSequence()); }

  // Calls fn(sequence, payload) for every good record with
  // after < sequence <= upto, in order; stops early when fn returns false.
  void scan(std::uint64_t after, std::uint64_t upto,
            const std::function<bool(std::uint64_t, std::string_view)>& fn) const;

  // Every record up to `sequence` is committed to the database: unlink the
  // segments that hold nothing newer (the one being appended to only once
  // it holds at least a quarter of segmentBytes). The unlinks happen
  // outside the lock and are not synced: a segment that a crash brings back
  // is replayed, and the database ignores what it already has.
  void release(std::uint64_t sequence);

  std::uint64_t lastSequence() const;  // 0 when nothing was ever appended
  std::uint64_t firstSequence() const; // first record still held; lastSequence()+1 if none
  std::uint64_t bytes() const;         // total size of the segment files
  std::size_t segmentCount() const;
  const std::vector<SpoolDamage>& damage() const { return d_damage; }

private:
  struct Segment
  {
    std::string path;
    std::uint64_t first = 0; // first sequence (from the file name)
    std::uint64_t last = 0;  // last good sequence in it (first - 1 when empty)
    std::uint64_t bytes = 0;
    std::shared_ptr<FileDescriptor> fd; // open for append: only the active segment
  };

  void recover();
  void flushLoop();
  void openActive(); // with d_mutex held
  void log(StoreLogLevel level, const std::string& line) const;

  const std::string d_directory;
  const std::size_t d_segmentBytes;
  StoreLogFunction d_log;
  FileDescriptor d_lock;

  mutable std::mutex d_mutex;
  std::condition_variable d_synced;
  std::vector<Segment> d_segments; // oldest first; the last is active if it has an fd
  std::uint64_t d_lastSequence = 0;
  std::uint64_t d_syncedSequence = 0;
  std::uint64_t d_wantedSequence = 0; // the highest sequence a caller waits for
  std::uint64_t d_syncFailures = 0;   // failed syncs so far (waiters return false)
  bool d_stopping = false;
  std::condition_variable d_flushWanted;
  std::thread d_flusher; // started by the first syncUpTo(), after any fork
  // Work for the next group commit, kept out of append(), which runs under
  // d_mutex on the milter's threads: segments closed since the last sync
  // (their last records may not be on disk yet), and whether the directory
  // gained a segment whose name is not durable yet.
  std::vector<std::shared_ptr<FileDescriptor>> d_closedUnsynced;
  bool d_directoryUnsynced = false;
  std::uint64_t d_bytes = 0;
  std::vector<SpoolDamage> d_damage;
};
} // namespace dmarc
