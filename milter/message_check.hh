// message_check.hh: the seam between the milter session and the checks
// (SPF, DKIM) that measure one message (STYLE.md 3).
//
// A MessageChecker lives for the process and owns the shared machinery
// (resolver, DKIM library); begin() starts one message's check, which is fed
// the header and body as libmilter delivers them (DKIM hashes the body as it
// streams) and returns the SPF and DKIM outcomes at the end. It also lends
// the decision (lib/core/decision.hh) the message's DNS budget and the
// process's PSL, IDNA and random source. The production implementation is
// milter/dmarc_checker.hh; unit tests use a fake.
//
// Implementations may throw dmarc::Error for a failure of the check itself
// (not for SPF or DKIM results, which are values); the session then applies
// the configured failure action to that one message.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/address_list.hh"
#include "lib/core/decision.hh"

namespace dmarc
{
class Config;

struct Envelope
{
  std::optional<IpAddress> client; // nullopt: not an IP connection
  std::string helo;
  std::string mailFrom; // the reverse-path without <>; empty for the null path
  std::string queueId;
  std::string authenticatedUser; // {auth_authen}; empty when none
  // When the message started (MAIL FROM), from the session's clock: the
  // verification time for DKIM x= and t= (RFC 6376 §3.5).
  std::chrono::system_clock::time_point receivedAt;
};

struct CheckResult
{
  SpfOutcome spf;                         // the MAIL FROM check (or postmaster@HELO for <>)
  std::optional<SpfOutcome> spfHelo;      // the HELO check, when done
  std::vector<DkimSignatureOutcome> dkim; // one per signature, in header order
  // The ARC chain (RFC 8617), when ArcValidation is on; result none when
  // the message has no ARC field.
  std::optional<ArcValidation> arc;
  // The checks' trace (debug log), one short line per step.
  std::vector<std::string> trace;
};

// What ARC sealing (lib/adapters/dkim/arc_sealer.hh) needs of the message: its
// header fields as received, top to bottom ("Name: value", CRLF inside
// folded fields), and the relaxed body hash of the whole body (base64).
struct ArcSealInput
{
  std::vector<std::string> fields;
  std::string relaxedBodyHash;
};

class MessageCheck
{
public:
  virtual ~MessageCheck() = default;
  // value: as libmilter gives it, with its leading space (SMFIP_HDR_LEADSPC).
  virtual void header(std::string_view name, std::string_view value) = 0;
  virtual void endOfHeaders() = 0;
  virtual void body(std::string_view chunk) = 0;
  // Runs SPF and finishes DKIM and ARC. Called once.
  virtual CheckResult finish() = 0;
  // What the decision consults: this message's DNS (its budget), the PSL,
  // IDNA and the random source. Valid while the check lives.
  virtual DecisionTools tools() = 0;
  // The DNS this message used so far, one line for the debug trace.
  virtual std::string dnsUsage() const = 0;
  // After finish(), when the configuration seals (Config::arcSealer): what
  // sealing needs, nullopt when the header exceeded the kept bounds. The
  // default (a check that keeps nothing) never seals.
  virtual std::optional<ArcSealInput> arcSealInput() { return std::nullopt; }
};

class MessageChecker
{
public:
  virtual ~MessageChecker() = default;
  virtual std::unique_ptr<MessageCheck> begin(const Config& config, const Envelope& envelope) = 0;
};
} // namespace dmarc
