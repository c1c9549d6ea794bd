// sample_message_record.hh: a fully populated MessageRecord for the store's
// tests (every optional set, every list non-empty), and a field-by-field
// comparison that names the first field that differs.
#pragma once

#include <string>

#include "lib/core/message_record.hh"

namespace dmarc
{
inline MessageRecord sampleMessageRecord(int n = 1)
{
  MessageRecord record;
  record.messageKey = "6f1c2a3b-4d5e-4f60-8a7b-0c1d2e3f40" + std::to_string(10 + n % 90);
  record.receivedAt =
      std::chrono::system_clock::time_point(std::chrono::microseconds(1'795'000'000'123'456LL + n));
  record.reportingHost = "mx1.example.net";
  record.queueId = "4Qx" + std::to_string(n);
  record.clientIp = "2001:db8::25";
  record.helo = "mail.example.com";
  record.mailFromDomain = "bounce.example.com";
  record.rcptDomains = {"example.net", "example.org"};
  record.tls =
      TlsFacts{"TLSv1.3", "TLS_AES_256_GCM_SHA384", 256, "OK", "CN=mail.example.com", "CN=Test CA"};
  Verdict& v = record.verdict;
  v.fromDomain = "example.com";
  v.fromDomains = {"example.com"};
  v.result = DmarcResult::Fail;
  v.reason = "no aligned identifier";
  v.dkimAligned = false;
  v.spfAligned = true;
  PublishedPolicy policy;
  policy.domain = "example.com";
  policy.record = "v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.com";
  policy.p = Policy::Reject;
  policy.sp = Policy::Quarantine;
  policy.np = Policy::Reject;
  policy.adkim = AlignmentMode::Strict;
  policy.aspf = AlignmentMode::Relaxed;
  policy.fo = "1";
  policy.pct = 50;
  policy.testing = true;
  policy.psd = PsdFlag::No;
  policy.rua = {"mailto:d@example.com", "mailto:x@example.org"};
  policy.ruf = {"mailto:f@example.com"};
  v.policy = policy;
  v.orgDomain = "example.com";
  v.discoveryMethod = DiscoveryMethod::Psl;
  v.policyTag = PolicyTag::Sp;
  v.authorDomainExists = true;
  v.effectivePolicy = Policy::Quarantine;
  v.requested = Disposition::Reject;
  v.applied = Disposition::Quarantine;
  v.overrides = {{OverrideReason::MailingList, "list.example.org"}, {OverrideReason::Other, ""}};
  v.spf = SpfOutcome{SpfResult::Softfail, SpfScope::Mfrom, "bounce.example.com", "~all"};
  v.spfHelo = SpfOutcome{SpfResult::Pass, SpfScope::Helo, "mail.example.com", ""};
  DkimSignatureOutcome sig;
  sig.result = DkimResult::Fail;
  sig.domain = "example.com";
  sig.selector = "s1";
  sig.algorithm = "rsa-sha256";
  sig.bPrefix = "abcd1234";
  sig.identity = "@example.com";
  sig.humanResult = "body hash mismatch";
  sig.keyBits = 2048;
  v.dkim = {sig, sig};
  v.dkim[1].domain = "esp.example";
  v.dkim[1].result = DkimResult::Pass;
  v.dkim[1].algorithm = "ed25519-sha256";
  v.dkim[1].keyBits = 256;
  record.arcResult = ArcResult::Pass;
  record.arcSealers = {"forwarder.example", "lists.example.org"};
  record.arcTrustedSealer = "lists.example.org";
  record.overrideComment = "arc=pass as[2].d=lists.example.org";
  return record;
}

// The sample with what a failure report needs (fo=1 and a ruf are set).
inline MessageRecord sampleFailureRecord(int n = 1)
{
  MessageRecord record = sampleMessageRecord(n);
  FailureSample failure;
  failure.mailFrom = "alice.sender@bounce.example.com";
  failure.rcptTo = {"bob@example.net", "carol@example.org"};
  failure.headers = "From: Alice Sender <alice.sender@example.com>\n"
                    "To: bob@example.net\n"
                    "Subject: hello\n";
  failure.headersTruncated = true;
  record.failure = failure;
  return record;
}

// "" when equal, else the name of the first field that differs.
inline std::string firstDifference(const MessageRecord& a, const MessageRecord& b)
{
#define DM_CMP(field)                                                                              \
  if (!(a.field == b.field))                                                                       \
  return #field
  DM_CMP(messageKey);
  DM_CMP(receivedAt);
  DM_CMP(reportingHost);
  DM_CMP(queueId);
  DM_CMP(clientIp);
  DM_CMP(helo);
  DM_CMP(mailFromDomain);
  DM_CMP(rcptDomains);
  DM_CMP(tls.has_value());
  if (a.tls) {
    DM_CMP(tls->version);
    DM_CMP(tls->cipher);
    DM_CMP(tls->bits);
    DM_CMP(tls->verify);
    DM_CMP(tls->certSubject);
    DM_CMP(tls->certIssuer);
  }
  DM_CMP(verdict.fromDomain);
  DM_CMP(verdict.fromDomains);
  DM_CMP(verdict.result);
  DM_CMP(verdict.reason);
  DM_CMP(verdict.dkimAligned);
  DM_CMP(verdict.spfAligned);
  DM_CMP(verdict.policy.has_value());
  if (a.verdict.policy) {
    DM_CMP(verdict.policy->domain);
    DM_CMP(verdict.policy->record);
    DM_CMP(verdict.policy->p);
    DM_CMP(verdict.policy->sp);
    DM_CMP(verdict.policy->np);
    DM_CMP(verdict.policy->adkim);
    DM_CMP(verdict.policy->aspf);
    DM_CMP(verdict.policy->fo);
    DM_CMP(verdict.policy->pct);
    DM_CMP(verdict.policy->testing);
    DM_CMP(verdict.policy->psd);
    DM_CMP(verdict.policy->rua);
    DM_CMP(verdict.policy->ruf);
  }
  DM_CMP(verdict.orgDomain);
  DM_CMP(verdict.discoveryMethod);
  DM_CMP(verdict.policyTag);
  DM_CMP(verdict.authorDomainExists);
  DM_CMP(verdict.effectivePolicy);
  DM_CMP(verdict.requested);
  DM_CMP(verdict.applied);
  DM_CMP(verdict.overrides.size());
  for (std::size_t i = 0; i < a.verdict.overrides.size(); ++i) {
    DM_CMP(verdict.overrides[i].reason);
    DM_CMP(verdict.overrides[i].comment);
  }
  DM_CMP(verdict.spf.result);
  DM_CMP(verdict.spf.scope);
  DM_CMP(verdict.spf.domain);
  DM_CMP(verdict.spf.explanation);
  DM_CMP(verdict.spfHelo.has_value());
  if (a.verdict.spfHelo) {
    DM_CMP(verdict.spfHelo->result);
    DM_CMP(verdict.spfHelo->domain);
  }
  DM_CMP(verdict.dkim.size());
  for (std::size_t i = 0; i < a.verdict.dkim.size(); ++i) {
    DM_CMP(verdict.dkim[i].result);
    DM_CMP(verdict.dkim[i].domain);
    DM_CMP(verdict.dkim[i].selector);
    DM_CMP(verdict.dkim[i].algorithm);
    DM_CMP(verdict.dkim[i].bPrefix);
    DM_CMP(verdict.dkim[i].identity);
    DM_CMP(verdict.dkim[i].humanResult);
    DM_CMP(verdict.dkim[i].keyBits);
  }
  DM_CMP(arcResult);
  DM_CMP(arcSealers);
  DM_CMP(arcTrustedSealer);
  DM_CMP(overrideComment);
  DM_CMP(failure.has_value());
  if (a.failure) {
    DM_CMP(failure->mailFrom);
    DM_CMP(failure->rcptTo);
    DM_CMP(failure->headers);
    DM_CMP(failure->headersTruncated);
  }
#undef DM_CMP
  return "";
}
} // namespace dmarc
