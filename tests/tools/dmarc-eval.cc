// dmarc-eval.cc: the scenario driver of the DMARC engine (STYLE.md convention
// 14). Reads a scenario (a file argument or stdin) made of one command per
// line, echoes each command as "> command" and prints what the engine
// decided, so that tests/scenarios/*.in diffed against *.ref show every
// behaviour change as a reviewable text diff.
//
// Test tool: DNS comes from the in-memory FakeResolver (never the network);
// the RFC 7489 mode loads the Public Suffix List from $PSL_FILE (default: the
// configured one). Commands:
//   mode rfc9989|rfc7489            authserv-id <id>
//   from <raw value>                (one From field; \t \r \n \\ \xHH escapes)
//   mailfrom <address>|<>           helo <name>
//   spf <result> [domain]           spf-helo <result> [domain]
//   dkim <result> d=<d> [s=<s>] [b=<b>]
//   dns <name> <TXT text>           (surrounding double quotes are removed)
//   dns-exists <name>               servfail <name>
//   exists yes|no                   random <0-99>
//   local [trusted-forwarder] [mailing-list] [forwarded] [never-reject]
//         [monitor] [force=<policy>] [comment=<text>]
//   option [multi-from=evaluate|reject] [max-authors=N]
//          [unusable-from=reject|accept] [tempfail=yes|no]
//   eval | record <text> | orgdomain <domain> | walk <domain> | reset
//   authres-empty                   (the "; none" field: nothing evaluated)
// The whole end-of-message decision (lib/core/decision.hh), with the site
// policy read from a real dmarc-milter.conf by the daemon's own parser:
//   config <file>                   (relative to the scenario's folder)
//   client <address>|none           (default 192.0.2.1; none: local submission)
//   auth <user>                     (SMTP AUTH identity)
//   header <Name>: <value>          (as the milter sees it: From, List-Id,
//                                    Authentication-Results, counts)
//   arc pass|fail|temperror|none [oldest-pass=N]   (the milter's ARC chain
//                                    validation)
//   arc-set <sealer> <ARC-Authentication-Results payload>
//                                   (the next instance: its ARC-Seal d= and
//                                    what its record says, "authserv-id; ...")
//   decide                          (the from/mailfrom/helo/spf/dkim facts too)
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "config.h"
#include "lib/adapters/psl_idna.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/core/arc_result.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/auth_results.hh"
#include "lib/core/decision.hh"
#include "lib/core/dmarc_record.hh"
#include "lib/core/error.hh"
#include "lib/core/org_domain.hh"
#include "lib/core/policy_engine.hh"
#include "milter/config.hh"
#include "tests/unit/fake_resolver.hh"

namespace
{
using namespace dmarc;

class LoggingResolver : public DnsResolver
{
public:
  explicit LoggingResolver(test::FakeResolver& inner) : d_inner(inner) {}
  DnsAnswer query(std::string_view name, DnsType type) override
  {
    d_log.push_back(std::string(name) + (type == DnsType::TXT ? " TXT" : " A"));
    return d_inner.query(name, type);
  }
  std::vector<std::string> take() { return std::exchange(d_log, {}); }

private:
  test::FakeResolver& d_inner;
  std::vector<std::string> d_log;
};

class FixedRandom : public RandomSource
{
public:
  unsigned percentRoll() override { return d_value; }
  unsigned d_value = 0;
};

std::string unescape(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && text[i + 1] == 'x') {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 2, 2)), nullptr, 16));
      i += 3;
    } else if (text[i] == '\\' && i + 1 < text.size()) {
      char c = text[++i];
      out += c == 'n' ? '\n' : c == 'r' ? '\r' : c == 't' ? '\t' : c == '0' ? '\0' : c;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string unquote(std::string_view text)
{
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  return unescape(text);
}

std::string quoted(std::string_view text)
{
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : "\\?";
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string optionalPolicy(const std::optional<Policy>& policy)
{
  return policy ? std::string(toString(*policy)) : "-";
}

std::string uriList(const std::vector<ReportUri>& uris)
{
  std::string out = "[";
  for (std::size_t i = 0; i < uris.size(); ++i) {
    out += i != 0 ? "," : "";
    out += uris[i].uri;
    if (uris[i].maxSize) {
      out += "(max=" + std::to_string(*uris[i].maxSize) + ")";
    }
  }
  return out + "]";
}

void printRecord(std::ostream& out, const DmarcRecord& record)
{
  const PublishedPolicy& p = record.policy;
  out << "status=" << toString(record.status);
  if (record.status != RecordStatus::NotDmarc) {
    out << " p=" << toString(p.p) << " sp=" << optionalPolicy(p.sp)
        << " np=" << optionalPolicy(p.np) << " adkim=" << toString(p.adkim)
        << " aspf=" << toString(p.aspf) << " fo=" << p.fo << " t=" << (p.testing ? "y" : "n")
        << " psd=" << toString(p.psd) << " pct=" << p.pct << " rf=" << record.rf
        << " ri=" << record.ri << " rua=" << uriList(record.rua) << " ruf=" << uriList(record.ruf)
        << " rewritten=" << (record.policyRewritten ? "yes" : "no");
  }
  if (!record.error.empty()) {
    out << " error=" << quoted(record.error);
  }
  out << "\n";
}

class Scenario
{
public:
  explicit Scenario(std::string folder) : d_folder(std::move(folder)) { resetDecisionFacts(); }

  int run(std::istream& in, std::ostream& out)
  {
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      if (line.empty() || line.front() == '#') {
        out << line << "\n";
        continue;
      }
      out << "> " << line << "\n";
      auto space = line.find(' ');
      std::string command = line.substr(0, space);
      std::string rest = space == std::string::npos ? "" : line.substr(space + 1);
      try {
        if (!execute(command, rest, out)) {
          out << "error: unknown command " << command << "\n";
          return 2;
        }
      } catch (const std::exception& e) {
        out << "error: " << e.what() << "\n";
        return 2;
      }
    }
    return 0;
  }

private:
  static std::vector<std::string> words(const std::string& text)
  {
    std::istringstream stream(text);
    std::vector<std::string> out;
    for (std::string word; stream >> word;) {
      out.push_back(word);
    }
    return out;
  }

  static std::optional<Policy> policyFrom(std::string_view text)
  {
    if (text == "none") {
      return Policy::None;
    }
    if (text == "quarantine") {
      return Policy::Quarantine;
    }
    if (text == "reject") {
      return Policy::Reject;
    }
    throw Error("bad policy " + std::string(text));
  }

  const PublicSuffixList* psl()
  {
    if (!d_psl) {
      const char* path = std::getenv("PSL_FILE");
      d_psl = std::make_unique<PslPublicSuffixList>(
          path != nullptr && *path != '\0' ? path : DM_DEFAULT_PSL_FILE);
    }
    return d_psl.get();
  }

  EngineOptions options()
  {
    EngineOptions options = d_options;
    options.idna = &d_idna;
    options.random = &d_random;
    if (options.mode == DmarcMode::Rfc7489) {
      options.psl = psl();
    }
    return options;
  }

  void printQueries(std::ostream& out)
  {
    auto queries = d_logging.take();
    out << "queries(" << queries.size() << "):";
    for (const auto& query : queries) {
      out << " " << query;
    }
    out << "\n";
  }

  void printVerdict(std::ostream& out, const Verdict& v, bool withAuthResults = true)
  {
    out << "result=" << toString(v.result) << " reason=" << quoted(v.reason) << "\n";
    out << "from_domain=" << (v.fromDomain.empty() ? "-" : v.fromDomain) << " from_domains=";
    for (std::size_t i = 0; i < v.fromDomains.size(); ++i) {
      out << (i != 0 ? "," : "") << v.fromDomains[i];
    }
    out << (v.fromDomains.empty() ? "-" : "") << "\n";
    if (v.policy) {
      const PublishedPolicy& p = *v.policy;
      out << "policy_domain=" << p.domain << " record=" << quoted(p.record) << "\n";
      out << "published p=" << toString(p.p) << " sp=" << optionalPolicy(p.sp)
          << " np=" << optionalPolicy(p.np) << " adkim=" << toString(p.adkim)
          << " aspf=" << toString(p.aspf) << " pct=" << p.pct << " t=" << (p.testing ? "y" : "n")
          << " psd=" << toString(p.psd) << "\n";
    }
    out << "org_domain=" << (v.orgDomain.empty() ? "-" : v.orgDomain)
        << " discovery=" << toString(v.discoveryMethod) << " policy_tag=" << toString(v.policyTag)
        << " author_exists=" << (v.authorDomainExists ? "yes" : "no") << "\n";
    out << "spf=" << toString(v.spf.result) << " scope=" << toString(v.spf.scope)
        << " domain=" << (v.spf.domain.empty() ? "-" : v.spf.domain)
        << " spf_aligned=" << (v.spfAligned ? "yes" : "no")
        << " dkim_aligned=" << (v.dkimAligned ? "yes" : "no") << "\n";
    out << "effective_policy=" << toString(v.effectivePolicy)
        << " requested=" << toString(v.requested) << " applied=" << toString(v.applied) << "\n";
    for (const auto& o : v.overrides) {
      out << "override=" << toString(o.reason) << " comment=" << quoted(o.comment) << "\n";
    }
    if (!withAuthResults) {
      return;
    }
    AuthResultsFormat format;
    format.newline = "\n";
    out << composeAuthResults(d_authservId, v, format) << "\n";
  }

  void printDecision(std::ostream& out, const Decision& d)
  {
    static const char* const actions[] = {"accept", "reject", "tempfail"};
    out << "action=" << actions[static_cast<int>(d.action)];
    if (d.action != SmtpAction::Accept) {
      out << " reply=" << quoted(d.reply.code + " " + d.reply.xcode + " " + d.reply.text);
    }
    out << "\n";
    if (d.holdReason) {
      out << "hold=" << quoted(*d.holdReason) << "\n";
    }
    if (!d.why.empty()) {
      out << "why=" << quoted(d.why) << "\n";
    }
    for (const auto& edit : d.headerEdits) {
      out << "edit=" << (edit.kind == HeaderEdit::Kind::Delete ? "delete " : "insert ") << edit.name
          << " " << edit.index << "\n";
    }
    const MessageRecord& r = d.record;
    if (r.arcResult != ArcResult::None || !r.arcSealers.empty()) {
      out << "record arc=" << toString(r.arcResult) << " sealers=";
      for (std::size_t i = 0; i < r.arcSealers.size(); ++i) {
        out << (i != 0 ? "," : "") << r.arcSealers[i];
      }
      out << (r.arcSealers.empty() ? "-" : "")
          << " trusted_sealer=" << (r.arcTrustedSealer.empty() ? "-" : r.arcTrustedSealer)
          << " override_comment=" << quoted(r.overrideComment) << "\n";
    }
    for (const auto& step : d.trace) {
      if (step.starts_with("arc: ") || step.starts_with("List-Id ")) {
        out << "trace: " << step << "\n";
      }
    }
    out << "Authentication-Results: " << d.authResults << "\n";
  }

  // The site policy of a dmarc-milter.conf, read by the daemon's parser.
  void loadSite(const std::string& name)
  {
    std::string path = name.starts_with("/") ? name : d_folder + "/" + name;
    d_config = loadConfig(path);
  }

  void decideMessage(std::ostream& out)
  {
    if (!d_config) {
      throw Error("decide needs a config");
    }
    DecisionFacts facts = d_decision;
    facts.message.fromHeaders.insert(facts.message.fromHeaders.end(), d_facts.fromHeaders.begin(),
                                     d_facts.fromHeaders.end());
    facts.message.mailFrom = d_facts.mailFrom;
    facts.message.helo = d_facts.helo;
    facts.message.spf = d_facts.spf;
    facts.message.spfHelo = d_facts.spfHelo;
    facts.message.dkim = d_facts.dkim;
    facts.message.authorDomainExists = d_facts.authorDomainExists;
    const SitePolicy& site = d_config->site;
    DecisionTools tools{d_logging, site.engine.mode == DmarcMode::Rfc7489 ? psl() : nullptr,
                        &d_idna, &d_random};
    Decision decision = decide(facts, site, tools);
    printQueries(out);
    printVerdict(out, decision.verdict(), false);
    printDecision(out, decision);
  }

  // The facts only the decision reads (client, AUTH, header fields).
  bool executeDecisionFact(const std::string& command, const std::string& rest)
  {
    if (command == "config") {
      loadSite(rest);
    } else if (command == "client") {
      d_decision.client = rest == "none" ? std::nullopt : IpAddress::parse(rest);
      if (rest != "none" && !d_decision.client) {
        throw Error("bad client address " + rest);
      }
    } else if (command == "auth") {
      d_decision.authenticatedUser = rest;
    } else if (command == "arc") {
      setArc(words(rest));
    } else if (command == "arc-set") {
      addArcSet(rest);
    } else if (command == "header") {
      auto colon = rest.find(':');
      if (colon == std::string::npos || !d_config) {
        throw Error("header needs a config and Name: value");
      }
      d_decision.addHeader(rest.substr(0, colon), unescape(rest.substr(colon + 1)), d_config->site);
    } else {
      return false;
    }
    return true;
  }

  void setArc(const std::vector<std::string>& args)
  {
    ArcValidation arc;
    auto result = arcResultFromString(args.empty() ? "" : args.front());
    if (!result) {
      throw Error("arc needs pass, fail, temperror or none");
    }
    arc.result = *result;
    for (std::size_t i = 1; i < args.size(); ++i) {
      if (!args[i].starts_with("oldest-pass=")) {
        throw Error("bad arc word " + args[i]);
      }
      arc.oldestPass = static_cast<unsigned>(std::stoul(args[i].substr(12)));
    }
    d_decision.arc = std::move(arc);
  }

  void addArcSet(const std::string& rest)
  {
    auto space = rest.find(' ');
    if (!d_decision.arc || space == std::string::npos) {
      throw Error("arc-set needs arc first, then <sealer> <payload>");
    }
    ArcValidation& arc = *d_decision.arc;
    ArcSetSummary set;
    set.instance = static_cast<unsigned>(arc.sets.size() + 1);
    set.sealDomain = toLowerAscii(rest.substr(0, space));
    set.sealSelector = "arc";
    set.signatureDomain = set.sealDomain;
    set.signatureSelector = "arc";
    set.sealCv = set.instance == 1 ? ArcResult::None : ArcResult::Pass;
    set.authResults = parseAuthResults(unescape(rest.substr(space + 1)));
    arc.sets.push_back(std::move(set));
    arc.instances = static_cast<unsigned>(arc.sets.size());
  }

  void resetDecisionFacts()
  {
    d_decision = DecisionFacts{};
    d_decision.client = IpAddress::parse("192.0.2.1");
  }

  bool execute(const std::string& command, const std::string& rest, std::ostream& out)
  {
    if (executeDecisionFact(command, rest)) {
      return true;
    }
    auto args = words(rest);
    auto arg = [&args](std::size_t i) { return i < args.size() ? args[i] : std::string(); };
    if (command == "mode") {
      d_options.mode = arg(0) == "rfc7489" ? DmarcMode::Rfc7489 : DmarcMode::Rfc9989;
    } else if (command == "authserv-id") {
      d_authservId = arg(0);
    } else if (command == "from") {
      d_facts.fromHeaders.push_back(unescape(rest));
    } else if (command == "mailfrom") {
      d_facts.mailFrom = rest == "<>" ? "" : rest;
    } else if (command == "helo") {
      d_facts.helo = arg(0);
    } else if (command == "spf" || command == "spf-helo") {
      SpfOutcome spf;
      auto result = spfResultFromString(arg(0));
      if (!result) {
        throw Error("bad SPF result " + arg(0));
      }
      spf.result = *result;
      spf.domain = arg(1);
      spf.scope = command == "spf" ? SpfScope::Mfrom : SpfScope::Helo;
      (command == "spf" ? d_facts.spf : d_facts.spfHelo.emplace()) = spf;
    } else if (command == "dkim") {
      DkimSignatureOutcome signature;
      auto result = dkimResultFromString(arg(0));
      if (!result) {
        throw Error("bad DKIM result " + arg(0));
      }
      signature.result = *result;
      for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a.starts_with("d=")) {
          signature.domain = unescape(a.substr(2));
        } else if (a.starts_with("s=")) {
          signature.selector = unescape(a.substr(2));
        } else if (a.starts_with("b=")) {
          signature.bPrefix = unescape(a.substr(2));
        }
      }
      d_facts.dkim.push_back(signature);
    } else if (command == "dns") {
      auto space = rest.find(' ');
      d_fake.add(rest.substr(0, space), DnsType::TXT,
                 space == std::string::npos ? "" : unquote(rest.substr(space + 1)));
    } else if (command == "dns-exists") {
      d_fake.addEmpty(arg(0));
    } else if (command == "servfail") {
      d_fake.fail(arg(0));
    } else if (command == "exists") {
      d_facts.authorDomainExists = arg(0) == "yes";
    } else if (command == "random") {
      d_random.d_value = static_cast<unsigned>(std::stoul(arg(0)));
    } else if (command == "local") {
      for (const auto& a : args) {
        if (a == "trusted-forwarder") {
          d_local.trustedForwarder = true;
        } else if (a == "mailing-list") {
          d_local.mailingList = true;
        } else if (a == "forwarded") {
          d_local.forwarded = true;
        } else if (a == "never-reject") {
          d_local.neverReject = true;
        } else if (a == "monitor") {
          d_local.enforce = false;
        } else if (a.starts_with("force=")) {
          d_local.forcePolicy = policyFrom(a.substr(6));
        } else if (a.starts_with("comment=")) {
          d_local.comment = a.substr(8);
        } else {
          throw Error("bad local flag " + a);
        }
      }
    } else if (command == "option") {
      for (const auto& a : args) {
        if (a == "multi-from=reject") {
          d_options.multiFrom = MultiFromAction::Reject;
        } else if (a == "multi-from=evaluate") {
          d_options.multiFrom = MultiFromAction::EvaluateAll;
        } else if (a.starts_with("max-authors=")) {
          d_options.maxAuthorDomains = static_cast<unsigned>(std::stoul(a.substr(12)));
        } else if (a == "unusable-from=accept") {
          d_options.unusableFrom = FromAction::Accept;
        } else if (a == "unusable-from=reject") {
          d_options.unusableFrom = FromAction::Reject;
        } else if (a == "tempfail=yes" || a == "tempfail=no") {
          d_options.tempfailOnTemperror = a == "tempfail=yes";
        } else {
          throw Error("bad option " + a);
        }
      }
    } else if (command == "decide") {
      decideMessage(out);
    } else if (command == "eval") {
      Verdict verdict = evaluate(d_facts, d_logging, options(), d_local);
      printQueries(out);
      printVerdict(out, verdict);
    } else if (command == "record") {
      printRecord(out, parseDmarcRecord(unquote(rest), d_options.mode));
    } else if (command == "orgdomain" || command == "walk") {
      EngineOptions opts = options();
      OrgDomainFinder finder(d_logging, opts.mode, opts.psl);
      if (command == "walk") {
        TreeWalk walk = finder.walk(arg(0));
        printQueries(out);
        out << "found:";
        for (const auto& name : walk.names) {
          out << " " << name;
        }
        out << (walk.tempError ? " temperror " + quoted(walk.error) : "") << "\n";
      } else {
        OrgDomain org = finder.organizationalDomain(arg(0));
        printQueries(out);
        out << "org_domain=" << (org.tempError ? "temperror " + quoted(org.error) : org.domain)
            << "\n";
      }
    } else if (command == "authres-empty") {
      out << AuthResultsBuilder(d_authservId).field() << "\n";
    } else if (command == "reset") {
      d_fake.clear();
      d_logging.take();
      d_facts = MessageFacts{};
      d_local = LocalPolicy{};
      resetDecisionFacts();
      DmarcMode mode = d_options.mode;
      d_options = EngineOptions{};
      d_options.mode = mode;
      d_random.d_value = 0;
    } else {
      return false;
    }
    return true;
  }

  test::FakeResolver d_fake;
  LoggingResolver d_logging{d_fake};
  MessageFacts d_facts;
  LocalPolicy d_local;
  EngineOptions d_options;
  FixedRandom d_random;
  Idn2Converter d_idna;
  std::unique_ptr<PslPublicSuffixList> d_psl;
  std::string d_authservId = "mx.example.net";
  std::string d_folder; // the scenario's, for config files
  std::shared_ptr<const Config> d_config;
  DecisionFacts d_decision;
};
} // namespace

int main(int argc, char** argv)
{
  try {
    std::string path = argc > 1 ? argv[1] : "";
    Scenario scenario(path.find('/') == std::string::npos ? std::string(".")
                                                          : path.substr(0, path.rfind('/')));
    if (argc > 1) {
      std::ifstream file(argv[1]);
      if (!file) {
        std::cerr << "dmarc-eval: cannot open " << argv[1] << "\n";
        return 2;
      }
      return scenario.run(file, std::cout);
    }
    return scenario.run(std::cin, std::cout);
  } catch (const std::exception& e) {
    std::cerr << "dmarc-eval: " << e.what() << "\n";
    return 2;
  }
}
