// session.hh: one SMTP connection as the milter sees it, and the message in
// progress on it (STYLE.md 6).
//
// The extern "C" callbacks (milter/callbacks.cc) fetch the Session and call
// one member function each. The session gathers the facts of the message,
// asks decide() (lib/core/decision.hh) at its end and carries the Decision
// out, with the MTA behind MilterActions, the checks behind MessageChecker,
// the history behind VerdictStore and the log behind Logger, so that unit
// tests drive a Session with fakes through every callback.
//
// Connection state (client, HELO, TLS, SMTP AUTH) and message state are
// separate; the message state is reset at end-of-message and at abort. The
// configuration is pinned at connect and re-pinned when a message starts,
// so that a reload never changes a message in flight.
//
// Trusts: the MTA's macros as facts about the session (client address,
// AUTH, TLS), nothing in the message. Every count from the message is
// bounded.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/address_list.hh"
#include "lib/core/decision.hh"
#include "lib/core/message_record.hh"
#include "milter/message_check.hh"

struct sockaddr;

namespace dmarc
{
class Config;
class CpuGate;
class Logger;
class MilterActions;
class MilterMetrics;
class VerdictStore;

// What the callback answers the MTA.
enum class Reply
{
  Continue,
  Accept,
  Reject,
  Tempfail,
};

std::string_view toString(Reply reply);

struct ConnectionFacts
{
  std::string hostname; // as the MTA resolved it ("[1.2.3.4]" when unresolved)
  std::optional<IpAddress> address;
  std::string helo;
  std::string authUser; // {auth_authen}; empty when not authenticated
  std::optional<TlsFacts> tls;
  std::string mtaName; // {j}
};

// What the session needs from the process, shared by every session.
struct SessionServices
{
  std::function<std::shared_ptr<const Config>()> currentConfig;
  MessageChecker& checker;
  Logger& logger;
  VerdictStore* store = nullptr; // nullptr: no history kept
  // Admits end-of-message checks in arrival order, a few at a time
  // (cpu_gate.hh). nullptr: no limit.
  CpuGate* verifyGate = nullptr;
  // Counts each message for the metrics listener. nullptr: not counted.
  MilterMetrics* metrics = nullptr;
  // The time a message is received and judged at (DKIM x= and t=, the
  // stored verdict's time). Tests inject their own.
  std::function<std::chrono::system_clock::time_point()> clock = [] {
    return std::chrono::system_clock::now();
  };
};

class Session
{
public:
  explicit Session(SessionServices& services);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  Reply connect(MilterActions& actions, std::string_view hostname, const sockaddr* address);
  Reply helo(MilterActions& actions, std::string_view name);
  Reply envFrom(MilterActions& actions, const std::vector<std::string_view>& args);
  Reply envRcpt(MilterActions& actions, const std::vector<std::string_view>& args);
  Reply header(MilterActions& actions, std::string_view name, std::string_view value);
  Reply endOfHeaders(MilterActions& actions);
  Reply body(MilterActions& actions, std::string_view chunk);
  Reply endOfMessage(MilterActions& actions);
  void abort();
  // A failure inside a callback: logs it, forgets the message and returns
  // the configured InternalErrorAction (setting the reply text).
  Reply failure(MilterActions& actions, std::string_view stage, std::string_view what) noexcept;

  const ConnectionFacts& connection() const { return d_connection; }
  // The verdict and Authentication-Results value of the last message that
  // reached its end (for the offline -t mode).
  const std::optional<Verdict>& lastVerdict() const { return d_lastVerdict; }
  const std::string& lastAuthResults() const { return d_lastAuthResults; }
  // Its ARC chain, when ArcValidation was on.
  const std::optional<ArcValidation>& lastArc() const { return d_lastArc; }
  const Config& config() const { return *d_config; }
  bool inMessage() const { return d_message != nullptr; }
  std::string_view queueId() const;

private:
  struct Message;
  void readTls(MilterActions& actions);
  void startMessage(MilterActions& actions);
  Reply finishMessage(MilterActions& actions, Message& message);
  void carryOut(MilterActions& actions, const Decision& decision);
  std::string sealMessage(Message& message, Decision& decision);
  void logDecision(const Message& message, const Decision& decision,
                   const std::vector<std::string>& checkTrace, const std::string& storeNote,
                   const std::string& sealNote);

  SessionServices& d_services;
  std::shared_ptr<const Config> d_config;
  ConnectionFacts d_connection;
  std::unique_ptr<Message> d_message;
  unsigned d_messages = 0;
  std::optional<Verdict> d_lastVerdict;
  std::string d_lastAuthResults;
  std::optional<ArcValidation> d_lastArc;
};
} // namespace dmarc
