// test-verdict_writer_cc.cc: the writer loses nothing across outages,
// restarts and queue overflow (every acknowledged record reaches the sink
// exactly once by key), applies the spool-full action, and skips a row the
// database refuses instead of blocking behind it. Two stress tests store from
// several threads while the connection keeps breaking. The sink is an
// in-memory fake whose availability the test switches, or that breaks every
// few inserts.
#include <algorithm>
#include <map>
#include <set>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/store/verdict_writer.hh"
#include "tests/unit/adapters/store/small_tmpfs.hh"
#include "tests/unit/sample_message_record.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
struct SinkState
{
  std::mutex mutex;
  bool available = true;
  std::map<std::string, int> inserts; // key -> times committed (idempotence makes it 1)
  std::map<std::string, int> commits; // key -> batches that carried it (a resend counts)
  std::set<std::string> poison;       // keys the "database" refuses
  int surprises = 0;                  // inserts that throw a non-sink exception
  int batches = 0;
  // A connection that breaks: every breakEvery-th insert fails before its
  // commit, and so do the next downFor connects and inserts.
  int breakEvery = 0;
  int breakLength = 0;
  int insertCalls = 0;
  int downFor = 0;

  // With mutex held: throws if the database is down now.
  void checkUp()
  {
    if (!available) {
      throw SinkUnavailable("fake database down");
    }
    if (downFor > 0) {
      --downFor;
      throw SinkUnavailable("fake connection broken");
    }
  }
};

class FakeSink : public VerdictSink
{
public:
  explicit FakeSink(std::shared_ptr<SinkState> state) : d_state(std::move(state)) {}
  void connect() override
  {
    std::lock_guard lock(d_state->mutex);
    d_state->checkUp();
  }
  void disconnect() noexcept override {}
  void insert(const std::vector<const MessageRecord*>& records) override
  {
    std::lock_guard lock(d_state->mutex);
    d_state->checkUp();
    if (d_state->breakEvery > 0 && ++d_state->insertCalls % d_state->breakEvery == 0) {
      d_state->downFor = d_state->breakLength;
      throw SinkUnavailable("fake connection broken");
    }
    if (d_state->surprises > 0) {
      --d_state->surprises;
      throw std::logic_error("unexpected");
    }
    for (const auto* record : records) {
      if (d_state->poison.count(record->messageKey) != 0) {
        throw SinkRejected("fake constraint violation");
      }
    }
    ++d_state->batches;
    for (const auto* record : records) {
      d_state->inserts.emplace(record->messageKey, 1); // ON CONFLICT DO NOTHING
      ++d_state->commits[record->messageKey];
    }
  }

private:
  std::shared_ptr<SinkState> d_state;
};

StoreOptions options(const std::string& spool, StoreDurability durability)
{
  StoreOptions o;
  o.durability = durability;
  o.spoolDirectory = spool;
  o.reportingHost = "mx.test";
  o.reconnectMin = std::chrono::milliseconds(1);
  o.reconnectMax = std::chrono::milliseconds(5);
  o.segmentBytes = 8192;
  return o;
}

MessageRecord record(int n)
{
  auto r = sampleMessageRecord(n);
  r.messageKey.clear(); // the writer assigns one
  return r;
}

void setAvailable(SinkState& state, bool available)
{
  std::lock_guard lock(state.mutex);
  state.available = available;
}

std::size_t inserted(SinkState& state)
{
  std::lock_guard lock(state.mutex);
  return state.inserts.size();
}

// Stores records while the database is down until one gets `full`;
// returns how many were kept before it.
int fillSpool(VerdictWriter& writer, StoreOutcome full)
{
  for (int i = 0; i < 1000000; ++i) {
    if (writer.store(record(i)) == full) {
      return i;
    }
  }
  BOOST_FAIL("the spool never filled");
  return 0;
}

// Verdicts stored from several threads at once, each with its own key;
// returns the keys of those kept (Durable or Accepted).
std::set<std::string> storeFromThreads(VerdictWriter& writer, const std::string& prefix,
                                       int threads, int each)
{
  std::vector<std::set<std::string>> kept(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < each; ++i) {
        auto r = record(i);
        r.messageKey = prefix + std::to_string(t) + "-" + std::to_string(i);
        const std::string key = r.messageKey;
        const auto outcome = writer.store(std::move(r));
        if (outcome == StoreOutcome::Durable || outcome == StoreOutcome::Accepted) {
          kept[static_cast<std::size_t>(t)].insert(key);
        }
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  std::set<std::string> all;
  for (const auto& keys : kept) {
    all.insert(keys.begin(), keys.end());
  }
  return all;
}

// Every kept verdict is in the database, and nothing else; with `once`, no
// batch carried a verdict twice either.
void checkStoredExactly(SinkState& state, const std::set<std::string>& kept, bool once)
{
  std::lock_guard lock(state.mutex);
  BOOST_CHECK_EQUAL(state.inserts.size(), kept.size());
  int lost = 0;
  int twice = 0;
  for (const auto& key : kept) {
    auto found = state.commits.find(key);
    lost += found == state.commits.end() ? 1 : 0;
    twice += once && found != state.commits.end() && found->second != 1 ? 1 : 0;
  }
  BOOST_CHECK_EQUAL(lost, 0);
  BOOST_CHECK_EQUAL(twice, 0);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_verdict_writer_cc)

// Four threads store while the connection keeps breaking (before a
// commit) and coming back; the small queue overflows, so that replays from
// the spool interleave with batches from the queue. Each kept verdict
// reaches the database in exactly one batch, none is lost, in every mode.
BOOST_AUTO_TEST_CASE(test_Stress_ThreadsAndBreakingConnectionStoreEachOnce)
{
  for (auto durability :
       {StoreDurability::Fsync, StoreDurability::Relaxed, StoreDurability::Memory}) {
    TempDirectory dir;
    auto state = std::make_shared<SinkState>();
    state->breakEvery = 5;
    state->breakLength = 6;
    auto o =
        options(durability == StoreDurability::Memory ? "" : dir.path() + "/spool", durability);
    // Without a spool the queue is the only store: big enough to keep most.
    o.queueCapacity = durability == StoreDurability::Memory ? 1000 : 8;
    o.batchSize = 3;
    o.batchLinger = std::chrono::milliseconds(1);
    o.relaxedSyncInterval = std::chrono::milliseconds(5);
    VerdictWriter writer(o, std::make_unique<FakeSink>(state));
    writer.start();
    const auto kept = storeFromThreads(writer, "stress-", 4, 500);
    if (durability != StoreDurability::Memory) {
      BOOST_CHECK_EQUAL(kept.size(), 2000u); // the spool takes every one
    }
    BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(60)));
    BOOST_TEST_CONTEXT("durability " << static_cast<int>(durability))
    {
      checkStoredExactly(*state, kept, true);
      BOOST_CHECK_EQUAL(writer.stats().committed, kept.size());
      BOOST_CHECK_GT(writer.stats().failures, 0u);
    }
  }
}

// The same across a restart: the first writer stops (without draining)
// with verdicts still unsent, and the next one replays the spool while
// threads store more and the connection keeps breaking. Every kept verdict
// is in the database; a replay may resend what was committed before the
// restart, which the database's key makes harmless.
BOOST_AUTO_TEST_CASE(test_Stress_RestartReplaysWhileThreadsStore)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  state->breakEvery = 5;
  state->breakLength = 6;
  auto o = options(dir.path() + "/spool", StoreDurability::Fsync);
  o.queueCapacity = 8;
  o.batchSize = 3;
  std::set<std::string> kept;
  {
    VerdictWriter writer(o, std::make_unique<FakeSink>(state));
    writer.start();
    kept = storeFromThreads(writer, "before-", 4, 300);
    writer.stop(std::chrono::milliseconds(0));
  }
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  const auto after = storeFromThreads(writer, "after-", 4, 300);
  kept.insert(after.begin(), after.end());
  BOOST_CHECK_EQUAL(kept.size(), 2400u);
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(60)));
  checkStoredExactly(*state, kept, false);
}

BOOST_AUTO_TEST_CASE(test_Store_DurableRecordsReachSink)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  VerdictWriter writer(options(dir.path() + "/spool", StoreDurability::Fsync),
                       std::make_unique<FakeSink>(state));
  writer.start();
  for (int i = 0; i < 1000; ++i) {
    BOOST_REQUIRE(writer.store(record(i)) == StoreOutcome::Durable);
  }
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), 1000u);
  BOOST_CHECK_EQUAL(writer.stats().committed, 1000u);
  BOOST_CHECK_LE(writer.stats().spoolBytes, 2 * 8192u); // released as committed
}

// A full batch ships at once; one that is not full waits for more until
// batchLinger has passed since its oldest verdict, or the writer stops.
BOOST_AUTO_TEST_CASE(test_Batches_FullShipAtOncePartialLinger)
{
  auto state = std::make_shared<SinkState>();
  StoreOptions o = options("", StoreDurability::Memory);
  o.batchSize = 50;
  o.batchLinger = std::chrono::minutes(10);
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  for (int i = 0; i < 110; ++i) {
    BOOST_REQUIRE(writer.store(record(i)) == StoreOutcome::Accepted);
  }
  // The last ten wait for the linger: the writer is not idle.
  BOOST_CHECK(!writer.waitIdle(std::chrono::milliseconds(200)));
  BOOST_CHECK_EQUAL(inserted(*state), 100u);
  {
    std::lock_guard lock(state->mutex);
    BOOST_CHECK_EQUAL(state->batches, 2);
  }
  writer.stop(std::chrono::seconds(20)); // stopping ships what is left at once
  BOOST_CHECK_EQUAL(inserted(*state), 110u);
  BOOST_CHECK_EQUAL(writer.stats().batches, 3u);
}

BOOST_AUTO_TEST_CASE(test_Store_OutageThenRecoveryLosesNothing)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  auto o = options(dir.path() + "/spool", StoreDurability::Fsync);
  o.queueCapacity = 100; // most records overflow into the spool only
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  setAvailable(*state, false);
  for (int i = 0; i < 2000; ++i) {
    BOOST_REQUIRE(writer.store(record(i)) == StoreOutcome::Durable);
  }
  BOOST_CHECK_EQUAL(inserted(*state), 0u);
  BOOST_CHECK(!writer.waitIdle(std::chrono::milliseconds(20)));
  setAvailable(*state, true);
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), 2000u);
}

BOOST_AUTO_TEST_CASE(test_Restart_ReplaysSpoolExactlyOnce)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  std::set<std::string> keys;
  setAvailable(*state, false);
  {
    VerdictWriter writer(options(dir.path() + "/spool", StoreDurability::Fsync),
                         std::make_unique<FakeSink>(state));
    writer.start();
    for (int i = 0; i < 300; ++i) {
      auto r = record(i);
      r.messageKey = VerdictWriter::newMessageKey();
      keys.insert(r.messageKey);
      BOOST_REQUIRE(writer.store(std::move(r)) == StoreOutcome::Durable);
    }
    writer.stop(std::chrono::milliseconds(0));
  }
  setAvailable(*state, true);
  VerdictWriter writer(options(dir.path() + "/spool", StoreDurability::Fsync),
                       std::make_unique<FakeSink>(state));
  writer.start();
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  std::lock_guard lock(state->mutex);
  BOOST_CHECK_EQUAL(state->inserts.size(), 300u);
  for (const auto& key : keys) {
    BOOST_CHECK_MESSAGE(state->inserts.count(key) == 1, "got no row for " << key << ", want one");
  }
}

BOOST_AUTO_TEST_CASE(test_Memory_QueueFullDrops)
{
  auto state = std::make_shared<SinkState>();
  auto o = options("", StoreDurability::Memory);
  o.queueCapacity = 10;
  VerdictWriter writer(o, std::make_unique<FakeSink>(state)); // not started: nothing drains
  int accepted = 0;
  int dropped = 0;
  for (int i = 0; i < 15; ++i) {
    auto outcome = writer.store(record(i));
    accepted += outcome == StoreOutcome::Accepted ? 1 : 0;
    dropped += outcome == StoreOutcome::Dropped ? 1 : 0;
  }
  BOOST_CHECK_EQUAL(accepted, 10);
  BOOST_CHECK_EQUAL(dropped, 5);
  writer.start();
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), 10u);
}

BOOST_AUTO_TEST_CASE(test_SpoolFull_TempfailRefusesAndWarns)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  setAvailable(*state, false);
  std::vector<std::string> lines;
  std::mutex linesMutex;
  auto o = options(dir.path() + "/spool", StoreDurability::Relaxed);
  o.spoolLimitBytes = 20000;
  o.spoolFullAction = SpoolFullAction::Tempfail;
  o.log = [&](StoreLogLevel, std::string_view line) {
    std::lock_guard lock(linesMutex);
    lines.emplace_back(line);
  };
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    refused += writer.store(record(i)) == StoreOutcome::Refused ? 1 : 0;
  }
  BOOST_CHECK_GT(refused, 0);
  BOOST_CHECK_LE(writer.stats().spoolBytes, 20000u);
  std::lock_guard lock(linesMutex);
  int thresholds = 0;
  for (const auto& line : lines) {
    thresholds += line.find("% of its limit") != std::string::npos ? 1 : 0;
  }
  BOOST_CHECK_EQUAL(thresholds, 3); // 50, 75, 90
}

BOOST_AUTO_TEST_CASE(test_SpoolFull_AcceptDrops)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  auto o = options(dir.path() + "/spool", StoreDurability::Relaxed);
  o.spoolLimitBytes = 5000;
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  int dropped = 0;
  for (int i = 0; i < 100; ++i) {
    dropped += writer.store(record(i)) == StoreOutcome::Dropped ? 1 : 0;
  }
  BOOST_CHECK_GT(dropped, 0);
  BOOST_CHECK_EQUAL(writer.stats().dropped, static_cast<std::uint64_t>(dropped));
}

// The limit below what one segment holds before it is released when the
// database keeps up (issue: a spool that filled once stayed full until a
// restart, its active segment never given back). At SpoolMaxSize 1 with
// the milter's segment size: every spooled verdict reaches the database,
// and the next one is accepted again.
BOOST_AUTO_TEST_CASE(test_SpoolFull_RecoversAtTheSmallestAllowedSize)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  setAvailable(*state, false);
  auto o = options(dir.path() + "/spool", StoreDurability::Relaxed);
  o.segmentBytes = StoreOptions{}.segmentBytes;
  o.spoolLimitBytes = std::size_t{1} << 20; // SpoolMaxSize 1, the key's minimum
  o.spoolFullAction = SpoolFullAction::Tempfail;
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  const int kept = fillSpool(writer, StoreOutcome::Refused);
  BOOST_CHECK_GT(kept, 100);
  setAvailable(*state, true);
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), static_cast<std::size_t>(kept));
  auto outcome = writer.store(record(kept + 1));
  BOOST_CHECK_MESSAGE(outcome == StoreOutcome::Accepted,
                      "got " << toString(outcome) << " once the database was back, want accepted");
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), static_cast<std::size_t>(kept + 1));
  // A second outage fills it again, and it recovers again.
  setAvailable(*state, false);
  const int keptAgain = fillSpool(writer, StoreOutcome::Refused);
  BOOST_CHECK_GT(keptAgain, 100);
  setAvailable(*state, true);
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  outcome = writer.store(record(0));
  BOOST_CHECK_MESSAGE(outcome == StoreOutcome::Accepted,
                      "got " << toString(outcome) << " after the second outage, want accepted");
}

// A limit smaller than one segment, under SpoolFullAction accept: each
// verdict not kept is counted and logged with the count, and the spool
// takes verdicts again once the database is back (saying how many it lost),
// outage after outage.
BOOST_AUTO_TEST_CASE(test_SpoolFull_SmallerThanASegmentDropsCountedThenRecovers)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  std::vector<std::string> lines;
  std::mutex linesMutex;
  auto o = options(dir.path() + "/spool", StoreDurability::Fsync);
  o.spoolLimitBytes = 3000; // a segment is closed past 8192
  o.log = [&](StoreLogLevel, std::string_view line) {
    std::lock_guard lock(linesMutex);
    lines.emplace_back(line);
  };
  auto logged = [&](const std::string& a, const std::string& b) {
    std::lock_guard lock(linesMutex);
    return std::any_of(lines.begin(), lines.end(), [&](const std::string& line) {
      return line.find(a) != std::string::npos && line.find(b) != std::string::npos;
    });
  };
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  std::size_t stored = 0;
  for (int outage = 1; outage <= 3; ++outage) {
    BOOST_TEST_CONTEXT("outage " << outage)
    {
      setAvailable(*state, false);
      const int kept = fillSpool(writer, StoreOutcome::Dropped);
      BOOST_CHECK_GT(kept, 0);
      stored += static_cast<std::size_t>(kept);
      BOOST_CHECK_MESSAGE(logged("not kept", "1 verdict"),
                          "got no log line with the count for the first verdict not kept");
      for (int i = 0; i < 20; ++i) {
        BOOST_REQUIRE(writer.store(record(i)) == StoreOutcome::Dropped);
      }
      BOOST_CHECK_EQUAL(writer.stats().dropped, 21u * static_cast<unsigned>(outage));
      setAvailable(*state, true);
      BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
      BOOST_CHECK_EQUAL(inserted(*state), stored);
      auto outcome = writer.store(record(1000));
      BOOST_CHECK_MESSAGE(outcome == StoreOutcome::Durable,
                          "got " << toString(outcome)
                                 << " once the database was back, want durable");
      stored += outcome == StoreOutcome::Durable ? 1 : 0;
      BOOST_CHECK_MESSAGE(logged("takes verdicts again", "21 verdict"),
                          "got no line saying the spool takes verdicts again after 21 were lost");
      BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
      std::lock_guard lock(linesMutex);
      lines.clear();
    }
  }
}

// The spool's file system fills long before its limit (SpoolMaxSize at
// its default, the milter's segment size, a 512 KB tmpfs): the verdicts
// spooled until then all reach the database when it returns, and the next
// verdict is kept again at once, outage after outage. Before, the segment
// that was being written when the disk filled kept its blocks after its
// removal (its descriptor waited for a group commit that never came), and
// every verdict was refused until a restart.
BOOST_AUTO_TEST_CASE(test_SpoolFull_NearlyFullDiskRecovers,
                     *boost::unit_test::precondition(mayMount))
{
  SmallTmpfs disk(512 * 1024);
  auto state = std::make_shared<SinkState>();
  auto o = options(disk.path() + "/spool", StoreDurability::Fsync);
  o.segmentBytes = StoreOptions{}.segmentBytes;
  o.spoolFullAction = SpoolFullAction::Tempfail;
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  std::size_t stored = 0;
  for (int outage = 1; outage <= 3; ++outage) {
    BOOST_TEST_CONTEXT("outage " << outage)
    {
      setAvailable(*state, false);
      const int kept = fillSpool(writer, StoreOutcome::Refused);
      BOOST_CHECK_GT(kept, 50);
      BOOST_CHECK_LT(writer.stats().spoolBytes,
                     o.spoolLimitBytes / 1000); // the disk, not the limit
      stored += static_cast<std::size_t>(kept);
      setAvailable(*state, true);
      BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
      BOOST_CHECK_EQUAL(inserted(*state), stored);
      auto outcome = writer.store(record(100000 + outage));
      BOOST_CHECK_MESSAGE(outcome == StoreOutcome::Durable,
                          "got " << toString(outcome)
                                 << " once the database was back, want durable");
      stored += outcome == StoreOutcome::Durable ? 1 : 0;
      BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
    }
  }
}

BOOST_AUTO_TEST_CASE(test_Rejected_RowSkippedOthersStored)
{
  TempDirectory dir;
  auto state = std::make_shared<SinkState>();
  state->poison.insert("00000000-0000-4000-8000-000000000005");
  VerdictWriter writer(options(dir.path() + "/spool", StoreDurability::Fsync),
                       std::make_unique<FakeSink>(state));
  for (int i = 0; i < 10; ++i) {
    auto r = record(i);
    r.messageKey = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
    writer.store(std::move(r));
  }
  writer.start();
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), 9u);
  BOOST_CHECK_EQUAL(writer.stats().rejected, 1u);
}

BOOST_AUTO_TEST_CASE(test_Writer_SurvivesUnexpectedSinkError)
{
  auto state = std::make_shared<SinkState>();
  state->surprises = 2;
  std::atomic<int> restarts{0};
  auto o = options("", StoreDurability::Memory);
  o.log = [&](StoreLogLevel, std::string_view line) {
    restarts += line.find("restarting") != std::string_view::npos ? 1 : 0;
  };
  VerdictWriter writer(o, std::make_unique<FakeSink>(state));
  writer.start();
  for (int i = 0; i < 50; ++i) {
    writer.store(record(i));
  }
  BOOST_REQUIRE(writer.waitIdle(std::chrono::seconds(20)));
  BOOST_CHECK_EQUAL(inserted(*state), 50u);
  BOOST_CHECK_EQUAL(restarts.load(), 2);
}

BOOST_AUTO_TEST_CASE(test_Options_UnreadablePasswordFileIsConfigError)
{
  auto o = options("", StoreDurability::Memory);
  o.passwordFile = "/nonexistent/password";
  BOOST_CHECK_THROW(VerdictWriter(o, std::make_unique<FakeSink>(std::make_shared<SinkState>())),
                    ConfigError);
}

BOOST_AUTO_TEST_CASE(test_NewMessageKey_IsRandomUuidV4)
{
  auto a = VerdictWriter::newMessageKey();
  auto b = VerdictWriter::newMessageKey();
  BOOST_CHECK_EQUAL(a.size(), 36u);
  BOOST_CHECK_EQUAL(a[14], '4');
  BOOST_CHECK(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
  BOOST_CHECK_NE(a, b);
}

BOOST_AUTO_TEST_SUITE_END()
