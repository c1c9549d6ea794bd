// fuzz_policy_engine.cc: libFuzzer target for the whole engine, evaluate().
// The input is split at NUL bytes into: From field values (before a lone
// "--"), then DNS answers "name\tTXT text" (or "name\tSERVFAIL"), then DKIM
// d= domains after a second "--". Checks the engine's promises on hostile
// From fields and DNS data: no crash, DNS queries bounded, a result always
// consistent with the disposition (temperror/permerror/none never ask for a
// policy disposition; pass never rejects).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/org_domain.hh"
#include "lib/core/policy_engine.hh"
#include "tests/fuzz/fuzz_target.hh"

namespace
{
using namespace dmarc;

class FuzzResolver : public DnsResolver
{
public:
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    ++d_queries;
    DnsAnswer answer;
    answer.status = DnsStatus::NxDomain;
    for (const auto& [owner, text] : d_records) {
      if (owner == name) {
        if (text == "SERVFAIL") {
          answer.status = DnsStatus::Failure;
          return answer;
        }
        if (type == DnsType::TXT) {
          answer.status = DnsStatus::Data;
          answer.records.push_back(text);
        } else if (answer.status == DnsStatus::NxDomain) {
          answer.status = DnsStatus::NoData;
        }
      }
    }
    return answer;
  }
  std::vector<std::pair<std::string, std::string>> d_records;
  std::size_t d_queries = 0;
};

class FixedRandom : public RandomSource
{
public:
  unsigned percentRoll() override { return 50; }
};
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  MessageFacts facts;
  FuzzResolver dns;
  int part = 0;
  std::size_t pos = 0;
  while (pos <= input.size()) {
    std::size_t end = input.find('\0', pos);
    std::string_view piece =
        input.substr(pos, end == std::string_view::npos ? input.npos : end - pos);
    if (piece == "--") {
      ++part;
    } else if (part == 0) {
      facts.fromHeaders.emplace_back(piece);
    } else if (part == 1) {
      auto tab = piece.find('\t');
      if (tab != std::string_view::npos) {
        dns.d_records.emplace_back(std::string(piece.substr(0, tab)),
                                   std::string(piece.substr(tab + 1)));
      }
    } else {
      DkimSignatureOutcome signature;
      signature.result = piece.size() % 3 == 0 ? DkimResult::Temperror : DkimResult::Pass;
      signature.domain = std::string(piece);
      facts.dkim.push_back(signature);
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  facts.mailFrom = facts.dkim.empty() ? "" : "bounce@" + facts.dkim.front().domain;
  facts.spf.result = SpfResult::Pass;
  FixedRandom random;
  for (auto mode : {DmarcMode::Rfc9989, DmarcMode::Rfc7489}) {
    EngineOptions options;
    options.mode = mode;
    options.random = &random;
    dns.d_queries = 0;
    Verdict verdict = evaluate(facts, dns, options, LocalPolicy{});
    // per author domain: the finder's query budget plus one existence query
    if (dns.d_queries > options.maxAuthorDomains * (g_maxDmarcQueries + 1)) {
      std::abort();
    }
    bool noPolicyAction = verdict.result == DmarcResult::None ||
                          verdict.result == DmarcResult::Temperror ||
                          verdict.result == DmarcResult::Permerror;
    if (noPolicyAction && verdict.requested != Disposition::None) {
      std::abort();
    }
    if (verdict.result == DmarcResult::Pass && verdict.applied == Disposition::Reject) {
      std::abort();
    }
  }
  return 0;
}
