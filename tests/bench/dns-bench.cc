// dns-bench.cc: throughput of cached DNS lookups and SPF checks, the way the
// milter does them (not part of make check; run by hand:
//   make tests/bench/dns-bench && tests/bench/dns-bench [seconds-per-figure]).
//
// A private unbound on 127.0.0.1 serves the records; after the first query
// every answer comes from libunbound's cache, so the figures are the cost
// of our resolver and SPF adapter, not of the network. Printed:
//   - cached DMARC record lookups per second (1 thread and 8 threads),
//   - cached SPF checks per second through UnboundResolver (1 and 8 threads),
//   - SPF checks per second on the in-memory resolver (evaluation cost only).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <thread>
#include <vector>

#include "lib/adapters/dns/spf_checker.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "tests/unit/adapters/dns/loopback_unbound.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

namespace
{
double s_seconds = 2.0;

// Runs `work` in `threads` threads for s_seconds; returns calls per second.
double rate(int threads, const std::function<bool()>& work)
{
  std::atomic<bool> stop{false};
  std::atomic<long> calls{0};
  std::atomic<long> wrong{0};
  std::vector<std::thread> pool;
  auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      long mine = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        if (!work()) {
          ++wrong;
        }
        ++mine;
      }
      calls += mine;
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(s_seconds)); // measuring, not syncing
  stop = true;
  for (auto& thread : pool) {
    thread.join();
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (wrong > 0) {
    std::printf("  (warning: %ld wrong answers)\n", wrong.load());
  }
  return static_cast<double>(calls) / elapsed;
}
} // namespace

int main(int argc, char** argv)
{
  if (argc > 1) {
    s_seconds = std::atof(argv[1]);
  }
  std::vector<std::string> zone = {
      "local-zone: \"example.dmtest.\" static",
      "local-data: '_dmarc.example.dmtest. 300 IN TXT \"v=DMARC1; p=reject; "
      "rua=mailto:d@example.dmtest\"'",
      "local-data: 'example.dmtest. 300 IN TXT \"v=spf1 include:_spf.example.dmtest mx "
      "a:out.example.dmtest -all\"'",
      "local-data: '_spf.example.dmtest. 300 IN TXT \"v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 "
      "~all\"'",
      "local-data: \"example.dmtest. 300 IN MX 10 mx1.example.dmtest.\"",
      "local-data: \"mx1.example.dmtest. 300 IN A 203.0.113.25\"",
      "local-data: \"out.example.dmtest. 300 IN A 192.0.2.25\"",
  };
  test::LoopbackUnbound server(zone);
  UnboundResolverOptions options;
  options.nameservers = {server.nameserver()};
  UnboundResolver resolver(options);
  resolver.query("_dmarc.example.dmtest", DnsType::TXT); // warm the cache

  auto dmarc = [&] {
    return resolver.query("_dmarc.example.dmtest", DnsType::TXT).status == DnsStatus::Data;
  };
  std::printf("cached DMARC record lookups: %.0f/s (1 thread), %.0f/s (8 threads)\n",
              rate(1, dmarc), rate(8, dmarc));

  SpfChecker checker(resolver);
  // 192.0.2.25 matches the last term: include, mx (+1 address), a are all
  // evaluated, 5 DNS answers per check.
  auto spf = [&] {
    return checker.checkMailFrom("192.0.2.25", "bounce@example.dmtest", "mx.client.dmtest")
               .result == SpfResult::Pass;
  };
  spf();
  std::printf(
      "cached SPF checks (include+mx+a, 5 lookups): %.0f/s (1 thread), %.0f/s (8 threads)\n",
      rate(1, spf), rate(8, spf));

  test::FakeResolver fake;
  fake.add("example.dmtest", DnsType::TXT,
           "v=spf1 include:_spf.example.dmtest mx a:out.example.dmtest -all");
  fake.add("_spf.example.dmtest", DnsType::TXT,
           "v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all");
  fake.add("example.dmtest", DnsType::MX, "10 mx1.example.dmtest");
  fake.add("mx1.example.dmtest", DnsType::A, "203.0.113.25");
  fake.add("out.example.dmtest", DnsType::A, "192.0.2.25");
  SpfChecker pure(fake);
  auto evaluation = [&] {
    return pure.checkMailFrom("192.0.2.25", "bounce@example.dmtest", "mx.client.dmtest").result ==
           SpfResult::Pass;
  };
  std::printf("SPF checks on the in-memory resolver (evaluation only): %.0f/s (1 thread)\n",
              rate(1, evaluation));
  return 0;
}
