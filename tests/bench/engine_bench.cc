// engine_bench.cc: throughput of the DMARC engine on one core, as a plain
// timing loop that prints figures (not part of make check). Targets from the
// engine's issue: >= 1,000,000 From-header parses/s and >= 500,000
// record-parse-plus-evaluate calls/s.
//
// Test tool: DNS answers come from a fixed in-memory table (the cost of the
// real resolver is not the engine's); each evaluate() parses the DMARC
// record afresh, as it does in production (no cache across messages).
// Figures are per CPU second of this thread (CLOCK_THREAD_CPUTIME_ID), so a
// loaded machine slows the run down but does not change the figures much.
// Usage: engine-bench [cpu-seconds-per-case (default 2) [only-cases-matching]].
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dmarc_record.hh"
#include "lib/core/from_header.hh"
#include "lib/core/policy_engine.hh"

namespace
{
using namespace dmarc;

double threadCpuSeconds()
{
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

class TableResolver : public DnsResolver
{
public:
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    DnsAnswer answer;
    answer.status = DnsStatus::NxDomain;
    if (type == DnsType::TXT && name == "_dmarc.example.com") {
      answer.status = DnsStatus::Data;
      answer.records = {
          "v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=r; "
          "rua=mailto:dmarc-agg@example.com; ruf=mailto:dmarc-fail@example.com; fo=1"};
    }
    return answer;
  }
};

const char* g_only = nullptr; // run only the cases whose name contains this

template <typename F>
void measure(const char* name, double seconds, F&& body)
{
  if (g_only != nullptr && std::string_view(name).find(g_only) == std::string_view::npos) {
    return;
  }
  std::size_t calls = 0;
  std::size_t sink = 0;
  double start = threadCpuSeconds();
  double now = start;
  do {
    for (int i = 0; i < 1000; ++i) {
      sink += body(calls + static_cast<std::size_t>(i));
    }
    calls += 1000;
    now = threadCpuSeconds();
  } while (now - start < seconds);
  double elapsed = now - start;
  std::printf("%-44s %12.0f calls/s  (%zu calls, %.2f cpu-s, %.0f ns/call, check %zu)\n", name,
              static_cast<double>(calls) / elapsed, calls, elapsed, elapsed * 1e9 / calls,
              sink % 10);
}
} // namespace

int main(int argc, char** argv)
{
  double seconds = argc > 1 ? std::atof(argv[1]) : 2.0;
  if (seconds <= 0) {
    seconds = 2.0;
  }
  if (argc > 2) {
    g_only = argv[2];
  }
  const std::vector<std::string> fromValues = {
      "John Doe <john.doe@example.com>",
      "\"Doe, John\" <john.doe@example.com>",
      "newsletter@mail.example.org",
      "=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>",
  };
  measure("parseFromHeader (4 typical values)", seconds, [&](std::size_t i) {
    return parseFromHeader(fromValues[i % fromValues.size()]).addresses.size();
  });

  const std::string record =
      "v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=r; "
      "rua=mailto:dmarc-agg@example.com; ruf=mailto:dmarc-fail@example.com; fo=1";
  measure("parseDmarcRecord (typical record)", seconds,
          [&](std::size_t) { return parseDmarcRecord(record, DmarcMode::Rfc9989).rua.size(); });

  TableResolver dns;
  EngineOptions options;
  LocalPolicy local;
  MessageFacts pass;
  pass.fromHeaders = {"John Doe <john.doe@example.com>"};
  pass.mailFrom = "bounce@example.com";
  pass.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "example.com", ""};
  DkimSignatureOutcome signature;
  signature.result = DkimResult::Pass;
  signature.domain = "example.com";
  signature.selector = "s2024";
  pass.dkim.push_back(signature);
  measure("evaluate: aligned pass (record parsed)", seconds, [&](std::size_t) {
    return static_cast<std::size_t>(evaluate(pass, dns, options, local).result);
  });

  MessageFacts fail = pass;
  fail.mailFrom = "bounce@evil.example";
  fail.spf.domain = "evil.example";
  fail.dkim[0].domain = "evil.example";
  measure("evaluate: unaligned fail, reject (record parsed)", seconds, [&](std::size_t) {
    return static_cast<std::size_t>(evaluate(fail, dns, options, local).applied);
  });

  MessageFacts relaxed = pass;
  relaxed.mailFrom = "bounce@mail.example.com";
  relaxed.spf.domain = "mail.example.com";
  relaxed.dkim.clear();
  measure("evaluate: relaxed SPF via tree walk", seconds, [&](std::size_t) {
    return static_cast<std::size_t>(evaluate(relaxed, dns, options, local).result);
  });
  return 0;
}
