// test-config_cc.cc: the dmarc-milter.conf key table, parser and validator
// (STYLE.md 8 and 9).
#include <fstream>
#include <set>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/core/error.hh"
#include "milter/config.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_config_cc)

namespace
{
std::string errorOf(std::string_view text)
{
  try {
    parseConfig(text, "test.conf");
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

void checkError(std::string_view text, std::string_view want)
{
  auto got = errorOf(text);
  BOOST_CHECK_MESSAGE(got.find(want) != std::string::npos,
                      "got \"" << got << "\", want it to contain \"" << want << "\"");
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Defaults_AreValidAndDocumented)
{
  auto config = parseConfig("", "");
  BOOST_CHECK_EQUAL(config->values.UMask, 07u);
  BOOST_CHECK(config->values.RejectFailures);
  BOOST_CHECK_EQUAL(config->values.TemperrorAction, "tempfail");
  BOOST_CHECK(config->site.ignoreHosts.contains(*IpAddress::parse("127.0.0.1")));
  BOOST_CHECK(config->site.ignoreHosts.contains(*IpAddress::parse("::1")));
  BOOST_CHECK(!config->site.ignoreHosts.contains(*IpAddress::parse("192.0.2.1")));
  std::set<std::string> names;
  for (const auto& key : configKeys()) {
    BOOST_CHECK_MESSAGE(names.insert(std::string(key.name)).second,
                        "got key " << key.name << " twice, want each once");
    BOOST_CHECK_MESSAGE(!key.help.empty() && !key.description.empty(),
                        "got no help for " << key.name << ", want help and description");
    if (key.kind == ConfigKind::Enum) {
      BOOST_CHECK_MESSAGE(!key.choices.empty(), "got no choices for " << key.name);
    }
  }
}

BOOST_AUTO_TEST_CASE(test_Parse_OpenDmarcStyleFile)
{
  auto config = parseConfig("# comment\n"
                            "Socket inet:8893@127.0.0.1\n"
                            "  authservid   mx.example.net  \n"
                            "RejectFailures no\n"
                            "IgnoreHosts 10.0.0.0/8, 2001:db8::/32 127.0.0.1\n"
                            "UMask 002\n"
                            "DNSTimeout 3\n"
                            "RejectString \"DMARC says no for %s\"\n"
                            "LogLevel DEBUG\n",
                            "test.conf");
  BOOST_CHECK_EQUAL(config->values.Socket, "inet:8893@127.0.0.1");
  BOOST_CHECK_EQUAL(config->authservId, "mx.example.net");
  BOOST_CHECK(!config->values.RejectFailures);
  BOOST_CHECK_EQUAL(config->values.IgnoreHosts.size(), 3u);
  BOOST_CHECK(config->site.ignoreHosts.contains(*IpAddress::parse("10.9.9.9")));
  BOOST_CHECK_EQUAL(config->values.UMask, 02u);
  BOOST_CHECK_EQUAL(config->values.DNSTimeout, 3u);
  BOOST_CHECK_EQUAL(config->values.RejectString, "DMARC says no for %s");
  BOOST_CHECK_EQUAL(config->values.LogLevel, "debug");
  BOOST_CHECK_EQUAL(config->keyLine.at("AuthservID"), 3u);
}

BOOST_AUTO_TEST_CASE(test_Parse_UnknownKeyNamesFileAndLine)
{
  checkError("Socket local:/tmp/s\nNoSuchKey 1\n", "test.conf:2: NoSuchKey: unknown key");
}

BOOST_AUTO_TEST_CASE(test_Parse_UnknownKeySuggestsTheNearestKnownOne)
{
  checkError("RejectFailure true\n", "test.conf:1: RejectFailure: unknown key (did you mean "
                                     "RejectFailures?)");
  checkError("authservid mx\nDNSTimout 3\n", "DNSTimout: unknown key (did you mean DNSTimeout?)");
  BOOST_CHECK_EQUAL(nearestConfigKey("socket"), "Socket");
  BOOST_CHECK_EQUAL(nearestConfigKey("Sokcet"), "Socket");
  // Nothing near enough: no guess.
  BOOST_CHECK_EQUAL(nearestConfigKey("NoSuchKey"), "");
  BOOST_CHECK_EQUAL(nearestConfigKey("Xy"), "");
}

BOOST_AUTO_TEST_CASE(test_Parse_OutOfRangeIsAnErrorNotClamped)
{
  checkError("DNSTimeout 0\n", "test.conf:1: DNSTimeout: 0 is out of range 1 to 60");
  checkError("DNSTimeout 61\n", "test.conf:1: DNSTimeout: 61 is out of range 1 to 60");
  checkError("DNSTimeout 99999999999999999999999\n", "out of range");
  checkError("DNSTimeout 5s\n", "not a number");
  checkError("UMask 0999\n", "not an octal number");
  checkError("UMask 1777\n", "out of range");
  checkError("MilterDebug -1\n", "not a number");
}

BOOST_AUTO_TEST_CASE(test_Parse_BadValues)
{
  checkError("RejectFailures maybe\n", "test.conf:1: RejectFailures: not a boolean");
  checkError("LogLevel loud\n", "is not one of: error warning notice info debug");
  checkError("PidFile relative/path\n", "not an absolute path");
  checkError("Socket tcp:25\n", "test.conf:1: Socket:");
  checkError("Socket inet:99999@localhost\n", "Socket");
  checkError("AuthservID \"mx example\"\n", "AuthservID: not usable");
  checkError("RejectString %d is bad\n", "only one %s");
  checkError("RejectString %s and %s\n", "only one %s");
  checkError("IgnoreHosts 10.0.0.0/33\n", "test.conf:1: IgnoreHosts:");
  checkError("DomainPolicyOverrides example.com:maybe\n", "not domain:none|quarantine|reject");
  checkError("Nameservers 127.0.0.1@0\n", "bad port");
  checkError("Nameservers ns.example\n", "not an IP address");
  checkError("UserID no-such-user-dmarc-test\n", "no such user");
  checkError("DNSSEC yes\n", "needs TrustAnchorFile");
  checkError("Socket\n", "missing value");
  checkError("DNSTimeout 30\nDNSBudget 10\n", "larger than DNSBudget");
}

BOOST_AUTO_TEST_CASE(test_Parse_RepeatedKeyIsAnError)
{
  checkError("DNSTimeout 3\ndnstimeout 4\n", "test.conf:2: DNSTimeout: already set on line 1");
}

BOOST_AUTO_TEST_CASE(test_Parse_AllErrorsAreReportedAtOnce)
{
  auto got = errorOf("Foo 1\nDNSTimeout 0\nBar 2\n");
  BOOST_CHECK_MESSAGE(got.find("test.conf:1:") != std::string::npos &&
                          got.find("test.conf:2:") != std::string::npos &&
                          got.find("test.conf:3:") != std::string::npos,
                      "got \"" << got << "\", want lines 1, 2 and 3");
}

BOOST_AUTO_TEST_CASE(test_Dump_RoundTrips)
{
  auto config = parseConfig("AuthservID mx.example.net\nIgnoreHosts 10.0.0.0/8 ::1\n"
                            "TrustedAuthservIDs a.example b.example\nUMask 027\n"
                            "RejectString \"  padded %s\"\n",
                            "test.conf");
  auto dumped = dumpConfig(*config);
  auto again = parseConfig(dumped, "dump");
  auto redumped = dumpConfig(*again);
  BOOST_CHECK_EQUAL(redumped.substr(redumped.find('\n')), dumped.substr(dumped.find('\n')));
  BOOST_CHECK(dumped.find("UMask 027\n") != std::string::npos);
  BOOST_CHECK(dumped.find("IgnoreHosts 10.0.0.0/8, ::1\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_Help_And_Man_ListEveryKey)
{
  auto help = configHelp();
  auto man = configManKeys();
  for (const auto& key : configKeys()) {
    BOOST_CHECK_MESSAGE(help.find("  " + std::string(key.name)) != std::string::npos,
                        "got no " << key.name << " in --help");
    BOOST_CHECK_MESSAGE(man.find(".It Cm " + std::string(key.name) + " ") != std::string::npos,
                        "got no " << key.name << " in the man page list");
  }
}

BOOST_AUTO_TEST_CASE(test_Reload_KeepsNonReloadableKeys)
{
  auto running = parseConfig("Socket local:/tmp/a.sock\nLogLevel info\n", "a.conf");
  auto next = parseConfig("Socket local:/tmp/b.sock\nLogLevel debug\n", "a.conf");
  std::vector<std::string> ignored;
  auto merged = mergeForReload(*running, *next, ignored);
  BOOST_CHECK_EQUAL(merged->values.Socket, "local:/tmp/a.sock");
  BOOST_CHECK_EQUAL(merged->values.LogLevel, "debug");
  BOOST_REQUIRE_EQUAL(ignored.size(), 1u);
  BOOST_CHECK_EQUAL(ignored.front(), "Socket");
}

BOOST_AUTO_TEST_CASE(test_ArcSeal_ThreeKeysAndAUsableSecretKey)
{
  TempDirectory dir;
  const std::string path = dir.path() + "/seal.pem";
  auto writeKey = [&path](const std::string& text, mode_t mode) {
    std::ofstream(path, std::ios::trunc) << text;
    ::chmod(path.c_str(), mode);
  };
  const std::string keys =
      "ArcSealDomain seal.example\nArcSealSelector arc\nArcSealKeyFile " + path + "\n";
  BOOST_CHECK(!parseConfig("", "")->arcSealer);
  checkError("ArcSealDomain seal.example\nArcSealKeyFile " + path + "\n",
             "ArcSealSelector: ARC sealing needs ArcSealDomain, ArcSealSelector and "
             "ArcSealKeyFile together");
  checkError(keys, "cannot read the ARC sealing key file " + path);
  writeKey(DkimSigningKey::generate(DkimKeyType::Ed25519).privateKeyPem, 0644);
  checkError(keys, "refusing the ARC sealing key file " + path +
                       ": its mode 0644 lets every "
                       "user read it");
  ::chmod(path.c_str(), 0600);
  auto config = parseConfig(keys, "test.conf");
  BOOST_CHECK(config->arcSealer);
  checkError(keys + "ArcValidation false\n", "ARC sealing needs ArcValidation true");
  writeKey("not a key", 0600);
  checkError(keys, "test.conf:3: ArcSealKeyFile: " + path + ": not a PEM private key");
  writeKey(DkimSigningKey::generate(DkimKeyType::Rsa, 768).privateKeyPem, 0600);
  checkError(keys, "RSA keys under 1024 bits are not accepted");
}

BOOST_AUTO_TEST_CASE(test_DomainPolicy_MostSpecificWins)
{
  auto config = parseConfig("DomainPolicyOverrides example.com:none, bank.example.com:reject\n"
                            "IgnoreMailFrom lists.example.org\nTrustedMailingLists "
                            "dev.lists.example.org\n",
                            "t");
  BOOST_REQUIRE(config->site.domainPolicyFor("a.bank.example.com"));
  BOOST_CHECK(config->site.domainPolicyFor("a.bank.example.com")->policy == Policy::Reject);
  BOOST_CHECK(config->site.domainPolicyFor("Example.COM")->policy == Policy::None);
  BOOST_CHECK(!config->site.domainPolicyFor("notexample.com"));
  BOOST_CHECK(config->site.isIgnoredMailFrom("x.lists.example.org"));
  BOOST_CHECK(!config->site.isIgnoredMailFrom("example.org"));
  BOOST_CHECK(config->site.isTrustedMailingList("DEV.lists.example.org"));
  BOOST_CHECK(!config->site.isTrustedMailingList(""));
}

BOOST_AUTO_TEST_CASE(test_AuthservId_OwnAndTrusted)
{
  auto config =
      parseConfig("AuthservID mx.example.net\nTrustedAuthservIDs relay.example.net\n", "t");
  BOOST_CHECK(config->site.isOwnAuthservId("MX.example.net"));
  BOOST_CHECK(config->site.isOwnAuthservId("relay.example.net"));
  BOOST_CHECK(!config->site.isOwnAuthservId("mx.example.org"));
}

BOOST_AUTO_TEST_SUITE_END()
