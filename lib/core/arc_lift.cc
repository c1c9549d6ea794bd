// arc_lift.cc: a trusted sealer's ARC record lifts a DMARC failure (see
// arc_lift.hh).
#include "lib/core/arc_lift.hh"

#include "lib/core/alignment.hh"
#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
enum class RecordSays
{
  Nothing, // no pass for the From domain
  Pass,    // dmarc=pass for it, or an aligned spf or dkim pass
  Failure, // a DMARC result other than pass for it
};

std::string propertyOf(const AuthResultsMethod& method, std::string_view ptype,
                       std::string_view property)
{
  for (const auto& item : method.properties) {
    if (item.ptype == ptype && item.property == property) {
      return item.value;
    }
  }
  return {};
}

// "user@example.com" or "example.com" -> "example.com".
std::string domainPart(std::string_view identity)
{
  auto at = identity.rfind('@');
  return toLowerAscii(at == std::string_view::npos ? identity : identity.substr(at + 1));
}

// What one set's ARC-Authentication-Results says about the From domain.
RecordSays recordSays(const ParsedAuthResults& record, const std::string& fromDomain,
                      const PublishedPolicy& policy, OrgDomainFinder& finder, std::string& what)
{
  RecordSays says = RecordSays::Nothing;
  for (const auto& method : record.results) {
    bool pass = method.result == "pass";
    if (method.method == "dmarc") {
      std::string from = propertyOf(method, "header", "from");
      if (!from.empty() && !equalsIgnoreCase(domainPart(from), fromDomain)) {
        continue;
      }
      if (!pass) {
        what = "dmarc=" + method.result;
        return RecordSays::Failure;
      }
      what = "dmarc=pass";
      says = RecordSays::Pass;
    } else if (pass && says == RecordSays::Nothing && method.method == "spf") {
      std::string domain = domainPart(propertyOf(method, "smtp", "mailfrom"));
      if (checkAlignment(fromDomain, domain, policy.aspf, finder) == Alignment::Aligned) {
        what = "spf=pass smtp.mailfrom=" + domain;
        says = RecordSays::Pass;
      }
    } else if (pass && says == RecordSays::Nothing && method.method == "dkim") {
      std::string domain = toLowerAscii(propertyOf(method, "header", "d"));
      if (domain.empty()) {
        domain = domainPart(propertyOf(method, "header", "i"));
      }
      if (checkAlignment(fromDomain, domain, policy.adkim, finder) == Alignment::Aligned) {
        what = "dkim=pass header.d=" + domain;
        says = RecordSays::Pass;
      }
    }
  }
  return says;
}
} // namespace

ArcLiftCheck checkArcLift(const ArcValidation& arc, const Verdict& verdict, const SitePolicy& site,
                          OrgDomainFinder& finder)
{
  ArcLiftCheck check;
  if (arc.result != ArcResult::Pass) {
    check.why = "chain " + std::string(toString(arc.result));
    return check;
  }
  if (verdict.result != DmarcResult::Fail || !verdict.policy || verdict.fromDomains.size() != 1) {
    check.why = "only a failure of one author domain is lifted";
    return check;
  }
  const ArcSetSummary* trusted = nullptr;
  for (auto it = arc.sets.rbegin(); it != arc.sets.rend() && trusted == nullptr; ++it) {
    if (site.isTrustedArcSealer(it->sealDomain)) {
      trusted = &*it;
    }
  }
  if (trusted == nullptr) {
    check.why = "no set sealed by a trusted sealer";
    return check;
  }
  const std::string set = "as[" + std::to_string(trusted->instance) + "].d=" + trusted->sealDomain;
  if (arc.oldestPass && *arc.oldestPass > trusted->instance) {
    check.why = set +
                ": the message changed after it (oldest-pass=" + std::to_string(*arc.oldestPass) +
                ")";
    return check;
  }
  if (!trusted->authResults) {
    check.why = set + ": its ARC-Authentication-Results is not RFC 8601 syntax";
    return check;
  }
  std::string what;
  RecordSays says =
      recordSays(*trusted->authResults, verdict.fromDomain, *verdict.policy, finder, what);
  if (says != RecordSays::Pass) {
    check.why = set + (says == RecordSays::Failure ? " recorded " + what
                                                   : " recorded no pass for " + verdict.fromDomain);
    return check;
  }
  check.lift = ArcLift{trusted->instance, trusted->sealDomain, "arc=pass " + set};
  check.why = set + " recorded " + what;
  return check;
}
} // namespace dmarc
