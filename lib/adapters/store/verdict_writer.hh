// verdict_writer.hh: the production VerdictStore. store() spools the record
// (fsync shared by concurrent messages in the durable mode), puts it on a
// bounded in-memory queue and returns; one writer thread ships batches to a
// VerdictSink (PostgreSQL), reconnecting with exponential backoff, replays
// the spool after start-up and after the queue overflowed, and releases
// spool segments only once the database committed their records.
//
// Life cycle (STYLE.md convention 18): construct in preDropInit() or
// postDropInit() (it opens the spool directory, which must belong to the
// milter's user), start() in postDropInit() (starts the thread), stop() at
// shutdown (drains to the database for at most the given time; whatever is
// left stays in the spool for the next start).
//
// Full: when the spool holds its limit (or the disk is full, or, without a
// spool, the queue), a verdict is refused (the milter answers 4xx) or not
// kept, by StoreOptions::spoolFullAction. Each such verdict is counted
// (stats()) and logged: the first at once, then a line at most every 10
// seconds with the count since the previous one, and a last line with the
// episode's count when verdicts are kept again. While full, the writer
// tries the database at least every 2 seconds, and the committed records
// give their room back at once (VerdictSpool::closeActive), so that the
// store takes verdicts again within seconds of the database's return.
//
// Trust: records are untrusted values and reach the database only as
// statement parameters. Log lines never contain the password nor untrusted
// text without sanitising it.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "lib/adapters/store/store_options.hh"
#include "lib/adapters/store/verdict_sink.hh"
#include "lib/adapters/store/verdict_spool.hh"
#include "lib/core/log_throttle.hh"
#include "lib/core/verdict_store.hh"

namespace dmarc
{
struct VerdictWriterStats
{
  std::uint64_t stored = 0;    // store() calls that kept the record (Durable or Accepted)
  std::uint64_t committed = 0; // records committed by the database (replays included)
  std::uint64_t dropped = 0;   // Dropped outcomes
  std::uint64_t refused = 0;   // Refused outcomes
  std::uint64_t rejected = 0;  // records the database refused (logged and skipped)
  std::uint64_t batches = 0;   // batches the database committed (shipped or replayed)
  std::uint64_t failures = 0;  // attempts to ship or replay that failed (database unavailable)
  std::uint64_t unsent = 0;    // verdicts kept (spool or queue) and not committed yet
  // How long the oldest unsent verdict has waited (0 when none). For
  // verdicts only in the spool (replayed after a restart or a queue
  // overflow) an upper bound: the time since the writer last had nothing
  // to ship, or since it started.
  std::chrono::steady_clock::duration oldestUnsentAge{};
  // From store() to the commit, for the first verdict of the last batch
  // shipped from the queue.
  std::chrono::steady_clock::duration lastBatchLag{};
  std::uint64_t spoolBytes = 0;
  std::size_t queueDepth = 0;
  bool connected = false;
  bool idle = false; // connected, nothing queued, nothing in the spool left to ship
};

class VerdictWriter : public VerdictStore
{
public:
  // Uses PgVerdictSink(options.connection, options.passwordFile, options.reportingHost).
  // Throws ConfigError for unusable options and Error when the spool
  // directory cannot be opened or is locked by another process.
  explicit VerdictWriter(StoreOptions options);
  // With an explicit sink (tests).
  VerdictWriter(StoreOptions options, std::unique_ptr<VerdictSink> sink);
  ~VerdictWriter() override;

  void start();
  // Stops the thread after shipping what it can within `drain`.
  void stop(std::chrono::milliseconds drain = std::chrono::seconds(5));

  StoreOutcome store(MessageRecord record) noexcept override;

  VerdictWriterStats stats() const;
  // Blocks until the writer is idle (everything committed) or `timeout`
  // passes; returns whether it is idle. For shutdown, tools and tests.
  bool waitIdle(std::chrono::milliseconds timeout);

  // A random (version 4) UUID in text form, from getrandom(2).
  static std::string newMessageKey();

private:
  struct Item
  {
    std::uint64_t sequence;
    MessageRecord record;
    std::chrono::steady_clock::time_point queued; // when store() queued it
  };

  // The writer thread's steps. Those taking `lock` (on d_mutex) release it
  // around the database and the disk.
  struct LoopState
  {
    std::chrono::steady_clock::time_point lastSync = std::chrono::steady_clock::now();
    bool wasUnavailable = false; // the last attempt failed: said once, not per retry
  };
  void run();
  void runLoop();
  void syncRelaxedSpool(std::unique_lock<std::mutex>& lock,
                        std::chrono::steady_clock::time_point now,
                        std::chrono::steady_clock::time_point& lastSync);
  // Caught up: wakes waitIdle() and waits for work; false when stopping.
  bool waitForWork(std::unique_lock<std::mutex>& lock, std::chrono::steady_clock::time_point now);
  // Ships the records only in the spool before the queue's front.
  bool replayGap(std::unique_lock<std::mutex>& lock, std::uint64_t last, bool wasUnavailable);
  // Ships d_pending, filled from the queue; nothing (std::nullopt) while a
  // batch that is not full lingers.
  std::optional<bool> shipQueued(std::unique_lock<std::mutex>& lock,
                                 std::chrono::steady_clock::time_point now, bool wasUnavailable);
  // Connects and runs `ship`; a database unavailable is logged (unless
  // already said) and is false.
  bool connectAndShip(bool wasUnavailable, const std::function<bool()>& ship);
  // After a failed attempt: waits out the backoff (shorter while full).
  void backoff(std::unique_lock<std::mutex>& lock);
  bool shipBatch(std::vector<Item>& batch);
  bool writerWanted() const; // with d_mutex held, after queueing a verdict
  bool replaySpool(std::uint64_t upto);
  bool insertWithFallback(const std::vector<const MessageRecord*>& records);
  // Inserts the records and notes them committed up to `last`; false when
  // the database is unavailable (logged with `during`).
  bool commitRecords(const std::vector<const MessageRecord*>& records, std::uint64_t last,
                     const char* during);
  std::uint64_t lastStored() const; // the last sequence store() kept, with d_mutex held
  bool relaxedSpool() const;        // a spool synced by time, not by each verdict
  void noteCommitted(std::uint64_t sequence, std::size_t records);
  void checkThresholds(std::uint64_t bytes);
  // With d_mutex held: a verdict that cannot be kept (counted, logged
  // through d_notKeptLog); `refuse`: the milter tempfails the message.
  StoreOutcome notKept(const std::string& key, const std::string& why, bool refuse);
  void logNotKept(std::uint64_t count, const std::string& detail); // with d_mutex held
  void noteKeptAgain();                                            // with d_mutex held
  // With d_mutex held: gives back the room of committed records still in
  // the active segment; true if the spool got smaller.
  bool reclaimSpool();
  void log(StoreLogLevel level, const std::string& line) const;

  const StoreOptions d_options;
  std::unique_ptr<VerdictSink> d_sink;
  std::unique_ptr<VerdictSpool> d_spool; // null in the Memory mode

  mutable std::mutex d_mutex;
  std::condition_variable d_wake;     // work for the writer thread, or stop
  std::condition_variable d_progress; // the writer committed something
  std::deque<Item> d_queue;
  std::vector<Item> d_pending;            // the batch being shipped (writer thread only)
  std::uint64_t d_nextMemorySequence = 1; // Memory mode only
  std::uint64_t d_committed = 0;          // every sequence <= this is in the database
  bool d_stopping = false;
  std::chrono::steady_clock::time_point d_drainDeadline;
  bool d_connected = false;
  int d_thresholdLevel = 0; // how many of the 50/75/90% warnings are active
  // Verdicts not kept: the current episode (from the first until one is
  // kept again) and the lines about it.
  bool d_full = false;
  std::uint64_t d_notKeptInEpisode = 0;
  std::string d_notKeptDetail; // the cause of the last one, for a later line
  LogThrottle d_notKeptLog{std::chrono::seconds(10)};
  VerdictWriterStats d_stats;
  std::chrono::milliseconds d_backoff{0};
  // For stats().oldestUnsentAge: when the writer last had nothing to
  // ship, and the batch being shipped (first sequence, queued time).
  std::chrono::steady_clock::time_point d_caughtUpAt = std::chrono::steady_clock::now();
  std::uint64_t d_shippingFirst = 0; // 0: no batch in flight
  std::chrono::steady_clock::time_point d_shippingQueued;
  std::thread d_thread;
};
} // namespace dmarc
