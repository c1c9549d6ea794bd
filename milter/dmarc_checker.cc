// dmarc_checker.cc: SPF + DKIM + DMARC for one message, on shared
// machinery. The header and body go to DKIM as they arrive; SPF and the
// DMARC evaluation run at end of message, on the per-message DNS budget.
#include "milter/dmarc_checker.hh"

#include <chrono>
#include <ctime>
#include <optional>
#include <random>

#include "lib/adapters/spf_checker.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/auth_results.hh"
#include "milter/config.hh"
#include "milter/local_policy.hh"
#include "milter/logger.hh"

namespace dmarc
{
namespace
{
// From fields kept for the engine. RFC 5322 allows one; a message with more
// is evaluated (RFC 9989 §11.5), but hundreds buy nothing but work.
constexpr std::size_t s_maxFromFields = 16;
constexpr std::size_t s_maxFromBytes = 64 * 1024;

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
               envelope.queueId.empty() ? "NOQUEUE" : envelope.queueId)
  {}

  void header(std::string_view name, std::string_view value) override
  {
    auto key = toLowerAscii(name);
    if (key == "from" && d_fromHeaders.size() < s_maxFromFields) {
      d_fromBytes += value.size();
      if (d_fromBytes <= s_maxFromBytes) {
        d_fromHeaders.emplace_back(value);
      }
    } else if (key == "list-id" && d_listId.empty()) {
      auto open = value.rfind('<');
      auto close = value.rfind('>');
      if (open != std::string_view::npos && close != std::string_view::npos && open < close) {
        d_listId = std::string(value.substr(open + 1, close - open - 1)).substr(0, 255);
      }
    }
    d_dkim.header(name, value);
  }

  void endOfHeaders() override { d_dkim.endOfHeaders(); }

  void body(std::string_view chunk) override { d_dkim.body(chunk); }

  CheckResult finish() override
  {
    CheckResult result;
    auto& trace = result.trace;
    std::string clientIp = d_envelope.client ? d_envelope.client->toString() : std::string();

    MessageFacts facts;
    facts.fromHeaders = d_fromHeaders;
    facts.mailFrom = d_envelope.mailFrom;
    facts.helo = d_envelope.helo;

    SpfCheckerOptions spfOptions;
    spfOptions.receivingDomain = d_config.authservId;
    SpfChecker spf(d_dns, spfOptions);
    facts.spf = spf.checkMailFrom(clientIp, d_envelope.mailFrom, d_envelope.helo);
    trace.push_back("spf " + std::string(toString(facts.spf.scope)) + " " + facts.spf.domain +
                    " = " + std::string(toString(facts.spf.result)) + " (" + facts.spf.explanation +
                    ")");
    if (!d_envelope.mailFrom.empty() && !d_envelope.helo.empty()) {
      facts.spfHelo = spf.checkHelo(clientIp, d_envelope.helo);
      trace.push_back("spf helo " + facts.spfHelo->domain + " = " +
                      std::string(toString(facts.spfHelo->result)));
    } else if (d_envelope.mailFrom.empty()) {
      facts.spfHelo = facts.spf; // the null path was checked as postmaster@HELO
    }

    facts.dkim = d_dkim.finish();
    for (const auto& signature : facts.dkim) {
      trace.push_back("dkim d=" + signature.domain + " s=" + signature.selector +
                      " a=" + signature.algorithm + " = " +
                      std::string(toString(signature.result)) + " (" + signature.humanResult + ")");
    }
    if (d_dkim.signaturesSkipped() > 0) {
      trace.push_back("dkim: " + std::to_string(d_dkim.signaturesSkipped()) +
                      " signatures over MaximumSignaturesToVerify not verified");
    }

    LocalFacts local;
    local.client = d_envelope.client;
    local.authenticatedUser = d_envelope.authenticatedUser;
    local.authorDomains = authorDomainsOf(d_fromHeaders);
    local.listId = d_listId;
    LocalPolicy policy = localPolicyFor(d_config, local);
    if (!policy.comment.empty()) {
      trace.push_back("local policy: " + policy.comment +
                      (policy.enforce ? "" : " (not enforcing)"));
    }
    EngineOptions options =
        engineOptionsFor(d_config, d_owner.d_psl, d_owner.d_idna, &d_owner.d_random);
    result.verdict = evaluate(facts, d_dns, options, policy);

    const auto& verdict = result.verdict;
    if (verdict.policy) {
      trace.push_back("record at _dmarc." + verdict.policy->domain + ": " + verdict.policy->record);
    }
    trace.push_back("dmarc = " + std::string(toString(verdict.result)) + " (" + verdict.reason +
                    ") dkim_aligned=" + (verdict.dkimAligned ? "yes" : "no") +
                    " spf_aligned=" + (verdict.spfAligned ? "yes" : "no"));
    trace.push_back("dns queries=" + std::to_string(d_dns.queries()) +
                    " refused_by_budget=" + std::to_string(d_dns.refused()));
    return result;
  }

private:
  DmarcChecker& d_owner;
  const Config& d_config; // pinned by the session for the message's life
  Envelope d_envelope;
  MessageDns d_dns;
  DkimVerifier d_dkim;
  std::vector<std::string> d_fromHeaders;
  std::size_t d_fromBytes = 0;
  std::string d_listId;
};

DmarcChecker::DmarcChecker(TimedDnsResolver& resolver, const DkimLibrary& dkim,
                           const PublicSuffixList* psl, const IdnaConverter* idna)
    : d_resolver(resolver), d_dkim(dkim), d_psl(psl), d_idna(idna)
{}

std::unique_ptr<MessageCheck> DmarcChecker::begin(const Config& config, const Envelope& envelope)
{
  return std::make_unique<DmarcMessageCheck>(*this, config, envelope);
}

std::string DmarcChecker::authenticationResults(const Config& config, const Verdict& verdict)
{
  AuthResultsFormat format;
  format.newline = "\n"; // libmilter and the MTAs turn it into CRLF
  // The field is folded as a whole ("Authentication-Results: " counts
  // towards the line width); the MTA wants the value alone.
  std::string field = composeAuthResults(config.authservId, verdict, format);
  constexpr std::string_view prefix = "Authentication-Results: ";
  if (field.compare(0, prefix.size(), prefix) == 0) {
    field.erase(0, prefix.size());
  }
  return field;
}

std::optional<std::string> DmarcChecker::authservIdOf(std::string_view value)
{
  return parseAuthservId(value);
}
} // namespace dmarc
