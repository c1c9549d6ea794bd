// store-driver.cc: plays the milter's part towards the history store, for
// the integration tests and the benchmark: T threads (like T concurrent SMTP
// sessions) each hand records to one VerdictWriter and, once store()
// returned (the point where the milter answers end-of-message), print
// "ack <message key>" on standard output. Then it waits until the writer
// has committed everything (or --drain seconds pass) and prints figures.
//
// Trusts its command line; it is a test tool, never installed.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <mutex>
#include <string>
#include <sysexits.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "lib/adapters/store/verdict_writer.hh"
#include "lib/core/error.hh"

using namespace dmarc;

namespace
{
constexpr const char* s_usage =
    "usage: store-driver --database CONNINFO [--password-file F] [--spool DIR]\n"
    "         [--durability fsync|relaxed|memory] [--count N] [--threads T] [--host NAME]\n"
    "         [--queue N] [--batch N] [--spool-limit BYTES] [--full-action accept|tempfail]\n"
    "         [--drain SECONDS] [--rate PER_SECOND] [--helo TEXT] [--from-domain TEXT]\n"
    "         [--arc-sealer TEXT] [--bad-key-every N] [--identity-keys] [--quiet]\n";

struct Args
{
  StoreOptions options;
  long count = 1000;
  int threads = 4;
  int drainSeconds = 120;
  std::string helo = "mail.sender.example";
  std::string fromDomain;                      // empty: d<i % 1000>.example
  std::string arcSealer = "lists.example.org"; // the trusted sealer of ARC records
  long badKeyEvery = 0;                        // every Nth record gets a key the database refuses
  double rate = 0;           // messages per second over all threads; 0: as fast as possible
  bool identityKeys = false; // version 8 keys, as a message with a Message-ID gets
  bool quiet = false;
};

void writeLine(const std::string& line)
{
  // One write(2) per line: lines from several threads never interleave
  // (a pipe writes up to PIPE_BUF bytes atomically), and a kill -9 loses
  // no line that store() already returned for.
  std::size_t done = 0;
  while (done < line.size()) {
    auto n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n <= 0) {
      return;
    }
    done += static_cast<std::size_t>(n);
  }
}

// Of the failing records (i % 4 == 0), every other one came through a
// trusted sealer that lifted the policy, the rest through a chain that
// failed: the ARC columns are filled as the milter fills them.
void addArc(const Args& args, long i, MessageRecord& r)
{
  if (i % 8 == 0) {
    r.arcResult = ArcResult::Pass;
    r.arcSealers = {"fwd.example", args.arcSealer};
    r.arcTrustedSealer = args.arcSealer;
    r.overrideComment = "arc=pass as[2].d=" + args.arcSealer;
    r.verdict.applied = Disposition::None;
    r.verdict.overrides = {{OverrideReason::MailingList, r.overrideComment}};
  } else if (i % 8 == 4) {
    r.arcResult = ArcResult::Fail;
    r.arcSealers = {"fwd.example"};
  }
}

MessageRecord makeRecord(const Args& args, long i)
{
  MessageRecord r;
  r.messageKey = VerdictWriter::newMessageKey();
  if (args.identityKeys) {
    // The version digit: the database looks such a key up in the resend
    // window (sql/0014_resend_window.sql), as it does a real message's.
    r.messageKey[14] = '8';
  }
  if (args.badKeyEvery > 0 && i % args.badKeyEvery == 0) {
    r.messageKey = "not-a-uuid-" + std::to_string(i);
  }
  r.receivedAt = std::chrono::system_clock::now();
  r.queueId = "Q" + std::to_string(i);
  r.clientIp = "192.0.2." + std::to_string(i % 250 + 1);
  r.helo = args.helo;
  r.mailFromDomain = "bounce.sender.example";
  r.rcptDomains = {"ours.example"};
  if (i % 3 != 0) {
    r.tls = TlsFacts{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, "NO", "", ""};
  }
  Verdict& v = r.verdict;
  v.fromDomain =
      args.fromDomain.empty() ? "d" + std::to_string(i % 1000) + ".example" : args.fromDomain;
  v.fromDomains = {v.fromDomain};
  v.result = i % 4 == 0 ? DmarcResult::Fail : DmarcResult::Pass;
  v.reason = "driver";
  v.dkimAligned = i % 4 != 0;
  v.spfAligned = i % 2 == 0;
  PublishedPolicy policy;
  policy.domain = v.fromDomain;
  policy.record = "v=DMARC1; p=reject; rua=mailto:rua@" + v.fromDomain;
  policy.p = Policy::Reject;
  policy.rua = {"mailto:rua@" + v.fromDomain};
  v.policy = policy;
  v.orgDomain = v.fromDomain;
  v.effectivePolicy = Policy::Reject;
  v.requested = i % 4 == 0 ? Disposition::Reject : Disposition::Pass;
  v.applied = v.requested;
  v.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "bounce.sender.example", ""};
  DkimSignatureOutcome sig;
  sig.result = i % 4 == 0 ? DkimResult::Fail : DkimResult::Pass;
  sig.domain = v.fromDomain;
  sig.selector = "s1";
  sig.algorithm = "rsa-sha256";
  sig.keyBits = 2048;
  v.dkim = {sig};
  addArc(args, i, r);
  return r;
}

bool parse(int argc, char** argv, Args& args)
{
  args.options.durability = StoreDurability::Fsync;
  args.options.reportingHost = "driver.test";
  args.options.log = [](StoreLogLevel level, std::string_view line) {
    static std::mutex s_mutex;
    std::lock_guard lock(s_mutex);
    std::cerr << "store[" << static_cast<int>(level) << "]: " << line << std::endl;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--quiet") {
      args.quiet = true;
      continue;
    }
    if (arg == "--identity-keys") {
      args.identityKeys = true;
      continue;
    }
    if (i + 1 >= argc) {
      return false;
    }
    std::string value = argv[++i];
    if (arg == "--database") {
      args.options.connection = value;
    } else if (arg == "--password-file") {
      args.options.passwordFile = value;
    } else if (arg == "--spool") {
      args.options.spoolDirectory = value;
    } else if (arg == "--durability") {
      args.options.durability = value == "memory"    ? StoreDurability::Memory
                                : value == "relaxed" ? StoreDurability::Relaxed
                                                     : StoreDurability::Fsync;
    } else if (arg == "--count") {
      args.count = std::stol(value);
    } else if (arg == "--threads") {
      args.threads = std::stoi(value);
    } else if (arg == "--host") {
      args.options.reportingHost = value;
    } else if (arg == "--queue") {
      args.options.queueCapacity = std::stoul(value);
    } else if (arg == "--batch") {
      args.options.batchSize = std::stoul(value);
    } else if (arg == "--spool-limit") {
      args.options.spoolLimitBytes = std::stoul(value);
    } else if (arg == "--full-action") {
      args.options.spoolFullAction =
          value == "tempfail" ? SpoolFullAction::Tempfail : SpoolFullAction::Accept;
    } else if (arg == "--drain") {
      args.drainSeconds = std::stoi(value);
    } else if (arg == "--bad-key-every") {
      args.badKeyEvery = std::stol(value);
    } else if (arg == "--rate") {
      args.rate = std::stod(value);
    } else if (arg == "--helo") {
      args.helo = value;
    } else if (arg == "--from-domain") {
      args.fromDomain = value;
    } else if (arg == "--arc-sealer") {
      args.arcSealer = value;
    } else {
      return false;
    }
  }
  return !args.options.connection.empty() && args.threads > 0 && args.count >= 0;
}
} // namespace

int main(int argc, char** argv)
{
  Args args;
  try {
    if (!parse(argc, argv, args)) {
      std::cerr << s_usage;
      return EX_USAGE;
    }
    VerdictWriter writer(args.options);
    writer.start();
    std::atomic<long> next{0};
    std::atomic<long> durable{0};
    std::atomic<long> notKept{0};
    const bool quiet = args.quiet;
    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> threads;
    for (int t = 0; t < args.threads; ++t) {
      threads.emplace_back([&] {
        // --rate paces the load (so that a test can act in the middle of
        // a run); it is not used to wait for anything.
        const auto interval = std::chrono::duration<double>(
            args.rate > 0 ? static_cast<double>(args.threads) / args.rate : 0.0);
        auto due = std::chrono::steady_clock::now();
        for (long i = next++; i < args.count; i = next++) {
          if (args.rate > 0) {
            due += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval);
            std::this_thread::sleep_until(due);
          }
          auto record = makeRecord(args, i);
          std::string key = record.messageKey;
          auto outcome = writer.store(std::move(record));
          if (outcome == StoreOutcome::Durable || outcome == StoreOutcome::Accepted) {
            ++durable;
            if (!quiet) {
              writeLine("ack " + key + "\n");
            }
          } else {
            ++notKept;
            if (!quiet) {
              writeLine(std::string(toString(outcome)) + " " + key + "\n");
            }
          }
        }
      });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    auto stored = std::chrono::steady_clock::now();
    bool idle = writer.waitIdle(std::chrono::seconds(args.drainSeconds));
    auto committed = std::chrono::steady_clock::now();
    auto stats = writer.stats();
    writer.stop(std::chrono::seconds(1));
    auto seconds = [](auto from, auto to) {
      return std::chrono::duration<double>(to - from).count();
    };
    char line[512];
    std::snprintf(line, sizeof line,
                  "result stored=%ld not_kept=%ld committed=%llu rejected=%llu idle=%d "
                  "store_seconds=%.3f store_rate=%.0f commit_seconds=%.3f commit_rate=%.0f\n",
                  durable.load(), notKept.load(), static_cast<unsigned long long>(stats.committed),
                  static_cast<unsigned long long>(stats.rejected), idle ? 1 : 0,
                  seconds(started, stored),
                  static_cast<double>(args.count) / std::max(seconds(started, stored), 1e-9),
                  seconds(started, committed),
                  static_cast<double>(args.count) / std::max(seconds(started, committed), 1e-9));
    writeLine(line);
    return idle ? EX_OK : EX_TEMPFAIL;
  } catch (const std::exception& error) {
    std::cerr << "store-driver: " << error.what() << "\n";
    return EX_SOFTWARE;
  }
}
