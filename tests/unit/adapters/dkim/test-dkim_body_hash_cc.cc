// test-dkim_body_hash_cc.cc: the streamed body hash (RFC 6376 §3.4.3,
// §3.4.4, §3.7) against known values, against itself split anywhere, and
// against libopendkim's own canonicalisation (through the signer).
#include <random>
#include <string>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/dkim_body_hash.hh"
#include "lib/adapters/dkim/dkim_signer.hh"

using namespace dmarc;
using Canon = DkimBodyHash::Canon;

namespace
{
std::string hashOf(Canon canon, std::string_view body, std::size_t chunk = 0)
{
  DkimBodyHash hash(canon);
  if (chunk == 0) {
    hash.update(body);
  } else {
    for (std::size_t i = 0; i < body.size(); i += chunk) {
      hash.update(body.substr(i, chunk));
    }
  }
  return hash.finish();
}

// The bh= libopendkim's signer writes for `body`.
std::string libopendkimBh(const std::string& body, bool relaxed)
{
  static const DkimSigningKey s_key = DkimSigningKey::generate(DkimKeyType::Ed25519);
  DkimSignRequest request;
  request.domain = "example.org";
  request.selector = "sel";
  request.signTime = 1600000000;
  request.relaxedBody = relaxed;
  DkimSigner signer;
  std::string flat;
  for (char c : signer.sign(s_key, request, {"From: a@example.org"}, body)) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      flat.push_back(c);
    }
  }
  auto at = flat.find(";bh=") + 4;
  return flat.substr(at, flat.find(';', at) - at);
}

// Bodies made of the pieces canonicalisation cares about.
std::string randomBody(std::mt19937& random)
{
  static const std::vector<std::string> pieces = {
      "a", "word", " ", "  ", "\t", " \t ", "\r\n", "\r\n\r\n", ".", "x y", "\r\n \r\n", "\t\r\n"};
  std::uniform_int_distribution<std::size_t> count(0, 40);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  std::string body;
  for (std::size_t n = count(random); n > 0; --n) {
    body += pieces[pick(random)];
  }
  return body;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_dkim_body_hash_cc)

// RFC 6376 §3.4.3/§3.4.4 and errata 3192: the empty body is "\r\n" in
// simple and "" in relaxed.
BOOST_AUTO_TEST_CASE(test_EmptyBody_KnownHashes)
{
  BOOST_CHECK_EQUAL(hashOf(Canon::Simple, ""), "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed, ""), "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
  BOOST_CHECK_EQUAL(hashOf(Canon::Simple, "\r\n\r\n\r\n"), hashOf(Canon::Simple, ""));
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed, " \r\n\t\r\n"), hashOf(Canon::Relaxed, ""));
}

// The bh= of the RFC 8463 (relaxed) and RFC 6376 A.2 (simple) vectors.
BOOST_AUTO_TEST_CASE(test_RfcVectors_BodyHash)
{
  const std::string want = "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=";
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed,
                           "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n\r\n"),
                    want);
  BOOST_CHECK_EQUAL(
      hashOf(Canon::Simple, "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n"),
      want);
  // Simple keeps the double space: a different hash (the as-printed vector).
  BOOST_CHECK_NE(
      hashOf(Canon::Simple, "Hi.\r\n\r\nWe lost the game.  Are you hungry yet?\r\n\r\nJoe.\r\n"),
      want);
}

BOOST_AUTO_TEST_CASE(test_Relaxed_Whitespace)
{
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed, "a \t b  \r\n"), hashOf(Canon::Relaxed, "a b\r\n"));
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed, "  lead\r\n"), hashOf(Canon::Relaxed, " lead\r\n"));
  BOOST_CHECK_NE(hashOf(Canon::Relaxed, " lead\r\n"), hashOf(Canon::Relaxed, "lead\r\n"));
  BOOST_CHECK_EQUAL(hashOf(Canon::Relaxed, "no final line end"),
                    hashOf(Canon::Relaxed, "no final line end\r\n"));
  BOOST_CHECK_EQUAL(hashOf(Canon::Simple, "no final line end"),
                    hashOf(Canon::Simple, "no final line end\r\n"));
  BOOST_CHECK_NE(hashOf(Canon::Simple, "a  b\r\n"), hashOf(Canon::Simple, "a b\r\n"));
}

// Split anywhere, even between CR and LF, the hash is the same.
BOOST_AUTO_TEST_CASE(test_Chunking_Irrelevant)
{
  std::mt19937 random(4);
  for (int n = 0; n < 200; ++n) {
    std::string body = randomBody(random) + "\r" + randomBody(random) + "\n";
    for (Canon canon : {Canon::Simple, Canon::Relaxed}) {
      std::string whole = hashOf(canon, body);
      for (std::size_t chunk : {1, 2, 3, 7}) {
        BOOST_REQUIRE_EQUAL(hashOf(canon, body, chunk), whole);
      }
    }
  }
}

// The same bodies canonicalised by libopendkim (the bh= its signer writes).
BOOST_AUTO_TEST_CASE(test_AgreesWithLibopendkim)
{
  std::mt19937 random(7);
  for (int n = 0; n < 300; ++n) {
    // Over SMTP a body always ends with CRLF. Without one, libopendkim
    // hashes no final CRLF (and refuses to sign); RFC 6376 §3.4.4 adds one.
    std::string body = randomBody(random);
    if (!body.empty() && !body.ends_with("\r\n")) {
      body += "\r\n";
    }
    for (bool relaxed : {false, true}) {
      BOOST_REQUIRE_MESSAGE(hashOf(relaxed ? Canon::Relaxed : Canon::Simple, body) ==
                                libopendkimBh(body, relaxed),
                            "got a different body hash than libopendkim for "
                                << (relaxed ? "relaxed" : "simple") << " body [" << body << "]");
    }
  }
}

// Long bodies: runs longer than the 16-byte blocks the scan looks at, with
// white space at every offset of a block; the whole body at once, byte by
// byte and libopendkim must agree.
BOOST_AUTO_TEST_CASE(test_LongBodies_AgreeAcrossScansAndLibopendkim)
{
  static const std::vector<std::string> pieces = {"abcdefghijklmnopqrstuvwxyz0123456789",
                                                  "word",
                                                  " ",
                                                  "  ",
                                                  "\t",
                                                  " \r\n",
                                                  "\r\n",
                                                  "x y z",
                                                  std::string(15, 'q'),
                                                  std::string(16, 'r'),
                                                  std::string(17, 's'),
                                                  " \t \t"};
  std::mt19937 random(11);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  for (int n = 0; n < 60; ++n) {
    std::string body;
    for (int i = 0; i < 400; ++i) {
      body += pieces[pick(random)];
    }
    body += "\r\n";
    for (bool relaxed : {false, true}) {
      Canon canon = relaxed ? Canon::Relaxed : Canon::Simple;
      std::string whole = hashOf(canon, body);
      BOOST_REQUIRE_EQUAL(hashOf(canon, body, 1), whole);
      BOOST_REQUIRE_EQUAL(hashOf(canon, body, 17), whole);
      BOOST_REQUIRE_MESSAGE(whole == libopendkimBh(body, relaxed),
                            "got a different body hash than libopendkim ("
                                << (relaxed ? "relaxed" : "simple") << ")");
    }
  }
}

// Line ends at every offset of the 16-byte blocks the scan looks at, with
// every kind of byte after them (the scan takes a CRLF and the ordinary
// byte after it as one run): the whole body at once and byte by byte (the
// scalar path) must agree, bare CRs and LFs included.
BOOST_AUTO_TEST_CASE(test_LineEnds_AgreeAtEveryBlockOffset)
{
  static const std::vector<std::string> pieces = {"a",    "bc",       "def", std::string(13, 'g'),
                                                  "\r\n", "\r\n\r\n", " ",   "\t",
                                                  "\r",   "\n",       "x y", "\r\n "};
  std::mt19937 random(13);
  std::uniform_int_distribution<std::size_t> pick(0, pieces.size() - 1);
  for (int n = 0; n < 200; ++n) {
    std::string body;
    for (int i = 0; i < 120; ++i) {
      body += pieces[pick(random)];
    }
    for (Canon canon : {Canon::Simple, Canon::Relaxed}) {
      std::string whole = hashOf(canon, body);
      BOOST_REQUIRE_EQUAL(hashOf(canon, body, 1), whole);
      BOOST_REQUIRE_EQUAL(hashOf(canon, body, 19), whole);
    }
  }
}

// Megabytes of empty lines or white space: constant memory, one result.
BOOST_AUTO_TEST_CASE(test_LongRuns_Bounded)
{
  DkimBodyHash hash(Canon::Relaxed);
  hash.update("x\r\n");
  std::string blank(1 << 20, '\n');
  std::string spaces(1 << 20, ' ');
  for (int i = 0; i < 8; ++i) {
    hash.update(i % 2 == 0 ? blank : spaces);
  }
  BOOST_CHECK_EQUAL(hash.finish(), hashOf(Canon::Relaxed, "x\r\n"));
}

BOOST_AUTO_TEST_SUITE_END()
