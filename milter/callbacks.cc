// callbacks.cc: the extern "C" functions libmilter calls, one thread per
// SMTP connection.
//
// Each is a trampoline: fetch the Connection (Session + negotiated flags)
// from smfi_getpriv, call one Session member, map the Reply. Exceptions are
// caught here and become the configured failure action for that message; a
// failure to even create the Session answers tempfail. The Connection is
// freed in xxfi_close, the only teardown libmilter guarantees.
#include "milter/callbacks.hh"

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <libmilter/mfapi.h>

#include "milter/milter_actions.hh"
#include "milter/session.hh"

namespace dmarc
{
namespace
{
// Set once before smfi_main, read-only afterwards: part of the libmilter
// registration (STYLE.md 7).
SessionServices* s_services = nullptr;

// Counted on every callback (tens per message), so without a lock; the
// mutex and condition variable serve only the drain at stop.
std::atomic<unsigned> s_connections{0}; // between negotiate/connect and close
std::atomic<unsigned> s_busy{0};        // callbacks running right now
std::atomic<bool> s_draining{false};    // waitForIdle is (or was) waiting
std::mutex s_drainMutex;
std::condition_variable s_drained;

// Counts a callback as running for its whole duration, for the drain at
// stop (see waitForIdle).
class BusyGuard
{
public:
  BusyGuard() { s_busy.fetch_add(1); }
  ~BusyGuard()
  {
    // Both sides are sequentially consistent: either waitForIdle sees the
    // count at zero, or this sees s_draining and wakes it under the mutex,
    // which it holds from its check until it waits.
    if (s_busy.fetch_sub(1) == 1 && s_draining.load()) {
      std::lock_guard lock(s_drainMutex);
      s_drained.notify_all();
    }
  }
  BusyGuard(const BusyGuard&) = delete;
  BusyGuard& operator=(const BusyGuard&) = delete;
};

struct Connection
{
  explicit Connection(SessionServices& services) : session(services) {}
  Session session;
  bool headerLeadingSpace = false;
  // Steps the MTA agreed not to wait for a reply to (SMFIP_NR_*): they are
  // most of the round trips of a message (one per header and body chunk),
  // so not answering them halves the milter's cost per message.
  unsigned long noReplySteps = 0;
  // A failure in a step without reply waits for the end of the message,
  // the next step that can answer.
  std::optional<Reply> deferredReply;
  // The same for a failure at connect or HELO, which concerns the whole
  // connection: every message of it gets this reply.
  std::optional<Reply> connectionReply;
};

sfsistat toStatus(Reply reply)
{
  switch (reply) {
  case Reply::Continue:
    return SMFIS_CONTINUE;
  case Reply::Accept:
    return SMFIS_ACCEPT;
  case Reply::Reject:
    return SMFIS_REJECT;
  case Reply::Tempfail:
    return SMFIS_TEMPFAIL;
  }
  return SMFIS_TEMPFAIL;
}

// The connection's state, created at the first callback (negotiate, or
// connect with MTAs that do not negotiate).
Connection* connectionOf(SMFICTX* context)
{
  auto* connection = static_cast<Connection*>(smfi_getpriv(context));
  if (connection == nullptr && s_services != nullptr) {
    connection = new Connection(*s_services);
    if (smfi_setpriv(context, connection) != MI_SUCCESS) {
      delete connection;
      return nullptr;
    }
    s_connections.fetch_add(1);
  }
  return connection;
}

// noReplyStep: the SMFIP_NR_* flag of this step, or 0 for steps that always
// answer. When the MTA negotiated it, the step answers SMFIS_NOREPLY and a
// non-continue reply is deferred to end of message.
template <typename Step>
sfsistat trampoline(SMFICTX* context, const char* stage, Step&& step,
                    unsigned long noReplyStep = 0) noexcept
{
  BusyGuard busy;
  Connection* connection = nullptr;
  try {
    connection = connectionOf(context);
  } catch (...) {
    connection = nullptr;
  }
  if (connection == nullptr) {
    return SMFIS_TEMPFAIL;
  }
  LibmilterActions actions(context, connection->headerLeadingSpace);
  Reply reply = Reply::Continue;
  try {
    reply = step(connection->session, actions);
  } catch (const std::exception& error) {
    reply = connection->session.failure(actions, stage, error.what());
  } catch (...) {
    reply = connection->session.failure(actions, stage, "unknown exception");
  }
  if (noReplyStep != 0 && (connection->noReplySteps & noReplyStep) != 0) {
    auto& deferred = (noReplyStep & (SMFIP_NR_CONN | SMFIP_NR_HELO)) != 0
                         ? connection->connectionReply
                         : connection->deferredReply;
    if (reply != Reply::Continue && !deferred) {
      deferred = reply;
    }
    return SMFIS_NOREPLY;
  }
  return toStatus(reply);
}

std::vector<std::string_view> arguments(char** argv)
{
  std::vector<std::string_view> args;
  for (; argv != nullptr && *argv != nullptr && args.size() < 64; ++argv) {
    args.emplace_back(*argv);
  }
  return args;
}

// The macros we read, per stage, so that the MTA sends them whatever its
// own defaults (Postfix honours SMFIF_SETSYMLIST).
struct SymbolList
{
  int stage;
  const char* macros;
};
const SymbolList s_symbols[] = {
    {SMFIM_CONNECT, "j {daemon_name}"},
    {SMFIM_HELO, "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer} {verify}"},
    {SMFIM_ENVFROM,
     "i {auth_authen} {auth_type} {tls_version} {cipher} {cipher_bits} {cert_subject} "
     "{cert_issuer} {verify}"},
    {SMFIM_ENVRCPT, "i"},
    {SMFIM_EOM, "i"},
};

extern "C" {

sfsistat mlfiNegotiate(SMFICTX* context, unsigned long actionsOffered, unsigned long stepsOffered,
                       unsigned long, unsigned long, unsigned long* actionsWanted,
                       unsigned long* stepsWanted, unsigned long* reserved2,
                       unsigned long* reserved3)
{
  Connection* connection = nullptr;
  try {
    connection = connectionOf(context);
  } catch (...) {
  }
  if (connection == nullptr) {
    return SMFIS_TEMPFAIL;
  }
  // Actions: add and delete headers (our Authentication-Results, forged
  // ones), quarantine, and asking for the macros we need.
  constexpr unsigned long wantedActions =
      SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST;
  *actionsWanted = actionsOffered & wantedActions;
  // Steps we skip: unknown commands and DATA. Header values with their
  // leading space, as DKIM's simple canonicalisation needs the exact bytes.
  // No replies before the end of the message: the session continues at
  // every earlier step (the verdict needs the whole message), except after
  // an internal error, whose reply then waits for end of message. Each
  // reply is a round trip the MTA waits for: a third of the time Postfix
  // spends on a message with a milter that answers every step.
  constexpr unsigned long noReplySteps = SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL |
                                         SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH |
                                         SMFIP_NR_BODY;
  constexpr unsigned long wantedSteps =
      SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_HDR_LEADSPC | noReplySteps;
  *stepsWanted = stepsOffered & wantedSteps;
  connection->noReplySteps = *stepsWanted & noReplySteps;
  *reserved2 = 0;
  *reserved3 = 0;
  connection->headerLeadingSpace = (*stepsWanted & SMFIP_HDR_LEADSPC) != 0;
  if (*actionsWanted & SMFIF_SETSYMLIST) {
    for (const auto& entry : s_symbols) {
      std::vector<char> list(entry.macros, entry.macros + std::strlen(entry.macros) + 1);
      smfi_setsymlist(context, entry.stage, list.data());
    }
  }
  return SMFIS_CONTINUE;
}

sfsistat mlfiConnect(SMFICTX* context, char* hostname, _SOCK_ADDR* address)
{
  return trampoline(
      context, "connect",
      [&](Session& session, MilterActions& actions) {
        return session.connect(actions, hostname != nullptr ? hostname : "",
                               reinterpret_cast<const sockaddr*>(address));
      },
      SMFIP_NR_CONN);
}

sfsistat mlfiHelo(SMFICTX* context, char* name)
{
  return trampoline(
      context, "helo",
      [&](Session& session, MilterActions& actions) {
        return session.helo(actions, name != nullptr ? name : "");
      },
      SMFIP_NR_HELO);
}

sfsistat mlfiEnvFrom(SMFICTX* context, char** argv)
{
  return trampoline(
      context, "mail",
      [&](Session& session, MilterActions& actions) {
        return session.envFrom(actions, arguments(argv));
      },
      SMFIP_NR_MAIL);
}

sfsistat mlfiEnvRcpt(SMFICTX* context, char** argv)
{
  return trampoline(
      context, "rcpt",
      [&](Session& session, MilterActions& actions) {
        return session.envRcpt(actions, arguments(argv));
      },
      SMFIP_NR_RCPT);
}

sfsistat mlfiHeader(SMFICTX* context, char* name, char* value)
{
  return trampoline(
      context, "header",
      [&](Session& session, MilterActions& actions) {
        std::string_view text = value != nullptr ? value : "";
        auto* connection = static_cast<Connection*>(smfi_getpriv(context));
        if (connection != nullptr && !connection->headerLeadingSpace) {
          // Without SMFIP_HDR_LEADSPC the MTA stripped the space after the
          // colon; DKIM's simple canonicalisation needs it back.
          std::string spaced = " " + std::string(text);
          return session.header(actions, name != nullptr ? name : "", spaced);
        }
        return session.header(actions, name != nullptr ? name : "", text);
      },
      SMFIP_NR_HDR);
}

sfsistat mlfiEndOfHeaders(SMFICTX* context)
{
  return trampoline(
      context, "eoh",
      [&](Session& session, MilterActions& actions) { return session.endOfHeaders(actions); },
      SMFIP_NR_EOH);
}

sfsistat mlfiBody(SMFICTX* context, unsigned char* chunk, size_t length)
{
  return trampoline(
      context, "body",
      [&](Session& session, MilterActions& actions) {
        return session.body(actions,
                            std::string_view(reinterpret_cast<const char*>(chunk), length));
      },
      SMFIP_NR_BODY);
}

sfsistat mlfiEndOfMessage(SMFICTX* context)
{
  return trampoline(context, "eom", [&](Session& session, MilterActions& actions) {
    auto* connection = static_cast<Connection*>(smfi_getpriv(context));
    if (connection != nullptr && (connection->deferredReply || connection->connectionReply)) {
      // A step without reply failed: its answer (already logged, with the
      // SMTP reply text set) is given now, and the message is dropped.
      // After a connection-level failure the later messages get the MTA's
      // default text for the same reply.
      Reply deferred =
          connection->connectionReply ? *connection->connectionReply : *connection->deferredReply;
      connection->deferredReply.reset();
      session.abort();
      return deferred;
    }
    return session.endOfMessage(actions);
  });
}

sfsistat mlfiAbort(SMFICTX* context)
{
  return trampoline(context, "abort", [&](Session& session, MilterActions&) {
    if (auto* connection = static_cast<Connection*>(smfi_getpriv(context))) {
      connection->deferredReply.reset();
    }
    session.abort();
    return Reply::Continue;
  });
}

sfsistat mlfiClose(SMFICTX* context)
{
  auto* connection = static_cast<Connection*>(smfi_getpriv(context));
  if (connection != nullptr) {
    smfi_setpriv(context, nullptr);
    delete connection; // Session's destructor does not throw
    s_connections.fetch_sub(1);
  }
  return SMFIS_CONTINUE;
}

} // extern "C"
} // namespace

void setSessionServices(SessionServices* services)
{
  s_services = services;
}

bool registerFilter()
{
  static struct smfiDesc description = {
      const_cast<char*>("dmarc-milter"),
      SMFI_VERSION,
      SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
      mlfiConnect,
      mlfiHelo,
      mlfiEnvFrom,
      mlfiEnvRcpt,
      mlfiHeader,
      mlfiEndOfHeaders,
      mlfiBody,
      mlfiEndOfMessage,
      mlfiAbort,
      mlfiClose,
      nullptr, // unknown SMTP commands: not needed
      nullptr, // DATA: not needed
      mlfiNegotiate,
  };
  return smfi_register(description) == MI_SUCCESS;
}

unsigned activeConnections()
{
  return s_connections.load();
}

unsigned busyCallbacks()
{
  return s_busy.load();
}

bool waitForIdle(std::chrono::milliseconds timeout)
{
  s_draining.store(true);
  std::unique_lock lock(s_drainMutex);
  return s_drained.wait_for(lock, timeout, [] { return s_busy.load() == 0; });
}
} // namespace dmarc
