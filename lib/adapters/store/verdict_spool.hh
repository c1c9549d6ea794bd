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
// followed, in a pre-written segment, by zero bytes up to its capacity.
// Sequences grow by one per record across segments and restarts. New
// records always go to a fresh segment after start-up, never after a tail
// that may be torn. A segment is unlinked once every record in it is
// committed and it is no longer the one being appended to.
//
// Pre-written segments: a group commit's fdatasync is cheapest when it only
// overwrites blocks that are already allocated and on disk: ext4 then has no
// size or extent change to commit in its journal (one cache flush instead of
// two), or without a journal no inode to write (26-28 % off an append's
// fdatasync on the development machine). So a background thread (started
// with the flusher) prepares the next segment ahead of time as
// "spare.segment": a quarter of segmentBytes (at least 4096, a multiple of
// 4096) of zeros really written, then fdatasynced together with the
// directory. A quarter, because that is how much committed data makes the
// active segment go (see release()): a larger spare would mostly be thrown
// away unused, its zeros written for nothing. When a record no
// longer fits in the active segment, append() renames the spare to the new
// segment's name (the next group commit syncs the directory) and records
// overwrite its zeros in place. When no spare is ready (before the thread
// started, or the disk is slower than the milter) append() creates a segment
// that grows as before, and moves on to the spare as soon as one is ready.
// A spare left by a crash is reused at start-up when it is whole (all zeros,
// the current size); one holding frames (a rename lost with the power) is
// recovered as a segment; anything else is removed. No spare is written
// while the file system has less than twice its size free: on a nearly
// full disk its zeros would take the room that records need.
//
// Sizes: bytes() counts the data held (frames, and damaged bytes found at
// start-up), not the zeros of pre-written segments, so the spool limit
// bounds the verdicts kept. The files take up to half a segmentBytes more
// (the unused room of the active segment and the spare), plus less than one
// frame per closed segment. A grown segment is closed past segmentBytes.
//
// Trust: segment contents are untrusted (a crash can tear the last frame, a
// disk can corrupt any byte). The reader checks magic, length bound and
// CRC of every frame; on damage it logs the offset and size, resynchronises
// on the next frame that checks out, and keeps every good record. Zero
// bytes that run to the end of a file are unused room, not damage; a torn
// frame before them is reported as a torn tail (zeros not counted).
#pragma once

#include <array>
#include <atomic>
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
#include "lib/adapters/store/store_options.hh"

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

// Group-commit figures since the spool was opened (logged when the store
// stops; read by the benchmark).
struct SpoolSyncStats
{
  // Latency histogram: buckets 0-15 are 0-15 microseconds, then four buckets
  // per power of two (25 % wide) up to about 16 s; the last takes the rest.
  static constexpr std::size_t s_buckets = 96;

  std::uint64_t commits = 0;  // group commits made (each ends with an fdatasync)
  std::uint64_t failures = 0; // of which failed
  std::uint64_t totalMicros = 0;
  std::uint64_t maxMicros = 0;
  std::array<std::uint64_t, s_buckets> histogram{};
  std::uint64_t preparedSegments = 0; // segments that started pre-written
  std::uint64_t grownSegments = 0;    // segments that grew (no spare was ready)

  void add(std::uint64_t micros);
  // The latency under which `fraction` (0..1) of the commits finished: the
  // upper bound of its bucket. 0 when there were none.
  std::uint64_t percentileMicros(double fraction) const;
  // "N group commits (fdatasync), latency ms: mean .. p50 .. p90 .. p99 ..
  // max ..; segments: N pre-written, M grown"
  std::string summary() const;
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
  // returned by damage(), good records stay for replay. `segmentBytes`
  // (at least 4096) is the size past which a grown segment is closed; a
  // pre-written one holds a quarter of it.
  VerdictSpool(std::string directory, std::size_t segmentBytes, StoreLogFunction log);
  ~VerdictSpool();
  VerdictSpool(const VerdictSpool&) = delete;
  VerdictSpool& operator=(const VerdictSpool&) = delete;

  // Appends one record (pwrite(2) at the active segment's end, no fsync)
  // and returns its sequence. Throws Error when the write fails (the record
  // is then not in the spool, and the segment, if it holds records, is
  // closed: see closeActive()).
  std::uint64_t append(std::string_view payload);

  // Group commit: returns once every record up to `sequence` is on stable
  // storage. Concurrent callers share one fdatasync, made by a flusher
  // thread (started by the first call, with the thread that prepares
  // spare segments) that begins the next one as soon as the last returns:
  // no waiting caller has to be scheduled first to take its turn, which on a
  // busy machine is a wait of its own. False if the sync failed.
  bool syncUpTo(std::uint64_t sequence);
  bool syncAll() { return syncUpTo(lastSequence()); }

  // Prepares the spare segment now, in the calling thread, unless one is
  // ready or being prepared; returns whether one is ready. The background
  // thread does this by itself; for tests and tools that never sync.
  bool prepareSpare();

  // Calls fn(sequence, payload) for every good record with
  // after < sequence <= upto, in order; stops early when fn returns false.
  void scan(std::uint64_t after, std::uint64_t upto,
            const std::function<bool(std::uint64_t, std::string_view)>& fn) const;

  // Every record up to `sequence` is committed to the database: unlink the
  // segments that hold nothing newer (the one being appended to only once
  // it holds at least a quarter of segmentBytes, or is a pre-written one
  // with less than a sixteenth of its room left: a new segment per
  // committed batch would cost a file and a directory sync each). The
  // unlinks happen outside the lock and are not synced: a segment that a
  // crash brings back is replayed, and the database ignores what it
  // already has.
  void release(std::uint64_t sequence);

  // Stops appending to the active segment (the next append() opens a new
  // one), so that release() removes it as soon as its records are
  // committed, however small it is. For a spool that cannot take more
  // (its limit reached, or the disk full): the committed records of its
  // active segment would otherwise hold their room until that segment
  // reached the size above, which with no room it never does. A failed
  // append() does this itself. Returns whether a segment was closed
  // (false when none is active or it holds nothing).
  bool closeActive();

  std::uint64_t lastSequence() const;  // 0 when nothing was ever appended
  std::uint64_t firstSequence() const; // first record still held; lastSequence()+1 if none
  std::uint64_t bytes() const;         // data held (see the header comment)
  std::size_t segmentCount() const;    // segment files, the spare not counted
  bool spareReady() const;
  SpoolSyncStats syncStats() const;
  const std::vector<SpoolDamage>& damage() const { return d_damage; }

private:
  struct Segment
  {
    std::string path;
    std::uint64_t first = 0;            // first sequence (from the file name)
    std::uint64_t last = 0;             // last good sequence in it (first - 1 when empty)
    std::uint64_t bytes = 0;            // where the next frame goes (data held)
    std::uint64_t capacity = 0;         // pre-written size; 0: the file grows
    std::shared_ptr<FileDescriptor> fd; // open for writing: only the active segment
  };

  void recover();
  void recoverSpare();
  bool closeActiveLocked();  // with d_mutex held
  void retireActiveLocked(); // with d_mutex held: the active segment takes no more records
  bool holdsSegment(std::uint64_t first) const; // with d_mutex held
  // Whether the file system has room for a spare segment and as much again
  // (a spare must not take the last room that records need); sets `error`.
  bool roomForSpare(std::string& error) const;
  void flushLoop();
  void prepareLoop();
  void startThreads();                               // with d_mutex held
  bool needsNewSegment(std::size_t frameSize) const; // with d_mutex held
  void openActive();                                 // with d_mutex held
  void log(StoreLogLevel level, const std::string& line) const;

  const std::string d_directory;
  const std::size_t d_segmentBytes;
  const std::size_t d_spareBytes; // the size of a pre-written segment
  const std::string d_sparePath;
  StoreLogFunction d_log;
  FileDescriptor d_lock;

  mutable std::mutex d_mutex;
  std::vector<Segment> d_segments; // oldest first; the last is active if it has an fd
  std::uint64_t d_lastSequence = 0;
  // What syncUpTo() waiters read without d_mutex: they sleep on a futex,
  // which the flusher bumps (under d_mutex) after a group commit and wakes
  // once, outside d_mutex. Waking a condition variable instead sent every
  // waiter straight into a queue for d_mutex, which on a busy machine cost
  // more CPU than the sync.
  // Two futexes, one for the commits with an even number and one for the
  // odd: a waiter sleeps on the one of the commit that will cover its
  // record (the one under way if its target reaches that far, else the
  // next), so that the end of a commit wakes only the callers it made
  // durable, not also those who must wait for the next one and would go
  // straight back to sleep (two context switches each, for nothing).
  // The last sequence on stable storage: written only by recovery and the
  // flusher, under d_mutex.
  std::atomic<std::uint64_t> d_durableSequence{0};
  std::array<std::atomic<std::uint32_t>, 2> d_commitEnded{};
  std::uint64_t d_commitsStarted = 0;   // under d_mutex; the next commit's number
  bool d_committing = false;            // a commit is under way (number d_commitsStarted - 1)
  std::uint64_t d_committingTarget = 0; // the last sequence the commit under way covers
  std::uint64_t d_wantedSequence = 0;   // the highest sequence a caller waits for
  std::uint64_t d_syncFailures = 0;     // failed syncs so far (waiters return false)
  bool d_stopping = false;
  std::atomic<bool> d_closing{false}; // set with d_stopping: waiters return, no spare finished
  std::condition_variable d_flushWanted;
  std::thread d_flusher; // started by the first syncUpTo(), after any fork
  // The spare segment: ready (d_spareFd set), being prepared, or wanted.
  std::shared_ptr<FileDescriptor> d_spareFd;
  bool d_preparing = false;
  bool d_spareWanted = true;
  bool d_lowSpaceLogged = false; // "no room for a spare" said once until one is made again
  std::condition_variable d_prepareWanted;
  std::thread d_preparer; // started with d_flusher
  SpoolSyncStats d_syncStats;
  // Work for the next group commit, kept out of append(), which runs under
  // d_mutex on the milter's threads: segments closed since the last sync
  // (their last records may not be on disk yet), and whether the directory
  // gained a segment whose name is not durable yet. release() drops the
  // descriptor of a segment it removes: the database has its records, and
  // an open descriptor would keep the file's blocks allocated after the
  // unlink. With the disk full no record is appended, so no group commit
  // comes to close it, and the room never came back.
  struct ClosedSegment
  {
    std::uint64_t first; // Segment::first
    std::shared_ptr<FileDescriptor> fd;
  };
  std::vector<ClosedSegment> d_closedUnsynced;
  bool d_directoryUnsynced = false;
  std::uint64_t d_bytes = 0;
  std::vector<SpoolDamage> d_damage;
};
} // namespace dmarc
