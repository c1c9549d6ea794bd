// test-session_cc.cc: the milter session through every callback, with the
// MTA, the checks (SPF and DKIM outcomes the test chooses, DNS from memory),
// the history store and the log replaced by fakes. The decision itself is
// the real one (lib/core/decision.hh).
#include <arpa/inet.h>
#include <fstream>
#include <netinet/in.h>
#include <sys/stat.h>
#include <syslog.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/core/error.hh"
#include "milter/config.hh"
#include "milter/logger.hh"
#include "milter/milter_actions.hh"
#include "milter/session.hh"
#include "tests/unit/fake_resolver.hh"
#include "tests/unit/fake_verdict_store.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_session_cc)

namespace
{
// A check whose SPF and DKIM outcomes the test chooses, on a DNS the test
// fills; it records what it was fed.
struct FakeChecker : MessageChecker
{
  struct Fed
  {
    Envelope envelope;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool endOfHeaders = false;
    bool finished = false;
  };
  struct Check : MessageCheck
  {
    Check(FakeChecker& owner, Fed& fed) : d_owner(owner), d_fed(fed) {}
    void header(std::string_view name, std::string_view value) override
    {
      d_fed.headers.emplace_back(name, value);
    }
    void endOfHeaders() override { d_fed.endOfHeaders = true; }
    void body(std::string_view chunk) override { d_fed.body += chunk; }
    CheckResult finish() override
    {
      d_fed.finished = true;
      if (d_owner.throwAtFinish) {
        throw Error("resolver exploded");
      }
      CheckResult result = d_owner.outcomes;
      result.trace.push_back("fake trace");
      return result;
    }
    DecisionTools tools() override { return DecisionTools{d_owner.dns}; }
    std::string dnsUsage() const override { return "fake dns"; }
    std::optional<ArcSealInput> arcSealInput() override { return d_owner.sealInput; }
    FakeChecker& d_owner;
    Fed& d_fed;
  };

  std::unique_ptr<MessageCheck> begin(const Config& config, const Envelope& envelope) override
  {
    fed.push_back(std::make_unique<Fed>());
    fed.back()->envelope = envelope;
    configs.push_back(config.authservId);
    return std::make_unique<Check>(*this, *fed.back());
  }
  CheckResult outcomes; // SPF and DKIM
  test::FakeResolver dns;
  bool throwAtFinish = false;
  std::optional<ArcSealInput> sealInput; // what ARC sealing gets
  std::vector<std::unique_ptr<Fed>> fed;
  std::vector<std::string> configs; // authserv-id of the config each message had
};

struct Fixture
{
  Fixture()
      : config(parseConfig("AuthservID mx.test\nLogLevel debug\n", "t.conf")),
        services{[this] { return config; }, checker, logger, &store}
  {
    // example.com publishes p=reject; its messages are DKIM-signed unless a
    // test takes the signature away.
    publish("v=DMARC1; p=reject");
    DkimSignatureOutcome signature;
    signature.result = DkimResult::Pass;
    signature.domain = "example.com";
    checker.outcomes.dkim.push_back(signature);
    actions.macros["i"] = "QID1";
    actions.macros["j"] = "mx.test";
  }

  void publish(const std::string& record)
  {
    checker.dns.clear();
    checker.dns.add("_dmarc.example.com", DnsType::TXT, record);
  }

  static sockaddr_in v4(const char* text)
  {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    inet_pton(AF_INET, text, &address.sin_addr);
    return address;
  }

  // One whole message through a fresh or given session.
  Reply message(Session& session, std::vector<std::pair<std::string, std::string>> headers,
                std::string body = "Hello\r\n")
  {
    BOOST_CHECK(session.envFrom(actions, {"<bounce@example.com>"}) == Reply::Continue);
    BOOST_CHECK(session.envRcpt(actions, {"<a@Dest.example>"}) == Reply::Continue);
    BOOST_CHECK(session.envRcpt(actions, {"<b@dest.example>"}) == Reply::Continue);
    for (const auto& [name, value] : headers) {
      BOOST_CHECK(session.header(actions, name, value) == Reply::Continue);
    }
    BOOST_CHECK(session.endOfHeaders(actions) == Reply::Continue);
    BOOST_CHECK(session.body(actions, body) == Reply::Continue);
    return session.endOfMessage(actions);
  }

  Session connected() { return Session(services); }

  std::shared_ptr<const Config> config;
  FakeChecker checker;
  MemoryLogger logger{LOG_DEBUG};
  FakeVerdictStore store;
  SessionServices services;
  RecordingActions actions;
};

void open(Fixture& f, Session& session, const char* ip = "192.0.2.1")
{
  auto address = Fixture::v4(ip);
  BOOST_CHECK(session.connect(f.actions, "client.example",
                              reinterpret_cast<const sockaddr*>(&address)) == Reply::Continue);
  BOOST_CHECK(session.helo(f.actions, "client.example") == Reply::Continue);
}
} // namespace

BOOST_FIXTURE_TEST_CASE(test_Pass_AddsHeaderAtTopAndStores, Fixture)
{
  Session session(services);
  actions.macros["{tls_version}"] = "TLSv1.3";
  actions.macros["{cipher}"] = "TLS_AES_256_GCM_SHA384";
  actions.macros["{cipher_bits}"] = "256";
  actions.macros["{verify}"] = "NO";
  open(*this, session);
  auto reply = message(session, {{"From", " a@example.com"}, {"Subject", " hi"}});
  BOOST_CHECK_MESSAGE(reply == Reply::Accept, "got " << toString(reply) << ", want accept");
  BOOST_REQUIRE_EQUAL(actions.headerChanges.size(), 1u);
  const auto& change = actions.headerChanges.front();
  BOOST_CHECK(change.kind == RecordingActions::HeaderChange::Kind::Insert);
  BOOST_CHECK_EQUAL(change.index, 0u);
  BOOST_CHECK_EQUAL(change.name, "Authentication-Results");
  BOOST_CHECK_MESSAGE(change.value.rfind("mx.test;", 0) == 0 &&
                          change.value.find("dmarc=pass header.from=example.com") !=
                              std::string::npos,
                      "got " << change.value << ", want mx.test's dmarc=pass");
  BOOST_CHECK(actions.replyCode.empty());

  const auto& fed = *checker.fed.front();
  BOOST_CHECK_EQUAL(fed.envelope.mailFrom, "bounce@example.com");
  BOOST_CHECK_EQUAL(fed.envelope.helo, "client.example");
  BOOST_CHECK_EQUAL(fed.envelope.client->toString(), "192.0.2.1");
  BOOST_CHECK_EQUAL(fed.headers.size(), 2u);
  BOOST_CHECK_EQUAL(fed.body, "Hello\r\n");
  BOOST_CHECK(fed.endOfHeaders && fed.finished);

  auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  BOOST_CHECK_EQUAL(records[0].queueId, "QID1");
  BOOST_CHECK_EQUAL(records[0].clientIp, "192.0.2.1");
  BOOST_CHECK_EQUAL(records[0].mailFromDomain, "example.com");
  // Distinct domains, compared without case.
  BOOST_REQUIRE_EQUAL(records[0].rcptDomains.size(), 1u);
  BOOST_CHECK_EQUAL(records[0].rcptDomains[0], "dest.example");
  BOOST_CHECK_EQUAL(records[0].reportingHost, "mx.test");
  BOOST_REQUIRE(records[0].tls);
  BOOST_CHECK_EQUAL(records[0].tls->version, "TLSv1.3");
  BOOST_CHECK_EQUAL(records[0].tls->bits, 256u);
  BOOST_CHECK_EQUAL(records[0].tls->verify, "NO");

  auto lines = logger.lines();
  bool found = false;
  for (const auto& line : lines) {
    if (line.rfind("QID1: client=192.0.2.1 from_domain=example.com dmarc=pass", 0) == 0) {
      found = true;
    }
  }
  BOOST_CHECK_MESSAGE(found, "got no verdict line starting with the queue ID");
}

// The checker's ARC chain reaches the decision: a trusted sealer's record
// of a pass lifts the failure, the record and the log line say so, and
// -t sees the chain.
BOOST_FIXTURE_TEST_CASE(test_ArcChain_TrustedSealerLiftsAndIsStored, Fixture)
{
  config = parseConfig("AuthservID mx.test\nTrustedArcSealers lists.example.org\n", "t.conf");
  checker.outcomes.dkim.clear();
  ArcValidation arc;
  arc.result = ArcResult::Pass;
  arc.instances = 1;
  ArcSetSummary set;
  set.instance = 1;
  set.sealDomain = "lists.example.org";
  set.authResults = parseAuthResults("lists.example.org; dmarc=pass header.from=example.com");
  arc.sets.push_back(set);
  checker.outcomes.arc = arc;
  Session session(services);
  open(*this, session);
  auto reply = message(session, {{"From", " a@example.com"}});
  BOOST_CHECK_MESSAGE(reply == Reply::Accept, "got " << toString(reply) << ", want accept");
  BOOST_REQUIRE(session.lastArc());
  BOOST_CHECK(session.lastArc()->result == ArcResult::Pass);
  auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  BOOST_CHECK(records[0].arcResult == ArcResult::Pass);
  BOOST_CHECK_EQUAL(records[0].arcTrustedSealer, "lists.example.org");
  BOOST_CHECK_EQUAL(records[0].overrideComment, "arc=pass as[1].d=lists.example.org");
  bool logged = false;
  for (const auto& line : logger.lines()) {
    logged = logged || (line.find(" arc=pass ") != std::string::npos &&
                        line.find("override=trusted_forwarder") != std::string::npos);
  }
  BOOST_CHECK_MESSAGE(logged, "got no verdict line with arc=pass and the override");
  // Without the sealer trusted, the same message is rejected.
  config = parseConfig("AuthservID mx.test\n", "t.conf");
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Reject);
}

// ArcSealDomain: an accepted message gets the ARC set on top (seal, message
// signature, our Authentication-Results as the AAR); a rejected one does
// not, nor one whose chain an earlier hop's seal marked cv=fail.
BOOST_FIXTURE_TEST_CASE(test_ArcSeal_AcceptedOnlyAndNeverOnAFailedChain, Fixture)
{
  TempDirectory dir;
  const std::string keyFile = dir.path() + "/seal.pem";
  std::ofstream(keyFile) << DkimSigningKey::generate(DkimKeyType::Ed25519).privateKeyPem;
  ::chmod(keyFile.c_str(), 0600);
  config = parseConfig("AuthservID mx.test\nArcSealDomain fwd.example\nArcSealSelector arc\n"
                       "ArcSealKeyFile " +
                           keyFile + "\n",
                       "t.conf");
  const std::vector<std::string> fields{"From: a@example.com", "Subject: hi"};
  checker.sealInput = ArcSealInput{fields, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="};
  Session session(services);
  open(*this, session);
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
  BOOST_REQUIRE_EQUAL(actions.headerChanges.size(), 4u);
  const auto& ar = actions.headerChanges[0];
  const auto& aar = actions.headerChanges[1];
  BOOST_CHECK_EQUAL(aar.name, "ARC-Authentication-Results");
  BOOST_CHECK_EQUAL(aar.value, "i=1; " + ar.value);
  BOOST_CHECK_EQUAL(actions.headerChanges[2].name, "ARC-Message-Signature");
  const auto& seal = actions.headerChanges[3];
  BOOST_CHECK_EQUAL(seal.name, "ARC-Seal");
  BOOST_CHECK_EQUAL(seal.index, 0u);
  BOOST_CHECK(seal.value.starts_with("a=ed25519-sha256;"));
  BOOST_CHECK_NE(seal.value.find("cv=none;"), std::string::npos);
  BOOST_CHECK_EQUAL(seal.value.find('\r'), std::string::npos);
  auto logged = [this](std::string_view text) {
    for (const auto& line : logger.lines()) {
      if (line.find(text) != std::string::npos) {
        return true;
      }
    }
    return false;
  };
  BOOST_CHECK(logged("arc_seal=\"i=1 cv=none\""));

  // A rejected message goes nowhere: no seal.
  actions.headerChanges.clear();
  checker.outcomes.dkim.clear();
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Reject);
  BOOST_CHECK(actions.headerChanges.empty());

  // The chain's newest seal says cv=fail: delivered, not sealed again
  // (RFC 8617 section 5.1.2).
  ArcSealerSettings settings;
  settings.domain = "earlier.example";
  settings.selector = "arc";
  settings.privateKeyPem = DkimSigningKey::generate(DkimKeyType::Ed25519).privateKeyPem;
  auto failed = ArcSealer(settings).seal(fields, checker.sealInput->relaxedBodyHash,
                                         ArcResult::Fail, "earlier.example; arc=fail", 1700000000);
  BOOST_REQUIRE(failed.sealed);
  checker.sealInput->fields.insert(checker.sealInput->fields.begin(),
                                   {failed.seal, failed.messageSignature, failed.authResults});
  ArcValidation arc;
  arc.result = ArcResult::Fail;
  arc.instances = 1;
  checker.outcomes.arc = arc;
  publish("v=DMARC1; p=none");
  actions.headerChanges.clear();
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
  BOOST_REQUIRE_EQUAL(actions.headerChanges.size(), 1u);
  BOOST_CHECK_EQUAL(actions.headerChanges[0].name, "Authentication-Results");
  BOOST_CHECK(logged("arc_seal=\"no (an earlier hop's seal says cv=fail)\""));
}

// A message sent again in a new session (new queue id) after its answer
// was lost gets the key of its first attempt, so that its verdict finds
// the first row; another message, one without a Message-ID and a verdict
// answered with a tempfail (decided again when it comes back) get keys of
// their own.
BOOST_FIXTURE_TEST_CASE(test_Store_RetryOfTheSameMessageHasTheSameKey, Fixture)
{
  const std::vector<std::pair<std::string, std::string>> headers{
      {"From", " a@example.com"},
      {"Date", " Sat, 28 Nov 2026 12:00:00 +0000"},
      {"Message-ID", " <1@example.com>"}};
  auto send = [&](const char* queueId, std::vector<std::pair<std::string, std::string>> fields) {
    actions.macros["i"] = queueId;
    Session session(services);
    open(*this, session);
    message(session, std::move(fields));
    return store.records().back().messageKey;
  };
  const auto first = send("QID1", headers);
  BOOST_CHECK_EQUAL(first.size(), 36u);
  BOOST_CHECK_EQUAL(first[14], '8'); // from the identity, not random
  BOOST_CHECK_EQUAL(send("QID2", headers), first);
  auto other = headers;
  other.back().second = " <2@example.com>";
  BOOST_CHECK_NE(send("QID3", other), first);
  auto none = headers;
  none.pop_back();
  const auto noId = send("QID4", none);
  BOOST_CHECK_NE(send("QID5", none), noId);
  checker.outcomes.dkim.clear();
  checker.dns.fail("_dmarc.example.com"); // answered 451
  BOOST_CHECK_NE(send("QID6", headers), first);
}

BOOST_FIXTURE_TEST_CASE(test_Reject_Answers550WithDomain, Fixture)
{
  checker.outcomes.dkim.clear();
  Session session(services);
  open(*this, session);
  auto reply = message(session, {{"From", " a@example.com"}});
  BOOST_CHECK_MESSAGE(reply == Reply::Reject, "got " << toString(reply) << ", want reject");
  BOOST_CHECK_EQUAL(actions.replyCode, "550");
  BOOST_CHECK_EQUAL(actions.replyXcode, "5.7.1");
  BOOST_CHECK_EQUAL(actions.replyText, "Email rejected per DMARC policy for example.com");
  BOOST_CHECK(actions.headerChanges.empty());
  BOOST_CHECK_EQUAL(store.records().size(), 1u);
}

BOOST_FIXTURE_TEST_CASE(test_Quarantine_HoldsOnlyWhenConfigured, Fixture)
{
  checker.outcomes.dkim.clear();
  publish("v=DMARC1; p=quarantine");
  {
    Session session(services);
    open(*this, session);
    BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
    BOOST_CHECK(!actions.quarantineReason);
    BOOST_CHECK_EQUAL(actions.headerChanges.size(), 1u);
  }
  config = parseConfig("HoldQuarantinedMessages yes\n", "t.conf");
  Session session(services);
  open(*this, session);
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
  BOOST_REQUIRE(actions.quarantineReason);
  BOOST_CHECK_EQUAL(*actions.quarantineReason, "DMARC policy quarantine for example.com");
  // The log says what was done: held, not accepted.
  auto lines = logger.lines();
  BOOST_CHECK_MESSAGE(lines.size() >= 1 && std::any_of(lines.begin(), lines.end(),
                                                       [](const std::string& line) {
                                                         return line.find(" reply=hold ") !=
                                                                std::string::npos;
                                                       }),
                      "got no log line with reply=hold");
}

BOOST_FIXTURE_TEST_CASE(test_Tempfail_Answers451, Fixture)
{
  checker.outcomes.dkim.clear();
  checker.dns.fail("_dmarc.example.com");
  Session session(services);
  open(*this, session);
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Tempfail);
  BOOST_CHECK_EQUAL(actions.replyCode, "451");
  BOOST_CHECK_EQUAL(actions.replyXcode, "4.7.5");
}

BOOST_FIXTURE_TEST_CASE(test_ForgedAuthResults_RemovedLastFirst, Fixture)
{
  Session session(services);
  open(*this, session);
  message(session, {{"Authentication-Results", " mx.test; dmarc=pass"},
                    {"From", " a@example.com"},
                    {"Authentication-Results", " other.example; spf=pass"},
                    {"authentication-results", " MX.TEST; dkim=pass"}});
  BOOST_REQUIRE_EQUAL(actions.headerChanges.size(), 3u);
  using Kind = RecordingActions::HeaderChange::Kind;
  BOOST_CHECK(actions.headerChanges[0].kind == Kind::Delete);
  BOOST_CHECK_EQUAL(actions.headerChanges[0].index, 3u);
  BOOST_CHECK(actions.headerChanges[1].kind == Kind::Delete);
  BOOST_CHECK_EQUAL(actions.headerChanges[1].index, 1u);
  BOOST_CHECK(actions.headerChanges[2].kind == Kind::Insert);
}

BOOST_FIXTURE_TEST_CASE(test_SeveralMessages_StateIsPerMessage, Fixture)
{
  Session session(services);
  open(*this, session);
  message(session, {{"From", " a@example.com"}}, "one");
  BOOST_CHECK(!session.inMessage());
  // A reload between messages applies to the next message only.
  config = parseConfig("AuthservID mx2.test\n", "t.conf");
  actions.macros["i"] = "QID2";
  message(session, {{"From", " b@example.com"}, {"X", " y"}}, "two");
  BOOST_REQUIRE_EQUAL(checker.fed.size(), 2u);
  BOOST_CHECK_EQUAL(checker.fed[0]->body, "one");
  BOOST_CHECK_EQUAL(checker.fed[1]->body, "two");
  BOOST_CHECK_EQUAL(checker.fed[1]->headers.size(), 2u);
  BOOST_CHECK_EQUAL(checker.configs[0], "mx.test");
  BOOST_CHECK_EQUAL(checker.configs[1], "mx2.test");
  BOOST_CHECK(actions.headerChanges.back().value.rfind("mx2.test;", 0) == 0);
  auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  BOOST_CHECK_EQUAL(records[1].queueId, "QID2");
}

BOOST_FIXTURE_TEST_CASE(test_Abort_ForgetsTheMessage, Fixture)
{
  Session session(services);
  open(*this, session);
  session.envFrom(actions, {"<x@example.com>"});
  session.header(actions, "From", " x@example.com");
  BOOST_CHECK(session.inMessage());
  session.abort();
  BOOST_CHECK(!session.inMessage());
  // End of message without a message (after abort) changes nothing.
  BOOST_CHECK(session.endOfMessage(actions) == Reply::Continue);
  BOOST_CHECK(store.records().empty());
  // The next message on the same connection is whole.
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
  BOOST_CHECK_EQUAL(checker.fed.back()->headers.size(), 1u);
}

BOOST_FIXTURE_TEST_CASE(test_CheckFailure_GivesConfiguredAction, Fixture)
{
  checker.throwAtFinish = true;
  Session session(services);
  open(*this, session);
  Reply reply = Reply::Continue;
  try {
    message(session, {{"From", " a@example.com"}});
    BOOST_ERROR("got no exception from the failing check, want one for the trampoline");
  } catch (const std::exception& error) {
    reply = session.failure(actions, "eom", error.what());
  }
  BOOST_CHECK(reply == Reply::Tempfail);
  BOOST_CHECK_EQUAL(actions.replyCode, "451");
  BOOST_CHECK(!session.inMessage());
  auto lines = logger.lines();
  BOOST_CHECK(std::any_of(lines.begin(), lines.end(), [](const std::string& line) {
    return line.find("error=\"resolver exploded\" stage=eom action=tempfail") != std::string::npos;
  }));

  config = parseConfig("InternalErrorAction accept\n", "t.conf");
  Session other(services);
  open(*this, other);
  other.envFrom(actions, {"<a@example.com>"});
  BOOST_CHECK(other.failure(actions, "eom", "x") == Reply::Accept);
  config = parseConfig("InternalErrorAction reject\n", "t.conf");
  Session third(services);
  open(*this, third);
  BOOST_CHECK(third.failure(actions, "eom", "x") == Reply::Reject);
  BOOST_CHECK_EQUAL(actions.replyCode, "550");
}

BOOST_FIXTURE_TEST_CASE(test_StoreRefused_Tempfails, Fixture)
{
  store.setOutcome(StoreOutcome::Refused);
  Session session(services);
  open(*this, session);
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Tempfail);
  BOOST_CHECK_EQUAL(actions.replyXcode, "4.3.0");
}

BOOST_FIXTURE_TEST_CASE(test_RequiredHeaders_RejectsTwoFromFields, Fixture)
{
  config = parseConfig("RequiredHeaders true\n", "t.conf");
  Session session(services);
  open(*this, session);
  auto reply = message(session, {{"From", " a@example.com"},
                                 {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"},
                                 {"FROM", " b@example.org"}});
  BOOST_CHECK(reply == Reply::Reject);
  BOOST_CHECK_EQUAL(actions.replyCode, "550");
  Session ok(services);
  open(*this, ok);
  BOOST_CHECK(message(ok, {{"From", " a@example.com"},
                           {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"}}) == Reply::Accept);
}

BOOST_FIXTURE_TEST_CASE(test_SpaceBeforeColon_SameField, Fixture)
{
  // RFC 5322 §4.5.2: "From :" and "Authentication-Results :" are the same
  // fields as without the space, whether or not the MTA removed it.
  config = parseConfig("AuthservID mx.test\nRequiredHeaders true\n", "t.conf");
  Session session(services);
  open(*this, session);
  auto reply = message(session, {{"From", " a@example.com"},
                                 {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"},
                                 {"From ", " b@example.org"}});
  BOOST_CHECK_MESSAGE(reply == Reply::Reject, "got " << toString(reply) << ", want reject");
  BOOST_CHECK_EQUAL(actions.replyText, "Message header does not comply with RFC 5322 section 3.6");

  config = parseConfig("AuthservID mx.test\n", "t.conf");
  actions.headerChanges.clear();
  Session other(services);
  open(*this, other);
  message(other,
          {{"Authentication-Results \t", " mx.test; dmarc=pass"}, {"From", " a@example.com"}});
  BOOST_REQUIRE_EQUAL(actions.headerChanges.size(), 2u);
  BOOST_CHECK(actions.headerChanges[0].kind == RecordingActions::HeaderChange::Kind::Delete);
  BOOST_CHECK_EQUAL(actions.headerChanges[0].name, "Authentication-Results");
  BOOST_CHECK_EQUAL(actions.headerChanges[0].index, 1u);
}

BOOST_FIXTURE_TEST_CASE(test_HeaderChangeRefused_Throws, Fixture)
{
  actions.failNext = true;
  Session session(services);
  open(*this, session);
  BOOST_CHECK_THROW(message(session, {{"From", " a@example.com"}}), Error);
}

BOOST_FIXTURE_TEST_CASE(test_Ipv6Client_Recorded, Fixture)
{
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  inet_pton(AF_INET6, "2001:db8::25", &address.sin6_addr);
  Session session(services);
  session.connect(actions, "v6.example", reinterpret_cast<const sockaddr*>(&address));
  session.helo(actions, "v6.example");
  message(session, {{"From", " a@example.com"}});
  BOOST_CHECK_EQUAL(checker.fed.front()->envelope.client->toString(), "2001:db8::25");
  BOOST_CHECK_EQUAL(store.records().front().clientIp, "2001:db8::25");
}

BOOST_FIXTURE_TEST_CASE(test_BodyBeforeEoh_StillEndsHeaders, Fixture)
{
  Session session(services);
  open(*this, session);
  session.envFrom(actions, {"<>"});
  session.header(actions, "From", " a@example.com");
  session.body(actions, "x");
  BOOST_CHECK(checker.fed.front()->endOfHeaders);
  BOOST_CHECK_EQUAL(checker.fed.front()->envelope.mailFrom, "");
  BOOST_CHECK(session.endOfMessage(actions) == Reply::Accept);
}

// The checks (DKIM x= and t=) and the stored verdict take their time from
// the injected clock, not from the system's.
BOOST_FIXTURE_TEST_CASE(test_InjectedClock_ReachesCheckAndRecord, Fixture)
{
  const auto fixed = std::chrono::system_clock::time_point(std::chrono::seconds(1600000000));
  services.clock = [fixed] { return fixed; };
  Session session(services);
  open(*this, session);
  BOOST_CHECK(message(session, {{"From", " a@example.com"}}) == Reply::Accept);
  BOOST_REQUIRE_EQUAL(checker.fed.size(), 1u);
  BOOST_CHECK_MESSAGE(checker.fed.front()->envelope.receivedAt == fixed,
                      "the check did not get the injected time");
  auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  BOOST_CHECK_MESSAGE(records[0].receivedAt == fixed, "the record did not get the injected time");
}

// Failure reports (RFC 9991): the sample is kept only when the site enables
// them and the record's ruf/fo ask for this message, never the body, and
// the header section within its limit.
BOOST_FIXTURE_TEST_CASE(test_FailureReports_SampleOnlyWhenEnabledAndAsked, Fixture)
{
  publish("v=DMARC1; p=none; ruf=mailto:ruf@example.com; fo=1");
  checker.outcomes.dkim.clear(); // no aligned DKIM pass: fo=1 asks for a report
  const std::vector<std::pair<std::string, std::string>> headers{
      {"From", " Alice <alice@example.com>"}, {"Subject", " hi\r\n\tthere"}};
  {
    Session session(services);
    open(*this, session);
    message(session, headers, "Secret body\r\n");
  }
  BOOST_REQUIRE_EQUAL(store.records().size(), 1u);
  BOOST_CHECK_MESSAGE(!store.records()[0].failure, "got a sample with FailureReports off");

  config = parseConfig("AuthservID mx.test\nFailureReports yes\nFailureReportHeaderLimit 1024\n",
                       "t.conf");
  {
    Session session(services);
    open(*this, session);
    message(session, headers, "Secret body\r\n");
  }
  const auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 2u);
  const auto& failure = records[1].failure;
  BOOST_REQUIRE_MESSAGE(failure, "got no sample, want one for fo=1");
  BOOST_CHECK_EQUAL(failure->mailFrom, "bounce@example.com");
  BOOST_CHECK_EQUAL(failure->rcptTo.size(), 2u);
  BOOST_CHECK_EQUAL(failure->headers, "From: Alice <alice@example.com>\nSubject: hi\n\tthere\n");
  BOOST_CHECK(!failure->headersTruncated);
  BOOST_CHECK_EQUAL(failure->headers.find("Secret"), std::string::npos);

  // A pass with an aligned DKIM signature is not what fo=1 asks for.
  DkimSignatureOutcome signature;
  signature.result = DkimResult::Pass;
  signature.domain = "example.com";
  checker.outcomes.dkim.push_back(signature);
  publish("v=DMARC1; p=none; ruf=mailto:ruf@example.com; fo=0");
  {
    Session session(services);
    open(*this, session);
    message(session, headers);
  }
  BOOST_REQUIRE_EQUAL(store.records().size(), 3u);
  BOOST_CHECK(!store.records()[2].failure);
}

BOOST_FIXTURE_TEST_CASE(test_FailureReports_HeaderSectionBounded, Fixture)
{
  publish("v=DMARC1; p=none; ruf=mailto:ruf@example.com; fo=1");
  config = parseConfig("AuthservID mx.test\nFailureReports yes\nFailureReportHeaderLimit 1024\n",
                       "t.conf");
  std::vector<std::pair<std::string, std::string>> headers{{"From", " a@example.com"}};
  for (int i = 0; i < 100; ++i) {
    headers.emplace_back("Received", std::string(60, 'r'));
  }
  Session session(services);
  open(*this, session);
  message(session, headers);
  const auto records = store.records();
  BOOST_REQUIRE_EQUAL(records.size(), 1u);
  const auto& failure = records[0].failure;
  BOOST_REQUIRE(failure);
  BOOST_CHECK_LE(failure->headers.size(), 1024u);
  BOOST_CHECK(failure->headersTruncated);
  BOOST_CHECK(failure->headers.starts_with("From: a@example.com\n"));
}

BOOST_AUTO_TEST_SUITE_END()
