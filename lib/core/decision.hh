// decision.hh: the end-of-message decision as one function. The facts of a
// message (identities, SPF, DKIM, the ARC chain, List-Id, client and SMTP
// authentication) and the site policy give one
// Decision: the verdict, what the MTA is told, the header edits (our
// Authentication-Results among them), whether the message is held, and the
// record to store. The milter's Session gathers the facts and carries the
// decision out; golden scenarios (tests/scenarios, dmarc-eval) drive the
// same function from a configuration file.
//
// Pure: no I/O of its own. DNS (the per-message budget), the Public Suffix
// List, IDNA and randomness come in DecisionTools, as for the engine.
// Trusts the facts the milter measured (client address, AUTH, SPF and DKIM
// results); everything taken from the message (From, List-Id) is hostile.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/address_list.hh"
#include "lib/core/arc_result.hh"
#include "lib/core/header_counts.hh"
#include "lib/core/message_record.hh"
#include "lib/core/policy_engine.hh"
#include "lib/core/site_policy.hh"

namespace dmarc
{
struct DecisionFacts
{
  // From field values, MAIL FROM, HELO, the SPF and DKIM outcomes.
  MessageFacts message;
  // The message's ARC chain (RFC 8617) as the milter validated it;
  // nullopt when ArcValidation is off. TrustedArcSealers reads it.
  std::optional<ArcValidation> arc;
  std::string listId;              // listIdOf the first List-Id field; "" when none
  std::optional<IpAddress> client; // nullopt: not an IP connection (local submission)
  std::string authenticatedUser;   // SMTP AUTH identity; "" when none
  HeaderCounts headerCounts;
  // 1-based indices, among the message's Authentication-Results fields, of
  // those claiming one of our authserv-ids (SitePolicy::isOwnAuthservId):
  // forged, to be removed (RFC 8601 §5).
  std::vector<std::size_t> forgedAuthResults;

  // Counters behind the bounds of addHeader.
  std::size_t authResultsSeen = 0;
  std::size_t fromBytes = 0;

  // Facts of the session kept in the stored record only.
  std::chrono::system_clock::time_point receivedAt;
  std::string reportingHost;
  std::string queueId;
  std::vector<std::string> rcptDomains;
  std::optional<TlsFacts> tls;

  // Takes what one header field tells (value as libmilter gives it): From
  // values (at most 16 fields, 64 KiB), the first List-Id identifier, the
  // RFC 5322 counts and our authserv-id claimed by an Authentication-Results
  // field (at most 256 remembered). Whatever the message holds, the facts
  // stay that small.
  void addHeader(std::string_view name, std::string_view value, const SitePolicy& site);
};

// What the decision may consult besides the facts.
struct DecisionTools
{
  DnsResolver& dns;
  const PublicSuffixList* psl = nullptr; // required in rfc7489 mode
  const IdnaConverter* idna = nullptr;   // null: U-label authors are unusable
  RandomSource* random = nullptr;        // pct sampling; null: always in the sample
};

// What the MTA is told at end of message.
enum class SmtpAction
{
  Accept,
  Reject,
  Tempfail,
};

struct SmtpReply
{
  std::string code;  // "550", "451"
  std::string xcode; // "5.7.1"
  std::string text;
};

struct HeaderEdit
{
  enum class Kind
  {
    Delete, // the index-th field named name (1-based)
    Insert, // at position index (0: the top)
  };
  Kind kind = Kind::Insert;
  std::string name;
  std::size_t index = 0;
  std::string value; // Insert only
};

struct Decision
{
  // The stored record; record.verdict is the engine's verdict.
  MessageRecord record;
  SmtpAction action = SmtpAction::Accept;
  SmtpReply reply; // Reject and Tempfail
  // Accepted into the MTA's hold queue with this reason (smfi_quarantine).
  std::optional<std::string> holdReason;
  // Accept only, to be applied in this order (deleting from the last field
  // to the first, so that no deletion renumbers a field still to go).
  std::vector<HeaderEdit> headerEdits;
  // Our Authentication-Results value (without the field name; folded with
  // "\n", which libmilter and the MTAs turn into CRLF).
  std::string authResults;
  // The local rule that decided, when one did (for the log line).
  std::string why;
  // The decision's steps, for the debug log.
  std::vector<std::string> trace;

  const Verdict& verdict() const { return record.verdict; }
};

Decision decide(const DecisionFacts& facts, const SitePolicy& site, const DecisionTools& tools);

// The identifier of a List-Id field value (RFC 2919: "phrase <list-id>"):
// the text between the last '<' and the '>' after it; "" when there is none.
// At most 255 characters are kept.
std::string listIdOf(std::string_view value);

// The domain of an address (after the last '@'), lower case, without
// trailing dots; "" when there is no '@'.
std::string addressDomain(std::string_view address);
} // namespace dmarc
