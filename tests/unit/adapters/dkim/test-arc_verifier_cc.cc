// test-arc_verifier_cc.cc: RFC 8617 §5.2 chain validation with keys from
// the in-memory resolver: chains sealed here (RSA and Ed25519), a list
// that changes the message between seals (oldest-pass), broken seals and
// bodies, key trouble (RFC 8301, DNS failure), header bounds, what a
// message without ARC costs (nothing), and body hashes shared with DKIM. The open ARC test suite
// and python3-dkim's messages run in tests/arc/run-arc-suite.sh.
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/arc_verifier.hh"
#include "lib/adapters/dkim/body_hash_pool.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "tests/unit/adapters/dkim/arc_test_messages.hh"

using namespace dmarc;
using dmarc::test::ArcTestHop;
using dmarc::test::ArcTestMessage;
using dmarc::test::FakeResolver;
using dmarc::test::validateArc;

BOOST_AUTO_TEST_SUITE(test_arc_verifier_cc)

BOOST_AUTO_TEST_CASE(test_NoArcFields_NoneWithoutDns)
{
  FakeResolver resolver;
  ArcValidation result = validateArc(resolver, test::plainArcTestMessage());
  BOOST_CHECK(result.result == ArcResult::None);
  BOOST_CHECK(result.sets.empty());
  BOOST_CHECK(resolver.queries().empty());
}

BOOST_AUTO_TEST_CASE(test_ThreeHops_PassWithSetsAndOldestPass)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestHop forwarder(resolver, "forwarder.example", DkimKeyType::Ed25519);
  ArcTestHop relay(resolver, "relay.example");
  ArcTestMessage message = lists.seal(test::plainArcTestMessage(), ArcResult::None);
  message = forwarder.seal(message, ArcResult::Pass);
  message = relay.seal(message, ArcResult::Pass);
  ArcSettings settings;
  settings.oldestPass = true;
  ArcValidation result = validateArc(resolver, message, settings);
  BOOST_REQUIRE_MESSAGE(result.result == ArcResult::Pass, result.reason);
  BOOST_CHECK_EQUAL(result.instances, 3U);
  BOOST_REQUIRE(result.oldestPass);
  BOOST_CHECK_EQUAL(*result.oldestPass, 0U);
  BOOST_REQUIRE_EQUAL(result.sets.size(), 3U);
  BOOST_CHECK_EQUAL(result.set(2)->sealDomain, "forwarder.example");
  BOOST_CHECK(result.set(1)->sealCv == ArcResult::None);
  BOOST_REQUIRE(result.set(3)->authResults);
  BOOST_CHECK_EQUAL(result.set(3)->authResults->authservId, "mx.relay.example");
  BOOST_CHECK_EQUAL(result.set(3)->authResults->results.back().method, "dmarc");
  BOOST_CHECK(result.set(4) == nullptr);
}

BOOST_AUTO_TEST_CASE(test_ListChangesMessage_OldestPassIsTheList)
{
  FakeResolver resolver;
  ArcTestHop author(resolver, "mx.author.example");
  ArcTestHop lists(resolver, "lists.example");
  ArcTestHop relay(resolver, "relay.example");
  ArcTestMessage message = author.seal(test::plainArcTestMessage(), ArcResult::None);
  message.fields[5] = "Subject: [team] Quarterly figures";
  message.body += "--\r\nteam mailing list\r\n";
  message = lists.seal(message, ArcResult::Pass);
  message = relay.seal(message, ArcResult::Pass);
  ArcSettings settings;
  settings.oldestPass = true;
  ArcValidation result = validateArc(resolver, message, settings);
  BOOST_REQUIRE_MESSAGE(result.result == ArcResult::Pass, result.reason);
  BOOST_REQUIRE(result.oldestPass);
  BOOST_CHECK_EQUAL(*result.oldestPass, 2U);
  // Without step 5 (the default) the older signatures are not checked.
  ArcValidation quick = validateArc(resolver, message);
  BOOST_CHECK(quick.result == ArcResult::Pass);
  BOOST_CHECK(!quick.oldestPass);
}

BOOST_AUTO_TEST_CASE(test_ChangedAfterSealing_Fails)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestHop relay(resolver, "relay.example");
  ArcTestMessage sealed =
      relay.seal(lists.seal(test::plainArcTestMessage(), ArcResult::None), ArcResult::Pass);
  ArcTestMessage body = sealed;
  body.body += "footer\r\n";
  ArcValidation result = validateArc(resolver, body);
  BOOST_CHECK(result.result == ArcResult::Fail);
  BOOST_CHECK_EQUAL(result.reason, "ARC-Message-Signature i=2: body hash mismatch");
  ArcTestMessage header = sealed;
  header.fields.back() = "MIME-Version: 2.0";
  BOOST_CHECK(validateArc(resolver, header).result == ArcResult::Fail);
  // The first set's results, changed: only the seals cover them.
  ArcTestMessage aar = sealed;
  aar.fields[5].replace(aar.fields[5].find("dmarc=pass"), 10, "dmarc=fail");
  result = validateArc(resolver, aar);
  BOOST_CHECK(result.result == ArcResult::Fail);
  BOOST_CHECK_EQUAL(result.reason, "ARC-Seal i=2: seal did not verify");
}

// A key lookup that fails temporarily is temperror, not fail: the same
// message may validate later, and the site's DNS is not the chain's fault.
BOOST_AUTO_TEST_CASE(test_KeyTrouble_FailsAndSaysWhy)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = lists.seal(test::plainArcTestMessage(), ArcResult::None);
  FakeResolver down;
  down.fail("arc._domainkey.lists.example");
  ArcValidation result = validateArc(down, message);
  BOOST_CHECK(result.result == ArcResult::TempError);
  FakeResolver weak;
  weak.add("arc._domainkey.lists.example", DnsType::TXT,
           DkimSigningKey::generate(DkimKeyType::Rsa, 768).dnsRecord());
  result = validateArc(weak, message);
  BOOST_CHECK(result.result == ArcResult::Fail);
  BOOST_CHECK_NE(result.reason.find("RFC 8301"), std::string::npos);
  FakeResolver revoked;
  revoked.add("arc._domainkey.lists.example", DnsType::TXT, "v=DKIM1; k=rsa; p=");
  BOOST_CHECK(validateArc(revoked, message).result == ArcResult::Fail);
}

BOOST_AUTO_TEST_CASE(test_OneKeyLookupPerSelector)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = lists.seal(test::plainArcTestMessage(), ArcResult::None);
  message = lists.seal(message, ArcResult::Pass);
  message = lists.seal(message, ArcResult::Pass);
  ArcVerifier verifier(resolver);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.body(message.body);
  BOOST_CHECK(verifier.finish().result == ArcResult::Pass);
  BOOST_CHECK_EQUAL(verifier.keyLookups(), 1U);
  BOOST_CHECK_EQUAL(resolver.queries().size(), 1U);
}

BOOST_AUTO_TEST_CASE(test_BrokenStructure_NoDns)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = lists.seal(test::plainArcTestMessage(), ArcResult::None);
  message.fields.erase(message.fields.begin()); // the seal
  std::size_t before = resolver.queries().size();
  ArcValidation result = validateArc(resolver, message);
  BOOST_CHECK(result.result == ArcResult::Fail);
  BOOST_CHECK_EQUAL(result.reason, "ARC set i=1 has no ARC-Seal");
  BOOST_CHECK_EQUAL(resolver.queries().size(), before);
}

BOOST_AUTO_TEST_CASE(test_MilterFeeding_NameAndValue)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = lists.seal(test::plainArcTestMessage(), ArcResult::None);
  ArcVerifier verifier(resolver);
  for (const auto& field : message.fields) {
    // libmilter: name, then the value with its leading space and LF folds.
    auto colon = field.find(':');
    std::string value = field.substr(colon + 1);
    for (auto crlf = value.find("\r\n"); crlf != std::string::npos; crlf = value.find("\r\n")) {
      value.erase(crlf, 1);
    }
    verifier.header(field.substr(0, colon), value);
  }
  verifier.endOfHeaders();
  verifier.body(message.body);
  ArcValidation result = verifier.finish();
  BOOST_CHECK_MESSAGE(result.result == ArcResult::Pass, result.reason);
}

BOOST_AUTO_TEST_CASE(test_HeaderBounds_FailOnlyWithArc)
{
  FakeResolver resolver;
  ArcSettings settings;
  settings.maxHeaderFields = 4;
  BOOST_CHECK(validateArc(resolver, test::plainArcTestMessage(), settings).result ==
              ArcResult::None);
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = test::plainArcTestMessage();
  message = lists.seal(message, ArcResult::None);
  // The ARC fields come past the bound: still seen, and the chain fails.
  std::rotate(message.fields.begin(), message.fields.begin() + 3, message.fields.end());
  ArcValidation result = validateArc(resolver, message, settings);
  BOOST_CHECK(result.result == ArcResult::Fail);
  BOOST_CHECK_NE(result.reason.find("local limits"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_HeaderBounds_SpaceBeforeColonIsStillArc)
{
  // Past the bound, an "ARC-Seal :" field (RFC 5322 §4.5.2) is an ARC field
  // all the same: the chain fails rather than looking absent.
  FakeResolver resolver;
  ArcSettings settings;
  settings.maxHeaderFields = 1;
  ArcVerifier verifier(resolver, settings, nullptr);
  verifier.header("Subject", " x");
  verifier.header("ARC-Seal \t", " i=1; a=rsa-sha256; cv=none; d=x.example; s=s; b=AAAA");
  verifier.endOfHeaders();
  verifier.body("x\r\n");
  ArcValidation result = verifier.finish();
  BOOST_CHECK_MESSAGE(result.result == ArcResult::Fail,
                      "got " << toString(result.result) << ", want fail: " << result.reason);
}

BOOST_AUTO_TEST_CASE(test_SharedBodies_TwoVerifiersHashOnce)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestHop relay(resolver, "relay.example");
  ArcTestMessage message =
      relay.seal(lists.seal(test::plainArcTestMessage(), ArcResult::None), ArcResult::Pass);
  BodyHashPool bodies;
  ArcVerifier first(resolver, {}, &bodies);
  ArcVerifier second(resolver, {}, &bodies);
  for (auto* verifier : {&first, &second}) {
    for (const auto& field : message.fields) {
      verifier->headerField(field);
    }
    verifier->endOfHeaders();
  }
  for (std::size_t i = 0; i < message.body.size(); i += 3) {
    first.body(std::string_view(message.body).substr(i, 3));
    second.body(std::string_view(message.body).substr(i, 3));
  }
  BOOST_CHECK(first.finish().result == ArcResult::Pass);
  BOOST_CHECK(second.finish().result == ArcResult::Pass);
  BOOST_CHECK_EQUAL(bodies.hashCount(), 1U);
  BOOST_CHECK_EQUAL(bodies.bytesHashed(), message.body.size());
}

BOOST_AUTO_TEST_CASE(test_DkimAndArc_OneBodyHash)
{
  FakeResolver resolver;
  ArcTestHop lists(resolver, "lists.example");
  ArcTestMessage message = test::plainArcTestMessage();
  DkimSigningKey key = DkimSigningKey::generate(DkimKeyType::Rsa, 2048);
  resolver.add("dkim._domainkey.author.example", DnsType::TXT, key.dnsRecord());
  DkimSignRequest request;
  request.domain = "author.example";
  request.selector = "dkim";
  request.signTime = 1750000000;
  DkimSigner signer;
  message.fields.insert(message.fields.begin(),
                        signer.sign(key, request, message.fields, message.body));
  message = lists.seal(message, ArcResult::None);

  DkimLibrary library(resolver);
  BodyHashPool bodies;
  DkimVerifier dkim(library, 1750000060, nullptr, "TEST", &bodies);
  ArcVerifier arc(resolver, {}, &bodies);
  for (const auto& field : message.fields) {
    dkim.headerField(field);
    arc.headerField(field);
  }
  dkim.endOfHeaders();
  arc.endOfHeaders();
  for (std::size_t i = 0; i < message.body.size(); i += 4) {
    dkim.body(std::string_view(message.body).substr(i, 4));
    arc.body(std::string_view(message.body).substr(i, 4));
  }
  auto outcomes = dkim.finish();
  ArcValidation chain = arc.finish();
  BOOST_REQUIRE_EQUAL(outcomes.size(), 1U);
  BOOST_CHECK_MESSAGE(outcomes[0].result == DkimResult::Pass, outcomes[0].humanResult);
  BOOST_CHECK_MESSAGE(chain.result == ArcResult::Pass, chain.reason);
  // relaxed/relaxed both: one hash, each body byte once.
  BOOST_CHECK_EQUAL(bodies.hashCount(), 1U);
  BOOST_CHECK_EQUAL(bodies.bytesHashed(), message.body.size());
}

BOOST_AUTO_TEST_SUITE_END()
