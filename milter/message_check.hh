// message_check.hh: the seam between the milter session and the checks
// (SPF, DKIM, DMARC) that decide one message (STYLE.md 3).
//
// A MessageChecker lives for the process and owns the shared machinery
// (resolver, DKIM library); begin() starts one message's check, which is fed
// the header and body as libmilter delivers them (DKIM hashes the body as it
// streams) and returns the engine's Verdict at the end. The production
// implementation is milter/dmarc_checker.hh; unit tests use a fake.
//
// Implementations may throw dmarc::Error for a failure of the check itself
// (not for DMARC results, which are values); the session then applies the
// configured failure action to that one message.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/verdict.hh"
#include "milter/address_list.hh"

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
  Verdict verdict;
  // The decision trace (debug log), one short line per step.
  std::vector<std::string> trace;
};

class MessageCheck
{
public:
  virtual ~MessageCheck() = default;
  // value: as libmilter gives it, with its leading space (SMFIP_HDR_LEADSPC).
  virtual void header(std::string_view name, std::string_view value) = 0;
  virtual void endOfHeaders() = 0;
  virtual void body(std::string_view chunk) = 0;
  // Runs SPF, finishes DKIM and evaluates DMARC. Called once.
  virtual CheckResult finish() = 0;
};

class MessageChecker
{
public:
  virtual ~MessageChecker() = default;
  virtual std::unique_ptr<MessageCheck> begin(const Config& config, const Envelope& envelope) = 0;
  // The Authentication-Results header value (without the field name) for a
  // verdict, with authservId first (RFC 8601 §2.2).
  virtual std::string authenticationResults(const Config& config, const Verdict& verdict) = 0;
  // The authserv-id an existing Authentication-Results value claims, or
  // nullopt when it cannot be parsed (a value we cannot parse is treated as
  // foreign: it is left alone and never trusted).
  virtual std::optional<std::string> authservIdOf(std::string_view value) = 0;
};
} // namespace dmarc
