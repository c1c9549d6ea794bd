// message_record.hh: everything the history store keeps about one message:
// the engine's Verdict plus the facts of the SMTP session it came from.
// A value type only. The milter fills it at end-of-message and hands it to a
// VerdictStore (lib/core/verdict_store.hh); the store writes it to the local
// spool and to PostgreSQL (one column per field in sql/0001_verdicts.sql and
// sql/0007_arc.sql).
//
// Trust: every string here is untrusted (it came from the SMTP client or from
// DNS) and is stored verbatim through parameterised SQL; nothing here is
// ever interpreted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/arc_result.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
// The TLS facts of the SMTP session (from the MTA's macros: Postfix
// {tls_version}, {cipher}, {cipher_bits}, {cert_subject}, {cert_issuer};
// sendmail {verify}). Absent (std::nullopt in MessageRecord::tls) means the
// session was in cleartext.
struct TlsFacts
{
  std::string version; // e.g. "TLSv1.3"
  std::string cipher;  // e.g. "TLS_AES_256_GCM_SHA384"
  unsigned bits = 0;   // symmetric key bits, 0 when unknown
  std::string verify;  // sendmail {verify}: OK, NO, NOT, FAIL, NONE, ...; empty if unknown
  std::string certSubject;
  std::string certIssuer;
};

// What a failure report (RFC 9991) needs beyond the verdict, kept only for
// a message whose policy asks for one (failure_condition.hh) when the site
// enables failure reports: the whole envelope addresses and the header
// section, bounded by the milter (header_section.hh).
struct FailureSample
{
  std::string mailFrom;            // RFC5321.MailFrom; empty for <>
  std::vector<std::string> rcptTo; // RCPT TO addresses, at most s_maxFailureRcpts
  std::string headers;             // the header section as received, LF line ends
  bool headersTruncated = false;   // the section was longer than the site's limit
};

// Why 64: a failure report names recipients only to help the owner find the
// message; a list longer than this says nothing more.
inline constexpr std::size_t s_maxFailureRcpts = 64;

struct MessageRecord
{
  // The unique key of the stored row (a UUID in its 36-character text form).
  // The milter sets it from the message's identity for a final verdict
  // (message_identity.hh), so that a retry of a message whose answer was
  // lost finds the first attempt's row. Left empty, VerdictStore::store()
  // assigns a random UUID. Replays of the spool reuse it, which is what
  // makes them idempotent.
  std::string messageKey;

  std::chrono::system_clock::time_point receivedAt; // end-of-message time
  std::string reportingHost;                        // this MX (the {j} macro or gethostname)
  std::string queueId;                              // the {i} macro; empty when unknown
  std::string clientIp; // textual IPv4/IPv6 address, no brackets; empty when unknown
  std::string helo;
  std::string mailFromDomain;           // RFC5321.MailFrom domain; empty for <>
  std::vector<std::string> rcptDomains; // distinct RCPT TO domains
  std::optional<TlsFacts> tls;          // nullopt: cleartext session

  Verdict verdict; // what the engine decided

  // The message's ARC chain (RFC 8617) as the milter validated it, kept so
  // that the history shows why failing mail was delivered.
  ArcResult arcResult = ArcResult::None; // none/pass/fail of the chain
  std::vector<std::string> arcSealers;   // ARC-Seal d= of each set, instance 1..N
  // The trusted sealer whose ARC-Authentication-Results lifted the policy;
  // empty when none did.
  std::string arcTrustedSealer;
  // The comment of the override ARC caused, e.g. "arc=pass
  // as[2].d=lists.example.org"; empty when none.
  std::string overrideComment;

  // Set only when a failure report was requested and the site keeps them.
  std::optional<FailureSample> failure;
};
} // namespace dmarc
