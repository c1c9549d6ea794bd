// verdict_writer.cc: the store() path (spool, queue, group commit) and the
// writer thread (batches, replay, reconnect with backoff, spool release).
//
// Ordering invariant (spool modes): a record is appended to the spool and
// pushed on the queue under d_mutex, so queue order is sequence order. A
// record missing from the queue (queue full, start-up, a failed batch) shows
// up as a gap between d_committed and the queue's front, and the writer
// fills the gap from the spool. d_committed only grows, and a spool segment
// is released only when all its records are <= d_committed.
#include "lib/adapters/store/verdict_writer.hh"

#include <algorithm>
#include <functional>
#include <sys/random.h>
#include <unistd.h>

#include "lib/adapters/store/pg_verdict_sink.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/message_identity.hh"
#include "lib/core/message_record_codec.hh"
#include "lib/core/retry_backoff.hh"

namespace dmarc
{
namespace
{
// Error texts from the database may quote untrusted values: printable ASCII
// only, bounded (STYLE.md convention 12).
constexpr std::size_t s_maxShownText = 300;

// While verdicts are not kept, the writer tries the database at least this
// often (it otherwise backs off to StoreOptions::reconnectMax): mail is
// being tempfailed or its verdicts lost, which is worth a connection
// attempt every second or two, and the store should take verdicts again
// within seconds of the database's return.
constexpr std::chrono::milliseconds s_fullReconnectMax{2000};

// The spool's segment size: at most a quarter of its limit. Its files take
// up to half a segment more than the data they hold (the room of the
// pre-written active segment and of the spare), an eighth of the limit
// then; and a fully committed active segment, released once it holds a
// quarter of a segment, is released long before it could fill the limit.
std::size_t spoolSegmentBytes(const StoreOptions& options)
{
  return std::min(options.segmentBytes, std::max<std::size_t>(options.spoolLimitBytes / 4, 4096));
}

// Random bits for the reconnect jitter. Never fails: without getrandom(2)
// the clock's low bits still keep hosts apart.
std::uint32_t randomBits() noexcept
{
  std::uint32_t bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits)) {
    bits = static_cast<std::uint32_t>(std::chrono::steady_clock::now().time_since_epoch().count() *
                                      2654435761U);
  }
  return bits;
}

// " at host:port" for a log line, or nothing when the sink does not say.
std::string atPeer(const std::string& peer)
{
  return peer.empty() ? std::string() : " at " + peer;
}

void validate(const StoreOptions& options)
{
  if (options.durability != StoreDurability::Memory && options.spoolDirectory.empty()) {
    throw ConfigError("the history store needs a spool directory unless durability is memory");
  }
  if (options.queueCapacity == 0 || options.batchSize == 0) {
    throw ConfigError("history store queue capacity and batch size must be positive");
  }
  if (options.reconnectMin.count() <= 0 || options.reconnectMax < options.reconnectMin) {
    throw ConfigError("history store reconnect delays must satisfy 0 < min <= max");
  }
  // Checked here, at start-up, so that a bad path is a configuration error
  // rather than an endless "database unavailable" later.
  if (!options.passwordFile.empty() && ::access(options.passwordFile.c_str(), R_OK) != 0) {
    throw ConfigError("cannot read the database password file " + options.passwordFile);
  }
}
} // namespace

VerdictWriter::VerdictWriter(StoreOptions options)
    : VerdictWriter(options, std::make_unique<PgVerdictSink>(
                                 options.connection, options.passwordFile, options.reportingHost))
{}

VerdictWriter::VerdictWriter(StoreOptions options, std::unique_ptr<VerdictSink> sink)
    : d_options(std::move(options)), d_sink(std::move(sink))
{
  validate(d_options);
  if (d_options.durability != StoreDurability::Memory) {
    d_spool = std::make_unique<VerdictSpool>(d_options.spoolDirectory, spoolSegmentBytes(d_options),
                                             d_options.log);
    d_committed = d_spool->firstSequence() - 1;
    d_stats.spoolBytes = d_spool->bytes();
    checkThresholds(d_stats.spoolBytes);
  }
}

VerdictWriter::~VerdictWriter()
{
  stop(std::chrono::milliseconds(0));
}

void VerdictWriter::log(StoreLogLevel level, const std::string& line) const
{
  if (d_options.log) {
    d_options.log(level, line);
  }
}

void VerdictWriter::start()
{
  std::lock_guard lock(d_mutex);
  if (!d_thread.joinable() && !d_stopping) {
    d_thread = std::thread([this] { run(); });
  }
}

void VerdictWriter::stop(std::chrono::milliseconds drain)
{
  bool first = false;
  {
    std::lock_guard lock(d_mutex);
    if (!d_stopping) {
      first = true;
      d_stopping = true;
      d_drainDeadline = std::chrono::steady_clock::now() + drain;
    }
  }
  d_wake.notify_all();
  if (d_thread.joinable()) {
    d_thread.join();
  }
  if (d_spool) {
    d_spool->syncAll();
    if (auto sync = d_spool->syncStats(); first && sync.commits > 0) {
      log(StoreLogLevel::Notice, "spool: " + sync.summary());
    }
  }
  std::lock_guard lock(d_mutex);
  if (d_notKeptLog.pending() > 0) {
    logNotKept(d_notKeptLog.finish(), d_notKeptDetail);
  }
}

std::string VerdictWriter::newMessageKey()
{
  unsigned char bytes[16];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    auto n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n > 0) {
      got += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      throw Error("getrandom failed");
    }
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x40); // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
  return uuidText(bytes);
}

void VerdictWriter::checkThresholds(std::uint64_t bytes)
{
  const double limit = static_cast<double>(d_options.spoolLimitBytes);
  const double used = static_cast<double>(bytes);
  int level = used >= 0.9 * limit ? 3 : used >= 0.75 * limit ? 2 : used >= 0.5 * limit ? 1 : 0;
  if (level > d_thresholdLevel) {
    static constexpr int s_percent[] = {0, 50, 75, 90};
    log(StoreLogLevel::Warning, "history spool is over " + std::to_string(s_percent[level]) +
                                    "% of its limit (" + std::to_string(bytes) + " of " +
                                    std::to_string(d_options.spoolLimitBytes) +
                                    " bytes): is the database reachable?");
  } else if (level < d_thresholdLevel && level == 0) {
    log(StoreLogLevel::Info, "history spool back under 50% of its limit");
  }
  d_thresholdLevel = level;
}

StoreOutcome VerdictWriter::store(MessageRecord record) noexcept
{
  try {
    if (record.messageKey.empty()) {
      record.messageKey = newMessageKey();
    }
    if (record.reportingHost.empty()) {
      record.reportingHost = d_options.reportingHost;
    }
    if (!d_spool) {
      std::lock_guard lock(d_mutex);
      if (d_queue.size() >= d_options.queueCapacity) {
        return notKept(record.messageKey, "history queue full (database unreachable?)", false);
      }
      noteKeptAgain();
      d_queue.push_back(
          Item{d_nextMemorySequence++, std::move(record), std::chrono::steady_clock::now()});
      ++d_stats.stored;
      if (writerWanted()) {
        d_wake.notify_one();
      }
      return StoreOutcome::Accepted;
    }

    std::string payload = encodeMessageRecord(record);
    const std::uint64_t frameSize = payload.size() + VerdictSpool::s_frameHeader;
    const bool refuse = d_options.spoolFullAction == SpoolFullAction::Tempfail;
    std::uint64_t sequence = 0;
    bool wake = false;
    {
      std::lock_guard lock(d_mutex);
      std::uint64_t bytes = d_spool->bytes();
      if (bytes + frameSize > d_options.spoolLimitBytes && reclaimSpool()) {
        bytes = d_spool->bytes();
      }
      if (bytes + frameSize > d_options.spoolLimitBytes) {
        return notKept(record.messageKey,
                       "history spool full (" + std::to_string(bytes) + " of " +
                           std::to_string(d_options.spoolLimitBytes) + " bytes)",
                       refuse);
      }
      try {
        sequence = d_spool->append(payload);
      } catch (const std::exception& error) {
        // The failed write closed the active segment: what the database
        // already has gives its room back now, for the next verdict.
        d_spool->release(d_committed);
        return notKept(record.messageKey,
                       std::string("history spool write failed: ") +
                           printableAscii(error.what(), s_maxShownText),
                       refuse);
      }
      noteKeptAgain();
      checkThresholds(bytes + frameSize);
      // When the queue is full the record is in the spool only; the writer
      // notices the gap and replays it from there.
      bool queued = d_queue.size() < d_options.queueCapacity;
      if (queued) {
        d_queue.push_back(Item{sequence, std::move(record), std::chrono::steady_clock::now()});
      }
      ++d_stats.stored;
      wake = !queued || writerWanted();
    }
    if (wake) {
      d_wake.notify_one();
    }
    if (d_options.durability == StoreDurability::Fsync) {
      return d_spool->syncUpTo(sequence) ? StoreOutcome::Durable : StoreOutcome::Accepted;
    }
    return StoreOutcome::Accepted;
  } catch (const std::exception& error) {
    log(StoreLogLevel::Error,
        std::string("history store: ") + printableAscii(error.what(), s_maxShownText));
  } catch (...) {
    log(StoreLogLevel::Error, "history store: unknown error");
  }
  std::lock_guard lock(d_mutex);
  ++d_stats.dropped;
  return StoreOutcome::Dropped;
}

bool VerdictWriter::reclaimSpool()
{
  // Only a closed segment is released however small it is: close the
  // active one, then release what the database has. (Unlinking under
  // d_mutex holds up other store() calls, but only while the spool is
  // at its limit.)
  const std::uint64_t before = d_spool->bytes();
  if (d_spool->closeActive()) {
    d_spool->release(d_committed);
  }
  return d_spool->bytes() < before;
}

StoreOutcome VerdictWriter::notKept(const std::string& key, const std::string& why, bool refuse)
{
  ++(refuse ? d_stats.refused : d_stats.dropped);
  ++d_notKeptInEpisode;
  d_full = true;
  d_notKeptDetail =
      why + (refuse ? ": verdicts refused, messages tempfailed" : ": verdicts not kept");
  const auto now = std::chrono::steady_clock::now();
  if (d_notKeptLog.note(now)) {
    logNotKept(d_notKeptLog.take(now), d_notKeptDetail + ", the last " + key);
  }
  if (d_notKeptInEpisode == 1) {
    // The writer's backoff may be long: from now on it tries more often.
    d_wake.notify_one();
  }
  return refuse ? StoreOutcome::Refused : StoreOutcome::Dropped;
}

void VerdictWriter::logNotKept(std::uint64_t count, const std::string& detail)
{
  log(StoreLogLevel::Error, detail + "; " + std::to_string(count) +
                                " verdict(s) since the last such line, " +
                                std::to_string(d_notKeptInEpisode) + " since it filled (" +
                                std::to_string(d_stats.refused + d_stats.dropped) +
                                " since start); logged at most every 10 s while it lasts");
}

void VerdictWriter::noteKeptAgain()
{
  if (!d_full) {
    return;
  }
  d_full = false;
  d_notKeptLog.finish();
  const bool refused = d_options.spoolFullAction == SpoolFullAction::Tempfail && d_spool;
  log(StoreLogLevel::Warning,
      std::string(d_spool ? "history spool" : "history queue") + " takes verdicts again; " +
          std::to_string(d_notKeptInEpisode) + " verdict(s) " +
          (refused ? "refused (messages tempfailed)" : "not kept") + " while it was full");
  d_notKeptInEpisode = 0;
}

VerdictWriterStats VerdictWriter::stats() const
{
  std::lock_guard lock(d_mutex);
  VerdictWriterStats stats = d_stats;
  stats.queueDepth = d_queue.size();
  stats.connected = d_connected;
  stats.spoolBytes = d_spool ? d_spool->bytes() : 0;
  const std::uint64_t last = lastStored();
  stats.unsent = last > d_committed ? last - d_committed : 0;
  if (stats.unsent != 0) {
    // The oldest unsent verdict is the first after d_committed: in the
    // batch in flight, at the queue's front, or only in the spool.
    auto since = d_caughtUpAt;
    if (d_shippingFirst == d_committed + 1) {
      since = d_shippingQueued;
    } else if (!d_queue.empty() && d_queue.front().sequence == d_committed + 1) {
      since = d_queue.front().queued;
    }
    stats.oldestUnsentAge = std::chrono::steady_clock::now() - since;
  }
  return stats;
}

bool VerdictWriter::waitIdle(std::chrono::milliseconds timeout)
{
  std::unique_lock lock(d_mutex);
  return d_progress.wait_for(lock, timeout,
                             [&] { return d_queue.empty() && d_committed >= lastStored(); });
}

void VerdictWriter::noteCommitted(std::uint64_t sequence, std::size_t records)
{
  std::uint64_t committed = 0;
  {
    std::lock_guard lock(d_mutex);
    d_committed = std::max(d_committed, sequence);
    d_stats.committed += records;
    if (records != 0) {
      ++d_stats.batches;
    }
    committed = d_committed;
  }
  // Outside d_mutex, which every store() takes: removing files may wait
  // on the disk.
  if (d_spool) {
    d_spool->release(committed);
  }
  std::lock_guard lock(d_mutex);
  if (d_spool) {
    checkThresholds(d_spool->bytes());
  }
  d_progress.notify_all();
}

bool VerdictWriter::insertWithFallback(const std::vector<const MessageRecord*>& records)
{
  try {
    d_sink->insert(records);
    return true;
  } catch (const SinkRejected& error) {
    if (records.size() > 1) {
      log(StoreLogLevel::Warning,
          "history batch of " + std::to_string(records.size()) +
              " refused, retrying row by row: " + printableAscii(error.what(), s_maxShownText));
    } else {
      // Retrying the same row would block every later verdict behind it.
      std::lock_guard lock(d_mutex);
      ++d_stats.rejected;
      log(StoreLogLevel::Error, "history: database refused verdict " +
                                    printableAscii(records.front()->messageKey, s_maxShownText) +
                                    ", skipped: " + printableAscii(error.what(), s_maxShownText));
      return true;
    }
  }
  for (const auto* record : records) {
    if (!insertWithFallback({record})) {
      return false;
    }
  }
  return true;
}

bool VerdictWriter::commitRecords(const std::vector<const MessageRecord*>& records,
                                  std::uint64_t last, const char* during)
{
  try {
    if (!insertWithFallback(records)) {
      return false;
    }
  } catch (const SinkUnavailable& error) {
    log(StoreLogLevel::Warning, std::string("history database unavailable") + during + ": " +
                                    printableAscii(error.what(), s_maxShownText));
    return false;
  }
  noteCommitted(last, records.size());
  return true;
}

bool VerdictWriter::shipBatch(std::vector<Item>& batch)
{
  std::vector<const MessageRecord*> records;
  records.reserve(batch.size());
  for (const auto& item : batch) {
    records.push_back(&item.record);
  }
  if (!commitRecords(records, batch.back().sequence, "")) {
    return false;
  }
  std::lock_guard lock(d_mutex);
  d_stats.lastBatchLag = std::chrono::steady_clock::now() - batch.front().queued;
  return true;
}

bool VerdictWriter::writerWanted() const
{
  // The writer waits for the first verdict of a batch, or lingers until a
  // batch is full: a wake-up for any other verdict would only make it look
  // and sleep again.
  return d_queue.size() == 1 || d_queue.size() == d_options.batchSize;
}

bool VerdictWriter::replaySpool(std::uint64_t upto)
{
  std::uint64_t after = 0;
  {
    std::lock_guard lock(d_mutex);
    after = d_committed;
  }
  if (upto <= after) {
    return true;
  }
  std::vector<MessageRecord> records;
  std::uint64_t lastInBatch = after;
  std::uint64_t undecodable = 0;
  bool failed = false;
  auto flush = [&]() {
    if (records.empty()) {
      return true;
    }
    std::vector<const MessageRecord*> pointers;
    for (const auto& record : records) {
      pointers.push_back(&record);
    }
    if (!commitRecords(pointers, lastInBatch, " during replay")) {
      return false;
    }
    records.clear();
    return true;
  };
  d_spool->scan(after, upto, [&](std::uint64_t sequence, std::string_view payload) {
    auto record = decodeMessageRecord(payload);
    if (!record) {
      ++undecodable;
      return true;
    }
    records.push_back(std::move(*record));
    lastInBatch = sequence;
    if (records.size() >= d_options.batchSize && !flush()) {
      failed = true;
      return false;
    }
    return true;
  });
  if (failed || !flush()) {
    return false;
  }
  if (undecodable != 0) {
    log(StoreLogLevel::Error, "history spool: " + std::to_string(undecodable) +
                                  " record(s) with a good checksum did not decode, skipped");
  }
  // Sequences that were damaged on disk are gone for good: move past them.
  noteCommitted(upto, 0);
  return true;
}

void VerdictWriter::run()
{
  // Nothing may escape the thread (std::terminate would take the milter
  // down): an unexpected error is logged and the loop starts over, the
  // records being safe in the queue or the spool.
  while (true) {
    try {
      runLoop();
      return;
    } catch (const std::exception& error) {
      log(StoreLogLevel::Error,
          "history writer: " + printableAscii(error.what(), s_maxShownText) + "; restarting");
    } catch (...) {
      log(StoreLogLevel::Error, "history writer: unknown error; restarting");
    }
    std::unique_lock lock(d_mutex);
    d_connected = false;
    if (d_stopping && std::chrono::steady_clock::now() >= d_drainDeadline) {
      return;
    }
    d_wake.wait_for(lock, std::min(d_options.reconnectMax, std::chrono::milliseconds(1000)));
  }
}

void VerdictWriter::runLoop()
{
  LoopState loop;
  std::unique_lock lock(d_mutex);
  while (true) {
    const auto now = std::chrono::steady_clock::now();
    if (d_notKeptLog.due(now)) {
      // The last verdicts of a burst not kept, said within the interval.
      logNotKept(d_notKeptLog.take(now), d_notKeptDetail);
    }
    if (d_stopping && now >= d_drainDeadline) {
      break;
    }
    syncRelaxedSpool(lock, now, loop.lastSync);
    while (!d_queue.empty() && d_queue.front().sequence <= d_committed) {
      d_queue.pop_front(); // already shipped by a spool replay
    }
    const std::uint64_t last = lastStored();
    if (d_pending.empty() && d_queue.empty() && d_committed >= last) {
      if (!waitForWork(lock, now)) {
        break;
      }
      continue;
    }
    d_stats.idle = false;
    std::optional<bool> ok;
    if (d_pending.empty() && d_spool &&
        (d_queue.empty() || d_queue.front().sequence > d_committed + 1)) {
      ok = replayGap(lock, last, loop.wasUnavailable);
    } else {
      ok = shipQueued(lock, now, loop.wasUnavailable);
    }
    if (!ok) {
      continue; // a batch that is not full lingered
    }
    if (*ok) {
      if (loop.wasUnavailable) {
        log(StoreLogLevel::Info, "history database reachable again" + atPeer(d_sink->peer()));
      }
      loop.wasUnavailable = false;
      d_connected = true;
      d_backoff = std::chrono::milliseconds(0);
      continue;
    }
    loop.wasUnavailable = true;
    backoff(lock);
  }
  d_connected = false;
  d_progress.notify_all();
}

std::uint64_t VerdictWriter::lastStored() const
{
  return d_spool ? d_spool->lastSequence() : d_nextMemorySequence - 1;
}

bool VerdictWriter::relaxedSpool() const
{
  return d_spool && d_options.durability == StoreDurability::Relaxed;
}

void VerdictWriter::syncRelaxedSpool(std::unique_lock<std::mutex>& lock,
                                     std::chrono::steady_clock::time_point now,
                                     std::chrono::steady_clock::time_point& lastSync)
{
  if (relaxedSpool() && now - lastSync >= d_options.relaxedSyncInterval) {
    lock.unlock();
    d_spool->syncAll();
    lock.lock();
    lastSync = now;
  }
}

bool VerdictWriter::waitForWork(std::unique_lock<std::mutex>& lock,
                                std::chrono::steady_clock::time_point now)
{
  d_stats.idle = d_connected;
  d_caughtUpAt = now;
  d_progress.notify_all();
  if (d_stopping) {
    return false;
  }
  auto wait = relaxedSpool() ? d_options.relaxedSyncInterval : std::chrono::milliseconds(1000);
  d_wake.wait_for(lock, wait);
  return true;
}

bool VerdictWriter::connectAndShip(bool wasUnavailable, const std::function<bool()>& ship)
{
  try {
    d_sink->connect();
    return ship();
  } catch (const SinkUnavailable& error) {
    if (!wasUnavailable) {
      log(StoreLogLevel::Warning,
          "history database unavailable: " + printableAscii(error.what(), s_maxShownText) +
              (d_spool ? "; verdicts are kept in the spool" : "; verdicts are queued in memory"));
    }
    return false;
  }
}

bool VerdictWriter::replayGap(std::unique_lock<std::mutex>& lock, std::uint64_t last,
                              bool wasUnavailable)
{
  // A gap: records that are only in the spool (start-up, queue overflow).
  const std::uint64_t upto = d_queue.empty() ? last : d_queue.front().sequence - 1;
  lock.unlock();
  const bool ok = connectAndShip(wasUnavailable, [&] { return replaySpool(upto); });
  lock.lock();
  return ok;
}

std::optional<bool> VerdictWriter::shipQueued(std::unique_lock<std::mutex>& lock,
                                              std::chrono::steady_clock::time_point now,
                                              bool wasUnavailable)
{
  std::vector<Item>& batch = d_pending; // kept across a restart of the loop
  if (batch.empty() && !d_stopping && !d_queue.empty() && d_queue.size() < d_options.batchSize) {
    // Let a batch that is not full gather more (StoreOptions::batchLinger).
    const auto deadline = d_queue.front().queued + d_options.batchLinger;
    if (now < deadline) {
      d_wake.wait_until(lock, deadline,
                        [&] { return d_stopping || d_queue.size() >= d_options.batchSize; });
      return std::nullopt;
    }
  }
  if (batch.empty()) {
    std::uint64_t previous = d_committed;
    while (!d_queue.empty() && batch.size() < d_options.batchSize &&
           (!d_spool || d_queue.front().sequence == previous + 1)) {
      previous = d_queue.front().sequence;
      batch.push_back(std::move(d_queue.front()));
      d_queue.pop_front();
    }
  }
  if (!batch.empty()) {
    d_shippingFirst = batch.front().sequence;
    d_shippingQueued = batch.front().queued;
  }
  lock.unlock();
  const bool ok = connectAndShip(wasUnavailable, [&] { return shipBatch(batch); });
  if (ok) {
    batch.clear();
  }
  lock.lock();
  return ok;
}

void VerdictWriter::backoff(std::unique_lock<std::mutex>& lock)
{
  // The failed batch stays in d_pending (memory mode) or is replayed from
  // the spool later (spool modes keep it too, which is cheaper than a
  // re-read).
  d_connected = false;
  d_stats.idle = false;
  ++d_stats.failures;
  d_sink->disconnect();
  d_backoff = nextBackoff(d_backoff, d_options.reconnectMin, d_options.reconnectMax);
  const auto failedAt = std::chrono::steady_clock::now();
  const std::uint32_t random = randomBits();
  const auto until = failedAt + withJitter(d_backoff, random);
  const auto untilWhenFull = failedAt + withJitter(std::min(d_backoff, s_fullReconnectMax), random);
  // Woken by stop(), or by store() when the spool fills: the wait is
  // then shorter (s_fullReconnectMax).
  while (true) {
    auto deadline = d_full ? std::min(until, untilWhenFull) : until;
    if (d_stopping) {
      deadline = std::min(deadline, d_drainDeadline);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      break;
    }
    d_wake.wait_until(lock, deadline);
  }
}
} // namespace dmarc
