// test-arc_sealer_cc.cc: RFC 8617 §5.1 sealing: the fields written, the
// chain they extend (cv=none, pass, fail), and the cases where no set may
// be added. The open ARC test suite's signing cases run in
// tests/arc/run-arc-suite.sh.
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/core/arc_chain.hh"
#include "lib/core/error.hh"
#include "tests/unit/adapters/dkim/arc_test_messages.hh"

using namespace dmarc;
using dmarc::test::ArcTestHop;
using dmarc::test::ArcTestMessage;
using dmarc::test::FakeResolver;
using dmarc::test::validateArc;

BOOST_AUTO_TEST_SUITE(test_arc_sealer_cc)

BOOST_AUTO_TEST_CASE(test_ArcSealer_RefusesBadSettings)
{
  ArcSealerSettings settings;
  settings.domain = "example.org";
  settings.selector = "arc";
  settings.privateKeyPem = DkimSigningKey::generate(DkimKeyType::Rsa, 768).privateKeyPem;
  BOOST_CHECK_THROW(ArcSealer{settings}, ConfigError);
  settings.privateKeyPem = "junk";
  BOOST_CHECK_THROW(ArcSealer{settings}, ConfigError);
  settings.privateKeyPem = DkimSigningKey::generate(DkimKeyType::Ed25519).privateKeyPem;
  BOOST_CHECK_NO_THROW(ArcSealer{settings});
  settings.domain = "not a domain";
  BOOST_CHECK_THROW(ArcSealer{settings}, ConfigError);
  settings.domain = "example.org";
  settings.signedHeaders = {"from", "ARC-Seal"};
  BOOST_CHECK_THROW(ArcSealer{settings}, ConfigError);
}

BOOST_AUTO_TEST_CASE(test_seal_FirstAndSecondSets)
{
  FakeResolver resolver;
  ArcTestHop first(resolver, "lists.example");
  ArcTestHop second(resolver, "relay.example", DkimKeyType::Ed25519);
  ArcTestMessage message = first.seal(test::plainArcTestMessage(), ArcResult::None, 12345);
  BOOST_CHECK_EQUAL(message.fields[0].rfind("ARC-Seal: a=rsa-sha256;\r\n b=", 0), 0U);
  BOOST_CHECK_NE(message.fields[0].find("cv=none;\r\n d=lists.example;\r\n i=1;"),
                 std::string::npos);
  BOOST_CHECK_NE(message.fields[0].find("t=12345"), std::string::npos);
  BOOST_CHECK_EQUAL(
      message.fields[2].rfind("ARC-Authentication-Results: i=1; mx.lists.example;", 0), 0U);
  ArcValidation one = validateArc(resolver, message);
  BOOST_CHECK_MESSAGE(one.result == ArcResult::Pass, one.reason);
  message = second.seal(message, one.result);
  BOOST_CHECK_NE(message.fields[0].find("a=ed25519-sha256"), std::string::npos);
  BOOST_CHECK_NE(message.fields[0].find("cv=pass"), std::string::npos);
  ArcValidation two = validateArc(resolver, message);
  BOOST_CHECK_MESSAGE(two.result == ArcResult::Pass, two.reason);
  BOOST_CHECK_EQUAL(two.instances, 2U);
}

BOOST_AUTO_TEST_CASE(test_seal_FailedChainSealsOnlyItsOwnSet)
{
  FakeResolver resolver;
  ArcTestHop first(resolver, "lists.example");
  ArcTestHop second(resolver, "relay.example");
  ArcTestMessage message = first.seal(test::plainArcTestMessage(), ArcResult::None);
  message.body += "changed\r\n";
  ArcValidation broken = validateArc(resolver, message);
  BOOST_REQUIRE(broken.result == ArcResult::Fail);
  message = second.seal(message, broken.result);
  BOOST_CHECK_NE(message.fields[0].find("cv=fail"), std::string::npos);
  ArcValidation after = validateArc(resolver, message);
  BOOST_CHECK(after.result == ArcResult::Fail);
  BOOST_CHECK_EQUAL(after.reason, "ARC-Seal i=2 says cv=fail");
  // Nobody seals a chain that an earlier hop marked cv=fail.
  BOOST_CHECK_THROW(first.seal(message, after.result), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(test_seal_CvFollowsTheHeader)
{
  FakeResolver resolver;
  ArcTestHop hop(resolver, "lists.example");
  // "pass" for a message without a chain, "none" for one with sets: both
  // impossible, so the seal says fail.
  ArcTestMessage plain = test::plainArcTestMessage();
  BOOST_CHECK_NE(hop.seal(plain, ArcResult::Pass).fields[0].find("cv=fail"), std::string::npos);
  ArcTestMessage sealed = hop.seal(plain, ArcResult::None);
  BOOST_CHECK_NE(hop.seal(sealed, ArcResult::None).fields[0].find("cv=fail"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_seal_NotPastFiftySets)
{
  FakeResolver resolver;
  ArcTestHop hop(resolver, "lists.example");
  ArcTestMessage message = hop.seal(test::plainArcTestMessage(), ArcResult::None);
  for (int i = 2; i <= 50; ++i) {
    message = hop.seal(message, ArcResult::Pass);
  }
  ArcValidation fifty = validateArc(resolver, message);
  BOOST_CHECK_MESSAGE(fifty.result == ArcResult::Pass, fifty.reason);
  BOOST_CHECK_EQUAL(fifty.instances, 50U);
  BOOST_CHECK_THROW(hop.seal(message, ArcResult::Pass), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()
