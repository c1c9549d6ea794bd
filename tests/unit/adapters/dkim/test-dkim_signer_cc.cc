// test-dkim_signer_cc.cc: DKIM keys and signatures made with libopendkim's
// signing side; checked against the RFC 8463 test keys and by the verifier.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/core/error.hh"

using namespace dmarc;

namespace
{
std::string readVector(const std::string& name)
{
  const char* dir = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(dir != nullptr && *dir != '\0', "SHARED_DATA is not set");
  std::ifstream in(std::string(dir) + "/dkim-test-vectors/" + name, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in.good(), "cannot read " << name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string tagValue(const std::string& field, const std::string& tag)
{
  std::string flat;
  for (char c : field) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      flat.push_back(c);
    }
  }
  auto at = flat.find(";" + tag + "=");
  if (at == std::string::npos) {
    return {};
  }
  at += tag.size() + 2;
  return flat.substr(at, flat.find(';', at) - at);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_dkim_signer_cc)

// RFC 8463 Appendix A.1: the seed derives to the published public key.
BOOST_AUTO_TEST_CASE(test_FromEd25519Seed_MatchesRfc8463)
{
  auto key = DkimSigningKey::fromEd25519Seed(readVector("rfc8463/ed25519-private-seed.b64"));
  BOOST_CHECK(key.type == DkimKeyType::Ed25519);
  BOOST_CHECK_EQUAL(key.publicKeyBase64, "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  BOOST_CHECK_EQUAL(key.dnsRecord(),
                    "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

// The RFC 8463 RSA key (PKCS#1 PEM) gives the p= of its dns.zone.
BOOST_AUTO_TEST_CASE(test_FromPem_MatchesRfc8463Zone)
{
  auto key = DkimSigningKey::fromPem(readVector("rfc8463/rsa-private.pem"));
  BOOST_CHECK(key.type == DkimKeyType::Rsa);
  BOOST_CHECK_EQUAL(key.bits, 1024U);
  std::string zone = readVector("rfc8463/dns.zone");
  std::string joined;
  bool inString = false;
  for (char c : zone.substr(zone.find("test._domainkey"))) {
    if (c == '"') {
      inString = !inString;
    } else if (inString) {
      joined.push_back(c);
    }
  }
  BOOST_CHECK_EQUAL("p=" + key.publicKeyBase64, joined.substr(joined.find("p=")));
}

BOOST_AUTO_TEST_CASE(test_Generate_Sizes)
{
  auto rsa = DkimSigningKey::generate(DkimKeyType::Rsa, 1024);
  BOOST_CHECK_EQUAL(rsa.bits, 1024U);
  BOOST_CHECK(rsa.privateKeyPem.starts_with("-----BEGIN PRIVATE KEY-----"));
  BOOST_CHECK(rsa.dnsRecord().starts_with("v=DKIM1; k=rsa; p=MIGfMA0G"));
  auto ed = DkimSigningKey::generate(DkimKeyType::Ed25519);
  BOOST_CHECK_EQUAL(ed.bits, 256U);
  BOOST_CHECK_EQUAL(ed.publicKeyBase64.size(), 44U);
  BOOST_CHECK(ed.publicKeyBase64 != DkimSigningKey::generate(DkimKeyType::Ed25519).publicKeyBase64);
}

BOOST_AUTO_TEST_CASE(test_FromPem_RejectsGarbage)
{
  BOOST_CHECK_THROW(DkimSigningKey::fromPem("not a key"), Error);
  BOOST_CHECK_THROW(DkimSigningKey::fromEd25519Seed("c2hvcnQ="), Error);
}

// The field carries the tags asked for, in SMTP form.
BOOST_AUTO_TEST_CASE(test_Sign_FieldHasRequestedTags)
{
  auto key = DkimSigningKey::fromEd25519Seed(readVector("rfc8463/ed25519-private-seed.b64"));
  DkimSignRequest request;
  request.domain = "football.example.com";
  request.selector = "brisbane";
  request.signTime = 1528637909;
  request.ttlSeconds = 86400;
  request.identity = "joe@football.example.com";
  DkimSigner signer;
  std::string field = signer.sign(
      key, request, {"From: Joe SixPack <joe@football.example.com>", "Subject: hi"}, "Hi.\r\n");
  BOOST_CHECK(field.starts_with("DKIM-Signature: v=1;"));
  BOOST_CHECK_EQUAL(tagValue(field, "a"), "ed25519-sha256");
  BOOST_CHECK_EQUAL(tagValue(field, "d"), "football.example.com");
  BOOST_CHECK_EQUAL(tagValue(field, "s"), "brisbane");
  BOOST_CHECK_EQUAL(tagValue(field, "t"), "1528637909");
  BOOST_CHECK_EQUAL(tagValue(field, "x"), "1528724309");
  BOOST_CHECK_EQUAL(tagValue(field, "i"), "joe@football.example.com");
  BOOST_CHECK_EQUAL(tagValue(field, "b").size(), 88U); // 64 bytes in base64
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] == '\n') {
      BOOST_CHECK(i > 0 && field[i - 1] == '\r');
    }
  }
  // Ed25519 is deterministic (RFC 8032): same input, same signature.
  BOOST_CHECK_EQUAL(field,
                    signer.sign(key, request,
                                {"From: Joe SixPack <joe@football.example.com>", "Subject: hi"},
                                "Hi.\r\n"));
}

// libopendkim refuses to sign a message without From (RFC 6376 §5.4).
BOOST_AUTO_TEST_CASE(test_Sign_WithoutFromThrows)
{
  auto key = DkimSigningKey::generate(DkimKeyType::Ed25519);
  DkimSignRequest request;
  request.domain = "example.org";
  request.selector = "sel";
  DkimSigner signer;
  BOOST_CHECK_THROW(signer.sign(key, request, {"Subject: no from"}, "body\r\n"), Error);
}

BOOST_AUTO_TEST_SUITE_END()
