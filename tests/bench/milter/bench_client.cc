// bench_client.cc: milter-bench-client, a load generator speaking the MTA
// side of the milter protocol to one milter or to a chain of milters.
//
// N threads, one per concurrent SMTP session, take messages from the
// in-memory corpus (round robin, shared counter) and send each one through
// every milter given with --milter, in order, the way Postfix's cleanup runs
// smtpd_milters: the second milter receives the message with the header
// edits of the first applied (so OpenDMARC sees OpenDKIM's
// Authentication-Results). A milter session carries --per-session messages,
// then QUIT and a new session. Prints one JSON line with the figures; with
// --results, one line per message with its latency and each milter's action
// and added headers, for the verdict comparison. The packets before a
// reply go out in one write; --write-each writes each one separately, as
// Postfix flushes each milter command. Trusts the corpus; treats every
// milter reply as untrusted (milter_session.cc).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <stdexcept>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include "tests/bench/milter/bench_corpus.hh"
#include "tests/bench/milter/milter_session.hh"

namespace dmarc::bench
{
namespace
{
struct Options
{
  std::vector<std::string> milters;
  std::string corpusDir;
  std::size_t connections = 1;
  std::size_t messages = 0;
  std::size_t perSession = 10;
  bool writeEach = false;
  std::size_t limit = 0;
  std::string results;
  std::string capture = "Authentication-Results";
  std::string hostname = "mx.bench.test";
};

struct MessageRecord
{
  std::size_t corpusIndex;
  std::uint64_t latencyUs;
  std::string outcome; // per milter: action, tab, captured headers
};

struct ThreadState
{
  std::vector<std::uint64_t> latencies;
  std::vector<MessageRecord> records;
  std::size_t errors = 0;
  std::string lastError;
};

[[noreturn]] void usage(const char* why)
{
  std::cerr << "milter-bench-client: " << why << "\n"
            << "usage: milter-bench-client --milter SPEC [--milter SPEC2 ...] --corpus DIR\n"
            << "       [--connections N] [--messages M] [--per-session K] [--limit L]\n"
            << "       [--results FILE] [--capture HEADER] [--hostname NAME] [--write-each]\n"
            << "  SPEC: unix:/path or inet:port@127.0.0.1; several --milter form a chain\n";
  std::exit(64);
}

std::size_t number(const char* text)
{
  char* end = nullptr;
  unsigned long long value = std::strtoull(text, &end, 10);
  if (end == text || *end != '\0' || value > 100000000ULL) {
    usage("bad number");
  }
  return static_cast<std::size_t>(value);
}

Options parse(int argc, char** argv)
{
  Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--write-each") {
      options.writeEach = true; // one write per packet, as Postfix flushes each command
      continue;
    }
    if (i + 1 >= argc) {
      usage("option without value");
    }
    const char* value = argv[++i];
    if (arg == "--milter") {
      options.milters.emplace_back(value);
    } else if (arg == "--corpus") {
      options.corpusDir = value;
    } else if (arg == "--connections") {
      options.connections = std::max<std::size_t>(1, number(value));
    } else if (arg == "--messages") {
      options.messages = number(value);
    } else if (arg == "--per-session") {
      options.perSession = number(value);
    } else if (arg == "--limit") {
      options.limit = number(value);
    } else if (arg == "--results") {
      options.results = value;
    } else if (arg == "--capture") {
      options.capture = value;
    } else if (arg == "--hostname") {
      options.hostname = value;
    } else {
      usage(("unknown option " + arg).c_str());
    }
  }
  if (options.milters.empty() || options.corpusDir.empty()) {
    usage("--milter and --corpus are required");
  }
  return options;
}

bool sameName(const std::string& a, const std::string& b)
{
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

// Applies a milter's header edits as the MTA would before the next milter.
void applyEdits(std::vector<std::pair<std::string, std::string>>& headers,
                const MilterOutcome& outcome)
{
  for (const auto& edit : outcome.edits) {
    if (edit.kind == 'h') {
      headers.emplace_back(edit.name, edit.value);
    } else if (edit.kind == 'i') {
      std::size_t at = std::min<std::size_t>(edit.index, headers.size());
      headers.insert(headers.begin() + static_cast<std::ptrdiff_t>(at), {edit.name, edit.value});
    } else if (edit.kind == 'm') {
      // index: the n-th (1-based) occurrence of that name; empty value deletes it.
      std::uint32_t seen = 0;
      for (auto it = headers.begin(); it != headers.end(); ++it) {
        if (sameName(it->first, edit.name) && ++seen == edit.index) {
          if (edit.value.empty()) {
            headers.erase(it);
          } else {
            it->second = edit.value;
          }
          break;
        }
      }
    }
  }
}

std::string oneLine(std::string text)
{
  for (char& c : text) {
    if (c == '\t' || c == '\r' || c == '\n') {
      c = ' ';
    }
  }
  return text;
}

// What makes this run's sends differ from every other run's: the clock at
// start-up. Queue ids restart at B00..0 in every run, and a store benchmark
// sends the same corpus run after run (variant after variant) into one
// database, whose rows must then be one per send, not one per queue id.
const std::string& runTag()
{
  static const std::string s_tag = std::to_string(
      std::chrono::system_clock::now().time_since_epoch() / std::chrono::microseconds(1));
  return s_tag;
}

// local+tag.run@domain: a per-send recipient, as sub-addressing writes it.
std::string withTag(const std::string& address, const char* tag)
{
  std::size_t at = address.rfind('@');
  if (at == std::string::npos) {
    return address + "+" + tag + "." + runTag();
  }
  return address.substr(0, at) + "+" + tag + "." + runTag() + address.substr(at);
}

void runThread(const Options& options, const std::vector<CorpusMessage>& corpus,
               std::atomic<std::size_t>& next, std::size_t total, std::size_t threadIndex,
               ThreadState& state)
{
  std::vector<std::unique_ptr<MilterSession>> sessions;
  std::size_t inSession = 0;
  std::size_t counter = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  char queueId[32];
  std::string rcptTo;
  while (true) {
    std::size_t sequence = next.fetch_add(1, std::memory_order_relaxed);
    if (sequence >= total) {
      break;
    }
    const CorpusMessage& message = corpus[sequence % corpus.size()];
    try {
      if (sessions.empty() || (options.perSession != 0 && inSession >= options.perSession)) {
        for (auto& session : sessions) {
          session->quit();
        }
        sessions.clear();
        for (const auto& spec : options.milters) {
          sessions.push_back(std::make_unique<MilterSession>(spec, options.writeEach));
          sessions.back()->beginSession(message, options.hostname);
        }
        inSession = 0;
      }
      ++inSession;
      std::snprintf(queueId, sizeof queueId, "B%02zX%08zX", threadIndex, counter++);
      // Every send is a new message to the milter: the history store keys a
      // verdict by the message's identity (Message-ID, envelope, client), so
      // a corpus sent again with the same recipient would be one row per
      // corpus message, not one per send. A recipient tag changes neither
      // the DKIM signature nor any DMARC input.
      rcptTo = withTag(message.rcptTo, queueId);
      auto start = std::chrono::steady_clock::now();
      headers = message.headers;
      std::string outcomeText;
      for (std::size_t m = 0; m < sessions.size(); ++m) {
        MilterOutcome outcome = sessions[m]->sendMessage(message, headers, queueId, rcptTo);
        if (!options.results.empty()) {
          std::string captured;
          for (const auto& edit : outcome.edits) {
            if (edit.kind != 'm' && sameName(edit.name, options.capture)) {
              captured += (captured.empty() ? "" : " | ") + oneLine(edit.value);
            }
          }
          outcomeText += std::string(m == 0 ? "" : "\t") + outcome.action +
                         (outcome.quarantined ? "q" : "") + "\t" + captured;
        }
        if (outcome.action != 'c' && outcome.action != 'a') {
          break; // rejected, tempfailed or discarded: later milters never see it
        }
        applyEdits(headers, outcome);
      }
      auto elapsed = std::chrono::steady_clock::now() - start;
      auto micros = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count());
      state.latencies.push_back(micros);
      if (!options.results.empty()) {
        state.records.push_back({sequence % corpus.size(), micros, std::move(outcomeText)});
      }
    } catch (const std::exception& error) {
      ++state.errors;
      state.lastError = error.what();
      sessions.clear(); // reconnect for the next message
      if (state.errors > 100) {
        return;
      }
    }
  }
  for (auto& session : sessions) {
    session->quit();
  }
}

double cpuSeconds()
{
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double percentile(const std::vector<std::uint64_t>& sorted, double p)
{
  if (sorted.empty()) {
    return 0;
  }
  std::size_t index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(index, sorted.size() - 1)]) / 1000.0;
}

int run(int argc, char** argv)
{
  Options options = parse(argc, argv);
  std::vector<CorpusMessage> corpus = loadCorpus(options.corpusDir, options.limit);
  std::size_t total = options.messages == 0 ? corpus.size() : options.messages;
  std::atomic<std::size_t> next{0};
  std::vector<ThreadState> states(options.connections);
  std::vector<std::thread> threads;
  double cpuBefore = cpuSeconds();
  auto start = std::chrono::steady_clock::now();
  for (std::size_t t = 0; t < options.connections; ++t) {
    threads.emplace_back(runThread, std::cref(options), std::cref(corpus), std::ref(next), total, t,
                         std::ref(states[t]));
  }
  for (auto& thread : threads) {
    thread.join();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  double cpu = cpuSeconds() - cpuBefore;
  std::vector<std::uint64_t> latencies;
  std::size_t errors = 0;
  std::string lastError;
  for (auto& state : states) {
    latencies.insert(latencies.end(), state.latencies.begin(), state.latencies.end());
    errors += state.errors;
    if (!state.lastError.empty()) {
      lastError = state.lastError;
    }
  }
  std::sort(latencies.begin(), latencies.end());
  if (!options.results.empty()) {
    std::ofstream out(options.results);
    for (auto& state : states) {
      for (auto& record : state.records) {
        out << corpus[record.corpusIndex].file << '\t' << record.latencyUs << '\t' << record.outcome
            << '\n';
      }
    }
    if (!out) {
      throw std::runtime_error("cannot write " + options.results);
    }
  }
  double sum = 0;
  for (auto l : latencies) {
    sum += static_cast<double>(l);
  }
  std::string escaped;
  for (char c : lastError) {
    if (c == '"' || c == '\\') {
      escaped += '\\';
    }
    escaped += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  }
  std::printf("{\"messages\": %zu, \"errors\": %zu, \"seconds\": %.4f, \"rate\": %.1f, "
              "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"mean_ms\": %.3f, \"client_cpu_s\": %.3f, "
              "\"connections\": %zu, \"last_error\": \"%s\"}\n",
              latencies.size(), errors, seconds,
              seconds > 0 ? static_cast<double>(latencies.size()) / seconds : 0.0,
              percentile(latencies, 0.50), percentile(latencies, 0.99),
              latencies.empty() ? 0.0 : sum / static_cast<double>(latencies.size()) / 1000.0, cpu,
              options.connections, escaped.c_str());
  return errors == 0 ? 0 : 1;
}
} // namespace
} // namespace dmarc::bench

int main(int argc, char** argv)
{
  try {
    return dmarc::bench::run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "milter-bench-client: " << error.what() << "\n";
    return 1;
  }
}
