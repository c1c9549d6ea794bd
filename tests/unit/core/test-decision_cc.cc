// test-decision_cc.cc: the end-of-message decision: facts + site policy ->
// verdict, SMTP reply, hold, header edits and the record to store.
#include <boost/test/unit_test.hpp>

#include "lib/core/decision.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_decision_cc)

namespace
{
struct Fixture
{
  Fixture()
  {
    site.authservId = "mx.example.net";
    site.rejectText = "Email rejected per DMARC policy for %s";
    dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
    facts.message.fromHeaders = {" Alice <alice@example.com>"};
    facts.message.mailFrom = "bounce@Mail.Example.COM.";
    facts.message.helo = "client.example";
    facts.client = IpAddress::parse("192.0.2.1");
    facts.queueId = "QID";
    facts.reportingHost = "mx.example.net";
    facts.rcptDomains = {"dest.example"};
  }
  void sign(const std::string& domain)
  {
    DkimSignatureOutcome signature;
    signature.result = DkimResult::Pass;
    signature.domain = domain;
    facts.message.dkim.push_back(signature);
  }
  Decision run() { return decide(facts, site, DecisionTools{dns}); }

  test::FakeResolver dns;
  SitePolicy site;
  DecisionFacts facts;
};
} // namespace

BOOST_FIXTURE_TEST_CASE(test_Pass_AcceptsWithHeaderAndRecord, Fixture)
{
  sign("example.com");
  auto decision = run();
  BOOST_CHECK(decision.verdict().result == DmarcResult::Pass);
  BOOST_CHECK(decision.action == SmtpAction::Accept);
  BOOST_CHECK(decision.reply.code.empty());
  BOOST_CHECK(!decision.holdReason);
  BOOST_REQUIRE_EQUAL(decision.headerEdits.size(), 1u);
  const auto& edit = decision.headerEdits.front();
  BOOST_CHECK(edit.kind == HeaderEdit::Kind::Insert);
  BOOST_CHECK_EQUAL(edit.index, 0u);
  BOOST_CHECK_EQUAL(edit.name, "Authentication-Results");
  BOOST_CHECK_EQUAL(edit.value, decision.authResults);
  BOOST_CHECK_MESSAGE(decision.authResults.rfind("mx.example.net;", 0) == 0 &&
                          decision.authResults.find("dmarc=pass header.from=example.com") !=
                              std::string::npos,
                      "got " << decision.authResults << ", want our dmarc=pass");
  BOOST_CHECK_EQUAL(decision.record.queueId, "QID");
  BOOST_CHECK_EQUAL(decision.record.clientIp, "192.0.2.1");
  BOOST_CHECK_EQUAL(decision.record.mailFromDomain, "mail.example.com");
  BOOST_CHECK_EQUAL(decision.record.helo, "client.example");
  BOOST_CHECK_EQUAL(decision.record.verdict.fromDomain, "example.com");
}

BOOST_FIXTURE_TEST_CASE(test_Fail_RejectsWithTheAuthorDomain, Fixture)
{
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Reject);
  BOOST_CHECK_EQUAL(decision.reply.code, "550");
  BOOST_CHECK_EQUAL(decision.reply.xcode, "5.7.1");
  BOOST_CHECK_EQUAL(decision.reply.text, "Email rejected per DMARC policy for example.com");
  BOOST_CHECK(decision.headerEdits.empty());
  BOOST_CHECK(decision.verdict().applied == Disposition::Reject);
}

BOOST_FIXTURE_TEST_CASE(test_Quarantine_HeldOnlyWhenTheSiteSaysSo, Fixture)
{
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=quarantine");
  auto delivered = run();
  BOOST_CHECK(delivered.action == SmtpAction::Accept);
  BOOST_CHECK(!delivered.holdReason);
  site.holdQuarantined = true;
  auto held = run();
  BOOST_CHECK(held.action == SmtpAction::Accept);
  BOOST_REQUIRE(held.holdReason);
  BOOST_CHECK_EQUAL(*held.holdReason, "DMARC policy quarantine for example.com");
}

BOOST_FIXTURE_TEST_CASE(test_Temperror_Tempfails, Fixture)
{
  dns.clear();
  dns.fail("_dmarc.example.com");
  site.engine.tempfailOnTemperror = true;
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Tempfail);
  BOOST_CHECK_EQUAL(decision.reply.code, "451");
  BOOST_CHECK_EQUAL(decision.reply.xcode, "4.7.5");
  site.engine.tempfailOnTemperror = false;
  BOOST_CHECK(run().action == SmtpAction::Accept);
}

BOOST_FIXTURE_TEST_CASE(test_ForgedAuthResults_DeletedLastFirstThenOursOnTop, Fixture)
{
  sign("example.com");
  facts.forgedAuthResults = {1, 3};
  auto decision = run();
  BOOST_REQUIRE_EQUAL(decision.headerEdits.size(), 3u);
  BOOST_CHECK(decision.headerEdits[0].kind == HeaderEdit::Kind::Delete);
  BOOST_CHECK_EQUAL(decision.headerEdits[0].index, 3u);
  BOOST_CHECK(decision.headerEdits[1].kind == HeaderEdit::Kind::Delete);
  BOOST_CHECK_EQUAL(decision.headerEdits[1].index, 1u);
  BOOST_CHECK(decision.headerEdits[2].kind == HeaderEdit::Kind::Insert);
}

BOOST_FIXTURE_TEST_CASE(test_RequiredHeaders_RejectsAndSaysWhy, Fixture)
{
  sign("example.com");
  facts.headerCounts.add("From");
  facts.headerCounts.add("FROM");
  facts.headerCounts.add("Date");
  BOOST_CHECK(run().action == SmtpAction::Accept); // the rule is off by default
  site.requiredHeaders = true;
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Reject);
  BOOST_CHECK_EQUAL(decision.reply.text,
                    "Message header does not comply with RFC 5322 section 3.6");
  BOOST_CHECK_EQUAL(decision.why, "RequiredHeaders: from count 2");
}

BOOST_FIXTURE_TEST_CASE(test_Exemptions_KeyedOnTheFacts, Fixture)
{
  site.ignoreHosts.add("192.0.2.0/24");
  auto ignored = run();
  BOOST_CHECK(ignored.action == SmtpAction::Accept);
  BOOST_REQUIRE_EQUAL(ignored.verdict().overrides.size(), 1u);
  BOOST_CHECK(ignored.verdict().overrides[0].reason == OverrideReason::LocalPolicy);
  site.ignoreHosts = AddressList();

  site.trustedMailingLists = {"dev.lists.example.org"};
  facts.listId = listIdOf(" Developers <dev.lists.example.org>");
  sign("lists.example.org"); // the list's own signature (a forged List-Id exempts nothing)
  auto list = run();
  BOOST_CHECK(list.action == SmtpAction::Accept);
  BOOST_REQUIRE(!list.verdict().overrides.empty());
  BOOST_CHECK(list.verdict().overrides[0].reason == OverrideReason::MailingList);
  facts.listId.clear();

  // Unauthenticated clients are enforced even when the site ignores
  // authenticated ones.
  site.ignoreAuthenticatedClients = true;
  BOOST_CHECK(run().action == SmtpAction::Reject);
  facts.authenticatedUser = "alice";
  BOOST_CHECK(run().action == SmtpAction::Accept);
}

// A second From field the engine cannot use earns no exemption keyed on the
// first one's domain.
BOOST_FIXTURE_TEST_CASE(test_UnusableFrom_EarnsNoAuthorExemption, Fixture)
{
  site.ignoreMailFrom = {"example.com"};
  BOOST_CHECK(run().action == SmtpAction::Accept);
  facts.message.fromHeaders.push_back(" broken <<");
  BOOST_CHECK(run().action == SmtpAction::Reject);
}

// A reject the sender's policy did not ask for is a rule of this site: the
// reply and the log say so (no more "policy for (unknown)").
BOOST_FIXTURE_TEST_CASE(test_NoFrom_RejectedByLocalPolicyAndSaysSo, Fixture)
{
  facts.message.fromHeaders.clear();
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Reject);
  BOOST_CHECK_EQUAL(decision.reply.code, "550");
  BOOST_CHECK_EQUAL(decision.reply.text, "Email rejected by local policy: no From field");
  BOOST_CHECK_EQUAL(decision.why, "local policy: no From field");

  facts.message.fromHeaders = {" a@example.com", " b@example.org"};
  site.engine.multiFrom = MultiFromAction::Reject;
  auto multi = run();
  BOOST_CHECK_EQUAL(multi.reply.text,
                    "Email rejected by local policy: From addresses in 2 domains");

  facts.message.fromHeaders = {" a@example.com"};
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=none");
  site.domainPolicies.push_back(DomainPolicyOverride{"example.com", Policy::Reject});
  auto forced = run();
  BOOST_CHECK(forced.action == SmtpAction::Reject);
  BOOST_CHECK_EQUAL(forced.reply.text,
                    "Email rejected by local policy: DMARC failure of example.com");
  // The sender's own p=reject keeps RejectString.
  site.domainPolicies.clear();
  dns.clear();
  dns.add("_dmarc.example.com", DnsType::TXT, "v=DMARC1; p=reject");
  auto published = run();
  BOOST_CHECK_EQUAL(published.reply.text, "Email rejected per DMARC policy for example.com");
  BOOST_CHECK(published.why.empty());
}

// A failure an exemption lets through carries the override in our header.
BOOST_FIXTURE_TEST_CASE(test_Override_ShownInAuthResults, Fixture)
{
  site.trustedForwarders.add("192.0.2.0/24");
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Accept);
  BOOST_CHECK_MESSAGE(decision.authResults.find("(dis=none override=trusted_forwarder)") !=
                          std::string::npos,
                      "got " << decision.authResults << ", want the override comment");
}

// The ARC slot is there for the next step; nothing reads it yet.
BOOST_FIXTURE_TEST_CASE(test_ArcSlot_NotYetRead, Fixture)
{
  facts.arc.emplace();
  facts.arc->result = ArcResult::Pass;
  BOOST_CHECK(run().action == SmtpAction::Reject);
}

namespace
{
ArcValidation chainSealedBy(const std::string& sealer, const std::string& record)
{
  ArcValidation arc;
  arc.result = ArcResult::Pass;
  arc.instances = 1;
  ArcSetSummary set;
  set.instance = 1;
  set.sealDomain = sealer;
  set.authResults = parseAuthResults(record);
  arc.sets.push_back(set);
  return arc;
}
} // namespace

BOOST_FIXTURE_TEST_CASE(test_TrustedArcSealer_LiftsAndRecords, Fixture)
{
  site.trustedArcSealers = {"lists.example.org"};
  facts.arc = chainSealedBy("lists.example.org", "lists; dmarc=pass header.from=example.com");
  facts.addHeader("List-Id", " <dev.lists.example.org>", site);
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Accept);
  BOOST_CHECK(decision.verdict().result == DmarcResult::Fail);
  BOOST_CHECK(decision.verdict().applied == Disposition::None);
  BOOST_REQUIRE_EQUAL(decision.verdict().overrides.size(), 1u);
  BOOST_CHECK(decision.verdict().overrides[0].reason == OverrideReason::MailingList);
  BOOST_CHECK(decision.record.arcResult == ArcResult::Pass);
  BOOST_CHECK(decision.record.arcSealers == std::vector<std::string>{"lists.example.org"});
  BOOST_CHECK_EQUAL(decision.record.arcTrustedSealer, "lists.example.org");
  BOOST_CHECK_EQUAL(decision.record.overrideComment, "arc=pass as[1].d=lists.example.org");
  BOOST_CHECK_MESSAGE(
      decision.authResults.find("arc=pass") != std::string::npos &&
          decision.authResults.find("smtp.remote-ip=192.0.2.1") != std::string::npos &&
          decision.authResults.find("override=mailing_list arc=pass "
                                    "as[1].d=lists.example.org)") != std::string::npos,
      "got " << decision.authResults);
}

BOOST_FIXTURE_TEST_CASE(test_ArcWithoutTrustedSealers_RecordedNotLifted, Fixture)
{
  facts.arc = chainSealedBy("lists.example.org", "lists; dmarc=pass header.from=example.com");
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Reject);
  BOOST_CHECK(decision.record.arcResult == ArcResult::Pass);
  BOOST_CHECK(decision.record.arcTrustedSealer.empty());
  BOOST_CHECK(decision.record.overrideComment.empty());
}

BOOST_FIXTURE_TEST_CASE(test_NoArcFields_NoArcClause, Fixture)
{
  sign("example.com");
  facts.arc = ArcValidation{};
  auto decision = run();
  BOOST_CHECK(decision.authResults.find(" arc=") == std::string::npos);
  BOOST_CHECK(decision.record.arcResult == ArcResult::None);
  BOOST_CHECK(decision.record.arcSealers.empty());
}

BOOST_FIXTURE_TEST_CASE(test_ForgedListId_NeverExempts, Fixture)
{
  site.trustedMailingLists = {"dev.lists.example.org"};
  facts.addHeader("List-Id", " Developers <dev.lists.example.org>", site);
  BOOST_CHECK(run().action == SmtpAction::Reject);
  sign("lists.example.org");
  auto decision = run();
  BOOST_CHECK(decision.action == SmtpAction::Accept);
  BOOST_REQUIRE_EQUAL(decision.verdict().overrides.size(), 1u);
  BOOST_CHECK(decision.verdict().overrides[0].reason == OverrideReason::MailingList);
}

// RFC 5322 §4.5.2 (obs-optional): white space before the colon leaves the
// field what it is, whether or not the MTA took it out of the name.
BOOST_AUTO_TEST_CASE(test_AddHeader_SpaceBeforeColonSameField)
{
  SitePolicy site;
  site.authservId = "mx.example.net";
  DecisionFacts facts;
  facts.addHeader("From", " alice@example.com", site);
  facts.addHeader("From \t", " mallory@example.org", site);
  facts.addHeader("Authentication-Results ", " mx.example.net; dmarc=pass", site);
  facts.addHeader("List-Id ", " Dev <dev.example.org>", site);
  facts.addHeader("Date ", " Mon, 1 Jan 2024 00:00:00 +0000", site);
  BOOST_REQUIRE_EQUAL(facts.message.fromHeaders.size(), 2u);
  BOOST_CHECK_EQUAL(facts.message.fromHeaders[1], " mallory@example.org");
  BOOST_REQUIRE_EQUAL(facts.forgedAuthResults.size(), 1u);
  BOOST_CHECK_EQUAL(facts.forgedAuthResults[0], 1u);
  BOOST_CHECK_EQUAL(facts.listId, "dev.example.org");
  BOOST_CHECK_EQUAL(facts.headerCounts.problem(), "from count 2");
}

BOOST_AUTO_TEST_CASE(test_ListIdOf_IdentifierBetweenBrackets)
{
  BOOST_CHECK_EQUAL(listIdOf(" Dev list <dev.example.org>"), "dev.example.org");
  BOOST_CHECK_EQUAL(listIdOf(" <a.example> <b.example>"), "b.example");
  BOOST_CHECK_EQUAL(listIdOf(" dev.example.org"), "");
  BOOST_CHECK_EQUAL(listIdOf(" >x<"), "");
  BOOST_CHECK_EQUAL(listIdOf("<" + std::string(300, 'a') + ">").size(), 255u);
}

BOOST_AUTO_TEST_CASE(test_AddressDomain_LowerCaseWithoutTrailingDot)
{
  BOOST_CHECK_EQUAL(addressDomain("user@Example.COM."), "example.com");
  BOOST_CHECK_EQUAL(addressDomain("a@b@c.example"), "c.example");
  BOOST_CHECK_EQUAL(addressDomain("postmaster"), "");
}

BOOST_AUTO_TEST_SUITE_END()
