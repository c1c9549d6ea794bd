// posture_check.cc: the checks of `dmarc-reports check`; see posture_check.hh.
#include "reporting/check/posture_check.hh"

#include <algorithm>
#include <cctype>
#include <functional>

#include "lib/core/ascii_text.hh"
#include "lib/core/dmarc_record.hh"
#include "lib/core/org_domain.hh"
#include "lib/core/spf_record.hh"
#include "lib/core/verdict.hh"
#include "reporting/check/destination_check.hh"
#include "reporting/check/mta_sts_policy.hh"
#include "reporting/rua_uri.hh"

namespace dmarc
{
namespace
{
// RFC 7208 §4.6.4: at most 10 terms that cause DNS lookups.
constexpr int s_spfLookupLimit = 10;
// Our own bound while counting: includes are followed at most this deep and
// this many records are fetched, so a looping or huge SPF tree ends.
constexpr int s_spfMaxDepth = 10;
constexpr int s_spfMaxFetches = 40;

void add(DomainPosture& posture, Finding::Level level, std::string area, std::string message)
{
  posture.findings.push_back({level, std::move(area), std::move(message)});
}

std::string dnsProblem(const DnsAnswer& answer, std::string_view name)
{
  return "DNS lookup of " + std::string(name) + " failed (" + answer.error + "); try again later";
}

// The policy a receiver applies through a record, and the words that say
// which tag gave it: p for the domain's own record; for an inherited one,
// np for a name that does not exist (RFC 9989 §4.10.1; RFC 7489 has no
// np), else sp, else p. Then t=y (RFC 9989 §4.7; RFC 7489 has no t): one
// level lower, as the engine applies it.
struct AppliedPolicy
{
  Policy policy = Policy::None;
  std::string text;
};

AppliedPolicy appliedPolicy(const PublishedPolicy& policy, bool inherited, bool nonExistent,
                            DmarcMode mode)
{
  AppliedPolicy out;
  const bool rfc9989 = mode == DmarcMode::Rfc9989;
  if (!inherited) {
    out = {policy.p, "p=" + std::string(toString(policy.p))};
  } else if (rfc9989 && nonExistent && policy.np) {
    out = {*policy.np, "np=" + std::string(toString(*policy.np)) + " (the name does not exist)"};
  } else if (policy.sp) {
    out = {*policy.sp, "sp=" + std::string(toString(*policy.sp))};
  } else {
    out = {policy.p, "p=" + std::string(toString(policy.p)) + " (the record has no sp)"};
  }
  if (rfc9989 && policy.testing && out.policy != Policy::None) {
    out.policy = out.policy == Policy::Reject ? Policy::Quarantine : Policy::None;
    out.text += " with t=y, so " + std::string(toString(out.policy));
  }
  return out;
}

// The pitfall of tools that stop at the first record found: a nearer record
// without psd=n is not the one that applies. Says so for each record the
// tree walk passed before the one at `applied`.
std::string nearerRecordsNote(const TreeWalk& walked, const std::string& applied)
{
  std::string note;
  for (const auto& nearer : walked.names) {
    if (nearer == applied) {
      break;
    }
    note += " (the nearer record at _dmarc." + nearer +
            " does not apply: without psd=n it does not make " + nearer +
            " an Organizational Domain)";
  }
  return note;
}

// Appends to `message` what receivers following RFC 7489 do for a domain
// without its own record (`old`), next to what RFC 9989 ones do (`bis`).
// False when they find no record or another one than RFC 9989 receivers.
bool rfc7489AgreesWith(const PolicyLocation& bis, const PolicyLocation& old, bool nonExistent,
                       std::string& message)
{
  if (old.kind == PolicyLocation::Kind::None) {
    message += "; receivers following RFC 7489 (Organizational Domain from the Public Suffix "
               "List) find no record and apply no policy";
    return false;
  }
  if (bis.kind != PolicyLocation::Kind::None && old.domain == bis.domain) {
    message += "; receivers following RFC 7489 (Public Suffix List) use the same record";
    return true;
  }
  const DmarcRecord& record = *old.record;
  message += "; receivers following RFC 7489 use the record at _dmarc." + old.domain +
             " instead, the Organizational Domain by the Public Suffix List (section 3.2)";
  message += record.status == RecordStatus::Valid
                 ? ": " + appliedPolicy(record.policy, true, nonExistent, DmarcMode::Rfc7489).text +
                       " applies for them"
                 : std::string(", which is not usable (" + record.error + ")");
  return false;
}

struct SpfCount
{
  int lookups = 0;
  int fetches = 0;
  std::string problem; // a record in the tree that is missing or invalid
};

void countSpf(DnsResolver& resolver, std::string_view domain, int depth, SpfCount& count)
{
  if (depth > s_spfMaxDepth || ++count.fetches > s_spfMaxFetches) {
    count.problem = "the include/redirect tree is deeper or larger than " +
                    std::to_string(s_spfMaxDepth) + " levels / " + std::to_string(s_spfMaxFetches) +
                    " records";
    return;
  }
  const DnsAnswer answer = resolver.query(domain, DnsType::TXT);
  std::vector<std::string> records;
  for (const auto& text : answer.records) {
    if (isSpfRecordText(text)) {
      records.push_back(text);
    }
  }
  if (answer.status == DnsStatus::Failure || records.size() != 1) {
    if (count.problem.empty()) {
      count.problem = std::string(domain) + (answer.status == DnsStatus::Failure ? ": DNS failure"
                                             : records.empty()                   ? ": no SPF record"
                                                               : ": several SPF records");
    }
    return;
  }
  const SpfParseResult parsed = parseSpfRecord(records.front());
  if (!parsed.record) {
    if (count.problem.empty()) {
      count.problem = std::string(domain) + ": " + parsed.error;
    }
    return;
  }
  for (const auto& term : parsed.record->terms) {
    if (term.isModifier) {
      if (term.name == "redirect") {
        ++count.lookups;
        if (term.value.find('%') == std::string::npos) {
          countSpf(resolver, term.value, depth + 1, count);
        }
      }
      continue;
    }
    switch (term.mechanism) {
    case SpfMechanism::Include:
      ++count.lookups;
      if (term.domainSpec.find('%') == std::string::npos) {
        countSpf(resolver, term.domainSpec, depth + 1, count);
      }
      break;
    case SpfMechanism::A:
    case SpfMechanism::Mx:
    case SpfMechanism::Ptr:
    case SpfMechanism::Exists:
      ++count.lookups;
      break;
    case SpfMechanism::All:
    case SpfMechanism::Ip4:
    case SpfMechanism::Ip6:
      break;
    }
  }
}
} // namespace

std::string_view toString(Finding::Level level)
{
  switch (level) {
  case Finding::Level::Ok:
    return "ok";
  case Finding::Level::Warning:
    return "warning";
  case Finding::Level::Error:
    break;
  }
  return "error";
}

Finding::Level DomainPosture::worst() const
{
  Finding::Level level = Finding::Level::Ok;
  for (const auto& finding : findings) {
    level = std::max(level, finding.level);
  }
  return level;
}

std::vector<std::string> PostureChecker::addresses(std::string_view host)
{
  std::vector<std::string> out;
  for (const DnsType type : {DnsType::A, DnsType::AAAA}) {
    const DnsAnswer answer = d_resolver.query(host, type);
    if (answer.status == DnsStatus::Data) {
      out.insert(out.end(), answer.records.begin(), answer.records.end());
    }
  }
  return out;
}

DomainPosture PostureChecker::check(std::string_view domain)
{
  DomainPosture posture;
  posture.domain = toLowerAscii(domain);
  while (!posture.domain.empty() && posture.domain.back() == '.') {
    posture.domain.pop_back();
  }
  checkDmarc(posture);
  checkSpf(posture);
  checkMx(posture);
  checkMtaSts(posture);
  checkTlsRpt(posture);
  return posture;
}

void PostureChecker::checkDmarc(DomainPosture& posture)
{
  const std::string name = "_dmarc." + posture.domain;
  const DnsAnswer answer = d_resolver.query(name, DnsType::TXT);
  if (answer.status == DnsStatus::Failure) {
    add(posture, Finding::Level::Error, "DMARC", dnsProblem(answer, name));
    return;
  }
  std::vector<std::string> records;
  for (const auto& text : answer.records) {
    if (isDmarcRecord(text)) {
      records.push_back(text);
    }
  }
  if (records.empty()) {
    checkInheritedDmarc(posture);
    return;
  }
  if (records.size() > 1) {
    addDuplicateDmarc(posture, name, records.size());
    return;
  }
  const DmarcRecord record = parseDmarcRecord(records.front(), DmarcMode::Rfc9989);
  if (record.status != RecordStatus::Valid) {
    add(posture, Finding::Level::Error, "DMARC",
        "record \"" + records.front() + "\" is not usable: " + record.error);
    return;
  }
  if (record.policyRewritten) {
    add(posture, Finding::Level::Error, "DMARC",
        "record \"" + records.front() +
            "\" has an invalid policy tag, read as p=none: " + record.error);
  }
  const AppliedPolicy applied = appliedPolicy(record.policy, false, false, DmarcMode::Rfc9989);
  if (applied.policy == Policy::None) {
    add(posture, Finding::Level::Warning, "DMARC",
        "policy " + applied.text +
            ": monitoring only, spoofed mail is still delivered; move to quarantine or "
            "reject once "
            "the reports show your own mail aligned");
  } else {
    add(posture, Finding::Level::Ok, "DMARC", "record found, policy " + applied.text);
  }
  checkRuaDestinations(posture, records.front());
}

// More than one record at _dmarc.<domain>: an error, and what receivers of
// each kind do until it is fixed.
void PostureChecker::addDuplicateDmarc(DomainPosture& posture, const std::string& name,
                                       std::size_t count)
{
  // RFC 9989 receivers then walk up the tree as if there were none; RFC
  // 7489 ones stop (§6.6.3 step 3). The engine's discovery says where to.
  std::string message = std::to_string(count) + " DMARC records at " + name +
                        ": receivers ignore them all (RFC 9989 §4.10); keep exactly one";
  OrgDomainFinder treeWalk(d_resolver, DmarcMode::Rfc9989, &d_psl);
  const PolicyLocation bis = treeWalk.discoverPolicy(posture.domain);
  if (bis.kind == PolicyLocation::Kind::OrgDomain || bis.kind == PolicyLocation::Kind::Psd) {
    message += "; until then receivers following RFC 9989 use the record at _dmarc." + bis.domain +
               " instead";
    if (bis.record->status == RecordStatus::Valid) {
      const bool nonExistent =
          d_resolver.query(posture.domain, DnsType::A).status == DnsStatus::NxDomain;
      message += " (" +
                 appliedPolicy(bis.record->policy, true, nonExistent, DmarcMode::Rfc9989).text +
                 ")";
    }
    message += " and receivers following RFC 7489 apply none";
  }
  add(posture, Finding::Level::Error, "DMARC", message);
}

// Each rua= destination of the record: a valid URI, and one that receivers
// will send to (inside the organisation or authorised by its host).
void PostureChecker::checkRuaDestinations(DomainPosture& posture, const std::string& record)
{
  const std::vector<std::string> rua = ruaFromRecord(record);
  if (rua.empty()) {
    add(posture, Finding::Level::Warning, "DMARC",
        "no rua= destination: you receive no aggregate reports");
  }
  const auto orgDomain = d_psl.registrableDomain(posture.domain);
  for (const auto& text : rua) {
    const auto uri = parseRuaUri(text);
    if (!uri) {
      add(posture, Finding::Level::Error, "DMARC",
          "rua URI '" + text + "' is not a valid mailto: or https: URI");
      continue;
    }
    const DestinationCheck destination =
        checkDestination(d_resolver, posture.domain, orgDomain ? *orgDomain : posture.domain, *uri);
    switch (destination.status) {
    case DestinationCheck::Status::Internal:
      add(posture, Finding::Level::Ok, "DMARC",
          "rua " + text + " is in the domain's own organisation");
      break;
    case DestinationCheck::Status::Authorized:
      add(posture, Finding::Level::Ok, "DMARC",
          "rua " + text + " is authorised by its host: " + destination.reason);
      break;
    case DestinationCheck::Status::NotAuthorized:
      add(posture, Finding::Level::Error, "DMARC",
          "rua " + text +
              " is outside the domain and not authorised, so receivers send it nothing (" +
              destination.reason + "); its host must publish " + posture.domain +
              "._report._dmarc.<host> TXT "
              "\"v=DMARC1\"");
      break;
    case DestinationCheck::Status::TempError:
      add(posture, Finding::Level::Warning, "DMARC",
          "rua " + text + ": the authorisation could not be checked (" + destination.reason + ")");
      break;
    }
  }
}

// No record at _dmarc.<domain>: receivers look further up the tree, and the
// two kinds of receivers may look in different places. The discovery is the
// engine's own (lib/core/org_domain), run once per method, so this explains
// what the milter itself would do.
void PostureChecker::checkInheritedDmarc(DomainPosture& posture)
{
  const std::string own = "_dmarc." + posture.domain;
  OrgDomainFinder treeWalk(d_resolver, DmarcMode::Rfc9989, &d_psl);
  const PolicyLocation bis = treeWalk.discoverPolicy(posture.domain);
  OrgDomainFinder pslWalk(d_resolver, DmarcMode::Rfc7489, &d_psl);
  const PolicyLocation old = pslWalk.discoverPolicy(posture.domain);
  for (const PolicyLocation* location : {&bis, &old}) {
    if (location->kind == PolicyLocation::Kind::TempError) {
      add(posture, Finding::Level::Error, "DMARC",
          "no DMARC record at " + own +
              ", and the DNS lookups for a parent domain's record failed (" + location->error +
              "); try again later");
      return;
    }
  }
  const std::string publish = "publish e.g. \"v=DMARC1; p=none; rua=mailto:dmarc@" +
                              posture.domain + "\" at " + own + " and tighten p later";
  if (bis.kind == PolicyLocation::Kind::None && old.kind == PolicyLocation::Kind::None) {
    add(posture, Finding::Level::Error, "DMARC",
        "no DMARC record at " + own +
            ", nor at a parent domain (RFC 9989 section 4.10 DNS tree walk, RFC 7489 "
            "Organizational "
            "Domain): receivers apply no policy and send no reports; " +
            publish);
    return;
  }
  // RFC 9989 §4.10.1: an inherited record applies through sp, or np when the
  // name does not exist; p when the tag it needs is absent.
  const DnsAnswer exists = d_resolver.query(posture.domain, DnsType::A);
  const bool nonExistent = exists.status == DnsStatus::NxDomain;
  auto applies = [&](const PolicyLocation& location, DmarcMode mode) {
    return appliedPolicy(location.record->policy, true, nonExistent, mode);
  };

  Finding::Level level = Finding::Level::Ok;
  std::string message = "no DMARC record at " + own + "; ";
  if (bis.kind == PolicyLocation::Kind::None) {
    level = Finding::Level::Warning;
    message +=
        "receivers following RFC 9989 (DNS tree walk, section 4.10) find no record that applies";
  } else {
    const DmarcRecord& record = *bis.record;
    if (bis.kind == PolicyLocation::Kind::Psd) {
      level = Finding::Level::Warning;
      message += "receivers following RFC 9989 find only the record of the public suffix domain " +
                 bis.domain +
                 " (psd=y, RFC 9989 section 4.10.1), set by the suffix's operator, not you";
    } else {
      message += "receivers following RFC 9989 use the record at _dmarc." + bis.domain +
                 ", the Organizational Domain found by the DNS tree walk (section 4.10.2)";
    }
    if (record.status != RecordStatus::Valid) {
      add(posture, Finding::Level::Error, "DMARC",
          message + ", but that record is not usable (" + record.error +
              "): receivers apply no policy; " + publish);
      return;
    }
    const AppliedPolicy applied = applies(bis, DmarcMode::Rfc9989);
    message += ": " + applied.text + " applies to this domain";
    message += nearerRecordsNote(treeWalk.walk(posture.domain), bis.domain);
    if (applied.policy == Policy::None) {
      level = Finding::Level::Warning;
      message += ", which is monitoring only";
    }
  }
  if (!rfc7489AgreesWith(bis, old, nonExistent, message)) {
    level = Finding::Level::Warning;
  }
  if (level != Finding::Level::Ok) {
    message += "; to decide it yourself, " + publish;
  }
  add(posture, level, "DMARC", message);
}

void PostureChecker::checkSpf(DomainPosture& posture)
{
  const DnsAnswer answer = d_resolver.query(posture.domain, DnsType::TXT);
  if (answer.status == DnsStatus::Failure) {
    add(posture, Finding::Level::Error, "SPF", dnsProblem(answer, posture.domain));
    return;
  }
  std::vector<std::string> records;
  for (const auto& text : answer.records) {
    if (isSpfRecordText(text)) {
      records.push_back(text);
    }
  }
  if (records.empty()) {
    add(posture, Finding::Level::Warning, "SPF",
        "no SPF record: DMARC can pass only through DKIM; publish \"v=spf1 mx -all\" or your "
        "senders");
    return;
  }
  if (records.size() > 1) {
    add(posture, Finding::Level::Error, "SPF",
        std::to_string(records.size()) +
            " SPF records: every check is a permerror (RFC 7208 §4.5); merge them");
    return;
  }
  const SpfParseResult parsed = parseSpfRecord(records.front());
  if (!parsed.record) {
    add(posture, Finding::Level::Error, "SPF",
        "record \"" + records.front() + "\" is invalid (" + parsed.error +
            "): every check is a permerror");
    return;
  }
  for (const auto& term : parsed.record->terms) {
    if (!term.isModifier && term.mechanism == SpfMechanism::All && term.qualifier == '+') {
      add(posture, Finding::Level::Error, "SPF",
          "\"+all\" authorises every host on the Internet to send as you");
    }
  }
  if (!parsed.record->hasAll() && parsed.record->redirect() == nullptr) {
    add(posture, Finding::Level::Warning, "SPF",
        "no \"all\" term: unlisted hosts get neutral, not fail");
  }
  SpfCount count;
  countSpf(d_resolver, posture.domain, 0, count);
  if (!count.problem.empty()) {
    add(posture, Finding::Level::Error, "SPF", "an included record is broken: " + count.problem);
  }
  if (count.lookups > s_spfLookupLimit) {
    add(posture, Finding::Level::Error, "SPF",
        "needs " + std::to_string(count.lookups) +
            " DNS lookups; more than 10 is a permerror for every receiver (RFC 7208 §4.6.4)");
  } else {
    add(posture, Finding::Level::Ok, "SPF",
        "record valid, " + std::to_string(count.lookups) + " DNS lookups of 10");
  }
}

void PostureChecker::checkMx(DomainPosture& posture)
{
  const DnsAnswer answer = d_resolver.query(posture.domain, DnsType::MX);
  if (answer.status == DnsStatus::Failure) {
    add(posture, Finding::Level::Error, "MX", dnsProblem(answer, posture.domain));
    return;
  }
  if (answer.status != DnsStatus::Data) {
    add(posture, Finding::Level::Error, "MX",
        "no MX record: senders fall back to the domain's address record (RFC 5321 §5.1); publish "
        "MX records");
    return;
  }
  std::vector<std::pair<int, std::string>> hosts;
  for (const auto& record : answer.records) {
    const auto space = record.find(' ');
    if (space == std::string::npos) {
      continue;
    }
    std::string host = toLowerAscii(record.substr(space + 1));
    while (!host.empty() && host.back() == '.') {
      host.pop_back();
    }
    hosts.emplace_back(std::atoi(record.substr(0, space).c_str()), host);
  }
  std::sort(hosts.begin(), hosts.end());
  if (hosts.size() == 1 && hosts.front().second.empty()) {
    add(posture, Finding::Level::Ok, "MX", "null MX (RFC 7505): the domain accepts no mail");
    return;
  }
  for (const auto& [preference, host] : hosts) {
    if (addresses(host).empty()) {
      add(posture, Finding::Level::Error, "MX",
          "MX " + host + " (preference " + std::to_string(preference) + ") has no address record");
      continue;
    }
    posture.mxHosts.push_back(host);
  }
  if (!posture.mxHosts.empty()) {
    std::string list;
    for (const auto& host : posture.mxHosts) {
      list += (list.empty() ? "" : ", ") + host;
    }
    add(posture, Finding::Level::Ok, "MX", "mail goes to " + list);
  }
}

void PostureChecker::checkMtaSts(DomainPosture& posture)
{
  const std::string name = "_mta-sts." + posture.domain;
  const DnsAnswer answer = d_resolver.query(name, DnsType::TXT);
  if (answer.status == DnsStatus::Failure) {
    add(posture, Finding::Level::Error, "MTA-STS", dnsProblem(answer, name));
    return;
  }
  const StsTxtCheck txt = checkStsTxtRecords(answer.records);
  if (!txt.valid) {
    add(posture, answer.records.empty() ? Finding::Level::Warning : Finding::Level::Error,
        "MTA-STS",
        name + ": " + txt.error +
            (answer.records.empty()
                 ? "; without MTA-STS, mail to you can be downgraded to cleartext"
                 : ""));
    return;
  }
  add(posture, Finding::Level::Ok, "MTA-STS", name + " valid, id=" + txt.id);
  const std::string host = "mta-sts." + posture.domain;
  TlsEndpoint endpoint{host, addresses(host), d_options.httpsPort};
  if (endpoint.addresses.empty()) {
    add(posture, Finding::Level::Error, "MTA-STS",
        host + " has no address record: senders cannot fetch the policy and ignore MTA-STS");
    return;
  }
  const HttpsFetchResult fetched =
      d_fetcher.get(endpoint, "/.well-known/mta-sts.txt", g_stsMaxPolicyBytes);
  if (!fetched.ok) {
    add(posture, Finding::Level::Error, "MTA-STS",
        "policy https://" + host +
            "/.well-known/mta-sts.txt could not be fetched: " + fetched.error);
    return;
  }
  if (fetched.contentType.rfind("text/plain", 0) != 0) {
    add(posture, Finding::Level::Warning, "MTA-STS",
        "policy served as '" + fetched.contentType + "', should be text/plain (RFC 8461 §3.2)");
  }
  const StsPolicy policy = parseStsPolicy(fetched.body);
  for (const auto& warning : policy.warnings) {
    add(posture, Finding::Level::Warning, "MTA-STS", "policy " + warning);
  }
  if (!policy.valid()) {
    for (const auto& error : policy.errors) {
      add(posture, Finding::Level::Error, "MTA-STS", "policy " + error);
    }
    return;
  }
  if (policy.mode == "enforce") {
    add(posture, Finding::Level::Ok, "MTA-STS",
        "policy valid, mode enforce, max_age " + std::to_string(*policy.maxAge));
  } else {
    add(posture, Finding::Level::Warning, "MTA-STS",
        "policy mode " + policy.mode + ": senders " +
            (policy.mode == "testing" ? "report failures but still deliver without TLS protection"
                                      : "behave as if there were no policy"));
  }
  if (policy.mode == "none") {
    return;
  }
  checkStsMxCoverage(posture, policy);
  if (d_options.checkStarttls) {
    probeStarttls(posture);
  }
}

// Each MX must match an mx: line of the policy, or senders enforcing it
// will not deliver there.
void PostureChecker::checkStsMxCoverage(DomainPosture& posture, const StsPolicy& policy)
{
  for (const auto& mx : posture.mxHosts) {
    const bool matched =
        std::any_of(policy.mx.begin(), policy.mx.end(),
                    [&](const std::string& pattern) { return stsMxMatches(pattern, mx); });
    if (!matched) {
      add(posture, Finding::Level::Error, "MTA-STS",
          "MX " + mx +
              " is not matched by any mx: line of the policy; senders enforcing MTA-STS will not "
              "deliver to it");
    }
  }
}

// STARTTLS on each MX, with a certificate valid for its name: what a
// sender enforcing MTA-STS needs.
void PostureChecker::probeStarttls(DomainPosture& posture)
{
  for (const auto& mx : posture.mxHosts) {
    const StarttlsResult probed = d_prober.probe({mx, addresses(mx), d_options.smtpPort});
    if (probed.certificateValid) {
      add(posture, Finding::Level::Ok, "STARTTLS",
          "MX " + mx + ": " + probed.tlsVersion + " " + probed.cipher +
              ", certificate valid for the name");
    } else {
      add(posture, Finding::Level::Error, "STARTTLS",
          "MX " + mx + ": " +
              (probed.handshake ? probed.tlsVersion + " handshake, but " : std::string()) +
              probed.error);
    }
  }
}

void PostureChecker::checkTlsRpt(DomainPosture& posture)
{
  const std::string name = "_smtp._tls." + posture.domain;
  const DnsAnswer answer = d_resolver.query(name, DnsType::TXT);
  if (answer.status == DnsStatus::Failure) {
    add(posture, Finding::Level::Error, "TLS-RPT", dnsProblem(answer, name));
    return;
  }
  const TlsRptTxtCheck txt = checkTlsRptTxtRecords(answer.records);
  if (!txt.valid) {
    add(posture, answer.records.empty() ? Finding::Level::Warning : Finding::Level::Error,
        "TLS-RPT",
        name + ": " + txt.error +
            (answer.records.empty() ? "; senders cannot tell you when TLS to you fails" : ""));
    return;
  }
  std::string list;
  for (const auto& uri : txt.rua) {
    list += (list.empty() ? "" : ", ") + uri;
  }
  add(posture, Finding::Level::Ok, "TLS-RPT", name + " valid, reports go to " + list);
}

std::string suggestPublication(std::string_view domain, const std::vector<std::string>& mxHosts,
                               std::string_view policyId)
{
  const std::string d(domain);
  std::string out;
  out += "; DNS records for " + d + "\n";
  out += "_mta-sts." + d + ". IN TXT \"v=STSv1; id=" + std::string(policyId) + "\"\n";
  out += "_smtp._tls." + d + ". IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@" + d + "\"\n";
  out += "; and an address record for mta-sts." + d +
         " serving HTTPS with a certificate for that name\n";
  out +=
      "; https://mta-sts." + d + "/.well-known/mta-sts.txt (text/plain); switch to mode: enforce\n";
  out += "; once the TLS-RPT reports show no failures, and change the id each time the policy "
         "changes\n";
  out += suggestStsPolicy(mxHosts, "testing");
  return out;
}
} // namespace dmarc
