// dmarc_checker.cc: SPF + DKIM + ARC for one message, on shared machinery.
// The header and body go to DKIM and to the ARC verifier as they arrive
// (one body hash for both, body_hash_pool.hh); SPF runs at end of message,
// and the decision (lib/core/decision.hh) then evaluates DMARC on the same
// per-message DNS budget.
#include "milter/dmarc_checker.hh"

#include <chrono>
#include <ctime>
#include <optional>
#include <random>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/arc_verifier.hh"
#include "lib/adapters/dkim/body_hash_pool.hh"
#include "lib/adapters/dns/spf_checker.hh"
#include "milter/config.hh"

namespace dmarc
{
namespace
{
// The message's view of the resolver: the DNS budget starts with the first
// lookup, not when MAIL FROM arrived.
class MessageDns : public DnsResolver
{
public:
  MessageDns(TimedDnsResolver& inner, std::chrono::milliseconds budget)
      : d_inner(inner), d_budgetLength(budget)
  {}
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    if (!d_budget) {
      d_budget.emplace(d_inner, d_budgetLength);
    }
    return d_budget->query(name, type);
  }
  std::size_t queries() const { return d_budget ? d_budget->queries() : 0; }
  std::size_t refused() const { return d_budget ? d_budget->refused() : 0; }

private:
  TimedDnsResolver& d_inner;
  std::chrono::milliseconds d_budgetLength;
  std::optional<DnsBudget> d_budget;
};
// One debug trace line for a chain: result, sets and sealers.
std::string arcTrace(const ArcValidation& arc)
{
  std::string line =
      "arc = " + std::string(toString(arc.result)) + " sets=" + std::to_string(arc.instances);
  for (const auto& set : arc.sets) {
    line += " as[" + std::to_string(set.instance) + "].d=" + set.sealDomain;
  }
  if (arc.oldestPass) {
    line += " oldest-pass=" + std::to_string(*arc.oldestPass);
  }
  if (!arc.reason.empty()) {
    line += " (" + arc.reason + ")";
  }
  return line;
}
} // namespace

unsigned ThreadRandomSource::percentRoll()
{
  thread_local std::mt19937 generator{std::random_device{}()};
  return std::uniform_int_distribution<unsigned>(0, 99)(generator);
}

class DmarcMessageCheck : public MessageCheck
{
public:
  DmarcMessageCheck(DmarcChecker& owner, const Config& config, const Envelope& envelope)
      : d_owner(owner), d_config(config), d_envelope(envelope),
        d_dns(owner.d_resolver, std::chrono::seconds(config.values.DNSBudget)),
        d_dkim(owner.d_dkim, std::chrono::system_clock::to_time_t(envelope.receivedAt), &d_dns,
               envelope.queueId.empty() ? "NOQUEUE" : envelope.queueId, &d_bodies)
  {
    if (config.values.ArcValidation) {
      ArcSettings settings;
      settings.minRsaKeyBits = owner.d_dkim.settings().minRsaKeyBits;
      settings.oldestPass = config.values.ArcOldestPass;
      // Sealing signs the header as received and hashes the whole body
      // relaxed: the verifier keeps the one copy of the header.
      settings.keepHeader = config.arcSealer != nullptr;
      d_arc.emplace(d_dns, settings, &d_bodies);
    }
  }

  void header(std::string_view name, std::string_view value) override
  {
    d_dkim.header(name, value);
    if (d_arc) {
      d_arc->header(name, value);
    }
  }

  void endOfHeaders() override
  {
    d_dkim.endOfHeaders();
    if (d_arc) {
      d_arc->endOfHeaders();
    }
    if (d_config.arcSealer && d_arc && !d_sealHash && !d_bodies.started()) {
      // Shared with a DKIM signature or ARC-Message-Signature that is
      // relaxed without l= (most are): then no second hash.
      d_sealHash = d_bodies.request(DkimCanon::Relaxed);
    }
  }

  void body(std::string_view chunk) override
  {
    d_dkim.body(chunk);
    if (d_arc) {
      d_arc->body(chunk);
    }
    if (d_sealHash) {
      // Only the bytes neither verifier passed yet are hashed again.
      d_bodies.update(d_sealOffset, chunk);
      d_sealOffset += chunk.size();
    }
  }

  std::optional<ArcSealInput> arcSealInput() override
  {
    if (!d_sealHash || !d_arc) {
      return std::nullopt;
    }
    auto fields = d_arc->headerFields();
    if (!fields) {
      return std::nullopt;
    }
    return ArcSealInput{std::move(*fields), d_bodies.result(*d_sealHash)};
  }

  CheckResult finish() override
  {
    CheckResult result;
    auto& trace = result.trace;
    std::string clientIp = d_envelope.client ? d_envelope.client->toString() : std::string();
    SpfCheckerOptions spfOptions;
    spfOptions.receivingDomain = d_config.authservId;
    SpfChecker spf(d_dns, spfOptions);
    result.spf = spf.checkMailFrom(clientIp, d_envelope.mailFrom, d_envelope.helo);
    trace.push_back("spf " + std::string(toString(result.spf.scope)) + " " + result.spf.domain +
                    " = " + std::string(toString(result.spf.result)) + " (" +
                    result.spf.explanation + ")");
    if (!d_envelope.mailFrom.empty() && !d_envelope.helo.empty()) {
      result.spfHelo = spf.checkHelo(clientIp, d_envelope.helo);
      trace.push_back("spf helo " + result.spfHelo->domain + " = " +
                      std::string(toString(result.spfHelo->result)));
    } else if (d_envelope.mailFrom.empty()) {
      result.spfHelo = result.spf; // the null path was checked as postmaster@HELO
    }
    result.dkim = d_dkim.finish();
    for (const auto& signature : result.dkim) {
      trace.push_back("dkim d=" + signature.domain + " s=" + signature.selector +
                      " a=" + signature.algorithm + " = " +
                      std::string(toString(signature.result)) + " (" + signature.humanResult + ")");
    }
    if (d_dkim.signaturesSkipped() > 0) {
      trace.push_back("dkim: " + std::to_string(d_dkim.signaturesSkipped()) +
                      " signatures over MaximumSignaturesToVerify not verified");
    }
    if (d_arc) {
      result.arc = d_arc->finish();
      if (result.arc->result != ArcResult::None || result.arc->instances > 0) {
        trace.push_back(arcTrace(*result.arc));
      }
    }
    return result;
  }

  DecisionTools tools() override
  {
    return DecisionTools{d_dns, d_owner.d_psl, d_owner.d_idna, &d_owner.d_random};
  }

  std::string dnsUsage() const override
  {
    return "dns queries=" + std::to_string(d_dns.queries()) +
           " refused_by_budget=" + std::to_string(d_dns.refused());
  }

private:
  DmarcChecker& d_owner;
  const Config& d_config; // pinned by the session for the message's life
  Envelope d_envelope;
  MessageDns d_dns;
  // Before both verifiers, which hash the body through it.
  BodyHashPool d_bodies;
  DkimVerifier d_dkim;
  std::optional<ArcVerifier> d_arc; // ArcValidation
  // ARC sealing (Config::arcSealer): the relaxed body hash in the pool.
  std::optional<BodyHashPool::Id> d_sealHash;
  std::uint64_t d_sealOffset = 0;
};

DmarcChecker::DmarcChecker(TimedDnsResolver& resolver, const DkimLibrary& dkim,
                           const PublicSuffixList* psl, const IdnaConverter* idna)
    : d_resolver(resolver), d_dkim(dkim), d_psl(psl), d_idna(idna)
{}

std::unique_ptr<MessageCheck> DmarcChecker::begin(const Config& config, const Envelope& envelope)
{
  return std::make_unique<DmarcMessageCheck>(*this, config, envelope);
}

} // namespace dmarc
