// decision.cc: facts + site policy -> Decision (see decision.hh). Steps:
// author domains (From parsed once), the site's exemptions (a List-Id only
// when the list signed it), the DMARC engine, a trusted ARC sealer's lift
// of a failure, then what the verdict means for the MTA: reply, hold,
// header edits.
#include "lib/core/decision.hh"

#include "lib/core/arc_lift.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/auth_results.hh"
#include "lib/core/author_domains.hh"
#include "lib/core/header_name.hh"
#include "lib/core/list_authentication.hh"
#include "lib/core/local_policy.hh"

namespace dmarc
{
namespace
{
const std::string_view s_authResults = "Authentication-Results";
// From fields kept for the decision. RFC 5322 allows one; a message with
// more is evaluated (RFC 9989 §11.5), but hundreds buy nothing but work.
constexpr std::size_t s_maxFromFields = 16;
constexpr std::size_t s_maxFromBytes = 64 * 1024;
// Forged Authentication-Results fields remembered for deletion.
constexpr std::size_t s_maxForgedAuthResults = 256;

// RejectString with its %s replaced by the author domain.
std::string formatReject(const std::string& pattern, std::string_view domain)
{
  auto at = pattern.find("%s");
  std::string text = pattern;
  if (at != std::string::npos) {
    text.replace(at, 2, domain.empty() ? std::string("(unknown)") : printableAscii(domain, 253));
  }
  return printableAscii(text, 450);
}

MessageRecord recordOf(const DecisionFacts& facts)
{
  MessageRecord record;
  record.receivedAt = facts.receivedAt;
  record.reportingHost = facts.reportingHost;
  record.queueId = facts.queueId;
  record.clientIp = facts.client ? facts.client->toString() : std::string();
  record.helo = facts.message.helo;
  record.mailFromDomain = addressDomain(facts.message.mailFrom);
  record.rcptDomains = facts.rcptDomains;
  record.tls = facts.tls;
  return record;
}

// The A-R value the MTA wants: the field folded as a whole (the field name
// counts towards the line width), then the name taken off. The arc= clause
// when the message has ARC fields; the dmarc= comment names a trusted
// sealer's lift.
std::string authResultsValue(const std::string& authservId, const Verdict& verdict,
                             const DecisionFacts& facts, const MessageRecord& record)
{
  AuthResultsFormat format;
  format.newline = "\n";
  std::optional<ArcClause> arc;
  if (facts.arc && facts.arc->result != ArcResult::None) {
    arc = ArcClause{std::string(toString(facts.arc->result)), facts.arc->oldestPass,
                    record.clientIp, record.arcSealers};
  }
  std::string field = composeAuthResults(authservId, verdict, format, arc ? &*arc : nullptr,
                                         record.arcTrustedSealer.empty()
                                             ? std::string_view()
                                             : std::string_view(record.overrideComment));
  constexpr std::string_view prefix = "Authentication-Results: ";
  if (field.compare(0, prefix.size(), prefix) == 0) {
    field.erase(0, prefix.size());
  }
  return field;
}

// The List-Id for TrustedMailingLists: a trusted one only when the list
// signed the message (list_authentication.hh); a forged one is dropped.
std::string authenticatedListId(const DecisionFacts& facts, const SitePolicy& site,
                                const DecisionTools& tools, std::vector<std::string>& trace)
{
  if (!site.isTrustedMailingList(facts.listId)) {
    return facts.listId;
  }
  OrgDomainFinder finder(tools.dns, site.engine.mode, tools.psl);
  if (isListIdAuthenticated(facts.listId, facts.message.dkim, finder)) {
    return facts.listId;
  }
  trace.push_back("List-Id " + printableAscii(facts.listId, 255) +
                  " not signed by its list: TrustedMailingLists does not apply");
  return {};
}

Verdict evaluateWithSite(const DecisionFacts& facts, const SitePolicy& site,
                         const DecisionTools& tools, std::vector<std::string>& trace)
{
  AuthorDomains authors = collectAuthorDomains(facts.message.fromHeaders, tools.idna);
  LocalFacts local;
  local.client = facts.client;
  local.authenticatedUser = facts.authenticatedUser;
  if (!authors.unusable) {
    local.authorDomains = authors.domains;
  }
  local.listId = authenticatedListId(facts, site, tools, trace);
  LocalPolicy policy = localPolicyFor(site, local);
  if (!policy.comment.empty()) {
    trace.push_back("local policy: " + policy.comment + (policy.enforce ? "" : " (not enforcing)"));
  }
  EngineOptions options = site.engine;
  options.psl = tools.psl;
  options.idna = tools.idna;
  options.random = tools.random;
  Verdict verdict = evaluate(authors, facts.message, tools.dns, options, policy);
  if (verdict.policy) {
    trace.push_back("record at _dmarc." + verdict.policy->domain + ": " + verdict.policy->record);
  }
  trace.push_back("dmarc = " + std::string(toString(verdict.result)) + " (" + verdict.reason +
                  ") dkim_aligned=" + (verdict.dkimAligned ? "yes" : "no") +
                  " spf_aligned=" + (verdict.spfAligned ? "yes" : "no"));
  return verdict;
}

// A chain not validated because a key lookup failed temporarily never
// lifts. When a pass would have lifted a reject (a trusted sealer's set
// recorded a pass), the outcome depends on that lookup: under
// TemperrorAction tempfail the message is deferred (451, disposition
// tempfail) rather than rejected for good; it is decided again when it
// comes back. Otherwise the policy applies as to a failed chain.
void deferOnArcTempError(Decision& decision, const ArcValidation& arc, const SitePolicy& site,
                         OrgDomainFinder& finder)
{
  Verdict& verdict = decision.record.verdict;
  ArcValidation validated = arc;
  validated.result = ArcResult::Pass;
  ArcLiftCheck check = checkArcLift(validated, verdict, site, finder);
  if (!check.lift) {
    decision.trace.push_back("arc: temperror, and a pass would lift nothing: " + check.why);
    return;
  }
  if (verdict.applied != Disposition::Reject || !site.engine.tempfailOnTemperror) {
    decision.trace.push_back("arc: temperror, not deferred (TemperrorAction accept, or not a "
                             "reject): the policy applies");
    return;
  }
  verdict.applied = Disposition::Tempfail;
  decision.why = "ARC chain not validated (temporary key lookup failure); " + check.lift->comment +
                 " would lift the policy";
  decision.trace.push_back("arc: temperror; " + check.why + ": deferred");
}

// The message's ARC chain into the record and, when the message failed
// DMARC and is to be rejected or quarantined, a trusted sealer's lift
// (arc_lift.hh): disposition none, override mailing_list when the message
// has a List-Id, trusted_forwarder otherwise.
void applyArc(Decision& decision, const DecisionFacts& facts, const SitePolicy& site,
              const DecisionTools& tools)
{
  if (!facts.arc) {
    return;
  }
  const ArcValidation& arc = *facts.arc;
  MessageRecord& record = decision.record;
  record.arcResult = arc.result;
  for (const auto& set : arc.sets) {
    record.arcSealers.push_back(set.sealDomain);
  }
  Verdict& verdict = record.verdict;
  if (site.trustedArcSealers.empty() || verdict.result != DmarcResult::Fail ||
      (verdict.applied != Disposition::Reject && verdict.applied != Disposition::Quarantine)) {
    return;
  }
  OrgDomainFinder finder(tools.dns, site.engine.mode, tools.psl);
  if (arc.result == ArcResult::TempError) {
    deferOnArcTempError(decision, arc, site, finder);
    return;
  }
  ArcLiftCheck check = checkArcLift(arc, verdict, site, finder);
  decision.trace.push_back("arc: " + check.why + (check.lift ? ": policy lifted" : ""));
  if (!check.lift) {
    return;
  }
  verdict.applied = Disposition::None;
  verdict.overrides.push_back(Override{facts.listId.empty() ? OverrideReason::TrustedForwarder
                                                            : OverrideReason::MailingList,
                                       check.lift->comment});
  record.arcTrustedSealer = check.lift->sealer;
  record.overrideComment = check.lift->comment;
}

// Why this site rejected a message that its author's DMARC policy did not
// ask to reject: no usable author (UnusableFromAction), author domains over
// the limits (RejectMultiValueFrom, MaxAuthorDomains), or a failure made
// stricter by DomainPolicyOverrides.
std::string localRule(const Verdict& verdict)
{
  if (verdict.result == DmarcResult::Fail) {
    return "DMARC failure of " + verdict.fromDomain;
  }
  // The engine's reason without the reference in parentheses (RFC 9989
  // §11.5): an SMTP reply is ASCII.
  return verdict.reason.substr(0, verdict.reason.find(" ("));
}

void answer(Decision& decision, SmtpAction action, std::string code, std::string xcode,
            std::string text)
{
  decision.action = action;
  decision.reply = SmtpReply{std::move(code), std::move(xcode), std::move(text)};
}

// The verdict (and the header rule) -> what the MTA is told and does.
void dispose(Decision& decision, const DecisionFacts& facts, const SitePolicy& site)
{
  const Verdict& verdict = decision.verdict();
  std::string headerProblem = site.requiredHeaders ? facts.headerCounts.problem() : std::string();
  if (!headerProblem.empty()) {
    answer(decision, SmtpAction::Reject, "550", "5.7.1",
           "Message header does not comply with RFC 5322 section 3.6");
    decision.why = "RequiredHeaders: " + headerProblem;
  } else if (verdict.applied == Disposition::Reject && verdict.requested == Disposition::Reject) {
    answer(decision, SmtpAction::Reject, "550", "5.7.1",
           formatReject(site.rejectText, verdict.fromDomain));
  } else if (verdict.applied == Disposition::Reject) {
    // Not the sender's policy but a rule of this site: the reply and the
    // log say so, rather than blame a policy that was never consulted.
    std::string rule = localRule(verdict);
    answer(decision, SmtpAction::Reject, "550", "5.7.1",
           printableAscii("Email rejected by local policy: " + rule, 450));
    decision.why = "local policy: " + rule;
  } else if (verdict.applied == Disposition::Tempfail) {
    answer(decision, SmtpAction::Tempfail, "451", "4.7.5",
           "DMARC evaluation failed temporarily, try again later");
  }
  if (decision.action != SmtpAction::Accept) {
    return;
  }
  for (auto it = facts.forgedAuthResults.rbegin(); it != facts.forgedAuthResults.rend(); ++it) {
    decision.headerEdits.push_back(
        HeaderEdit{HeaderEdit::Kind::Delete, std::string(s_authResults), *it, {}});
  }
  decision.headerEdits.push_back(
      HeaderEdit{HeaderEdit::Kind::Insert, std::string(s_authResults), 0, decision.authResults});
  if (verdict.applied == Disposition::Quarantine && site.holdQuarantined) {
    decision.holdReason = "DMARC policy quarantine for " + printableAscii(verdict.fromDomain, 253);
  }
}
} // namespace

Decision decide(const DecisionFacts& facts, const SitePolicy& site, const DecisionTools& tools)
{
  Decision decision;
  decision.record = recordOf(facts);
  decision.record.verdict = evaluateWithSite(facts, site, tools, decision.trace);
  applyArc(decision, facts, site, tools);
  decision.authResults =
      authResultsValue(site.authservId, decision.verdict(), facts, decision.record);
  dispose(decision, facts, site);
  return decision;
}

void DecisionFacts::addHeader(std::string_view name, std::string_view value, const SitePolicy& site)
{
  // "From : x" is a From field (RFC 5322 §4.5.2), whatever the MTA made of
  // the name; so for every name below.
  name = bareFieldName(name);
  headerCounts.add(name);
  if (equalsIgnoreCase(name, s_authResults)) {
    ++authResultsSeen;
    auto id = parseAuthservId(value);
    if (id && site.isOwnAuthservId(*id) && forgedAuthResults.size() < s_maxForgedAuthResults) {
      forgedAuthResults.push_back(authResultsSeen);
    }
  } else if (equalsIgnoreCase(name, "from")) {
    fromBytes += value.size();
    if (message.fromHeaders.size() < s_maxFromFields && fromBytes <= s_maxFromBytes) {
      message.fromHeaders.emplace_back(value);
    }
  } else if (equalsIgnoreCase(name, "list-id") && listId.empty()) {
    listId = listIdOf(value);
  }
}

std::string listIdOf(std::string_view value)
{
  auto open = value.rfind('<');
  auto close = value.rfind('>');
  if (open == std::string_view::npos || close == std::string_view::npos || open > close) {
    return {};
  }
  return std::string(value.substr(open + 1, close - open - 1).substr(0, 255));
}

std::string addressDomain(std::string_view address)
{
  auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return {};
  }
  auto domain = toLowerAscii(address.substr(at + 1));
  while (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return domain;
}
} // namespace dmarc
