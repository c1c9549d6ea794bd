// test-local_part_redaction_cc.cc: local parts replaced by keyed tokens in
// addresses, envelopes and free text; no byte of a local part survives; the
// same mailbox always gets the same token.
#include <cstdint>

#include <boost/test/unit_test.hpp>

#include "lib/core/local_part_redaction.hh"

using namespace dmarc;

namespace
{
// A stand-in for HMAC-SHA256 (a keyed FNV-1a, 16 bytes): deterministic, and
// different keys give different tokens, which is all redaction relies on.
LocalPartRedactor::KeyedHash fakeHash(std::string key)
{
  return [key](std::string_view data) {
    std::string out;
    std::uint64_t h = 1469598103934665603ULL;
    for (int round = 0; round < 2; ++round) {
      for (char c : key + std::string(data)) {
        h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
      }
      for (int i = 0; i < 8; ++i) {
        out += static_cast<char>(h >> (8 * i));
      }
    }
    return out;
  };
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_local_part_redaction_cc)

BOOST_AUTO_TEST_CASE(test_token_IsStableCaseInsensitiveAndKeyed)
{
  LocalPartRedactor a(fakeHash("k1"));
  LocalPartRedactor b(fakeHash("k2"));
  auto token = a.token("Alice");
  BOOST_CHECK(token.starts_with("redacted-"));
  BOOST_CHECK_EQUAL(token.size(), 9u + 20u);
  BOOST_CHECK_EQUAL(token, a.token("alice"));
  BOOST_CHECK_EQUAL(token, a.token("\"alice\""));
  BOOST_CHECK_NE(token, a.token("alicf"));
  BOOST_CHECK_NE(token, b.token("alice"));
}

BOOST_AUTO_TEST_CASE(test_address_KeepsTheDomain)
{
  LocalPartRedactor r(fakeHash("k"));
  BOOST_CHECK_EQUAL(r.address("alice@example.com"), r.token("alice") + "@example.com");
  BOOST_CHECK_EQUAL(r.address(""), "");
  BOOST_CHECK_EQUAL(r.address("postmaster"), r.token("postmaster"));
  BOOST_CHECK_EQUAL(r.address("a@b@example.com"), r.token("a@b") + "@example.com");
}

BOOST_AUTO_TEST_CASE(test_text_ReplacesEveryAddressForm)
{
  LocalPartRedactor r(fakeHash("k"));
  const std::string text = "From: \"Alice Liddell\" <alice.liddell@example.com>\n"
                           "To: bob+tag@example.net, \"odd person\"@example.org\n"
                           "Received: from x by y for <carol@example.org>; Mon\n"
                           "Reply-To: dave@[192.0.2.1]\n";
  auto out = r.text(text);
  for (const char* gone : {"alice.liddell", "bob+tag", "odd person", "carol", "dave"}) {
    BOOST_CHECK_MESSAGE(out.find(gone) == std::string::npos,
                        "got '" << gone << "' in: " << out << " want it replaced");
  }
  BOOST_CHECK(out.find(r.token("alice.liddell") + "@example.com") != std::string::npos);
  BOOST_CHECK(out.find(r.token("bob+tag") + "@example.net") != std::string::npos);
  BOOST_CHECK(out.find("@example.org") != std::string::npos);
  BOOST_CHECK(out.find("Alice Liddell") != std::string::npos); // not a local part
}

BOOST_AUTO_TEST_CASE(test_text_ReplacesKnownLocalPartsAnywhereInAnyCase)
{
  LocalPartRedactor r(fakeHash("k"));
  auto out = r.text("To: Zelda Jones <zjones@example.net>\nX-Note: ZJONES wrote; for zjones\n"
                    "Delivered-To: victim\n",
                    {"victim"});
  BOOST_CHECK_EQUAL(out.find("zjones"), std::string::npos);
  BOOST_CHECK_EQUAL(out.find("ZJONES"), std::string::npos);
  BOOST_CHECK_EQUAL(out.find("victim"), std::string::npos);
  BOOST_CHECK(out.find("Zelda Jones") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_text_ShortLocalPartsOnlyInAddresses)
{
  LocalPartRedactor r(fakeHash("k"));
  auto out = r.text("To: al@example.com\nSubject: all fine\n");
  BOOST_CHECK(out.find("all fine") != std::string::npos);
  BOOST_CHECK(out.find(r.token("al") + "@example.com") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_text_OverlapsLeaveNoByteOfALocalPart)
{
  LocalPartRedactor r(fakeHash("k"));
  // "annabel" contains "anna"; both known; tokens never get re-matched.
  auto out = r.text("annabel@example.com anna@example.com (annabel) ANNA,", {"anna", "annabel"});
  BOOST_CHECK_EQUAL(out.find("anna"), std::string::npos);
  BOOST_CHECK_EQUAL(out.find("ANNA"), std::string::npos);
  BOOST_CHECK_EQUAL(out.find("bel"), std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_text_LocalPartInsideALongerWordStays)
{
  LocalPartRedactor r(fakeHash("k"));
  auto out = r.text("To: rcpt@rcpt.example\nX: bobby and bob\n", {"bob"});
  BOOST_CHECK(out.find("@rcpt.example") != std::string::npos);
  BOOST_CHECK(out.find("bobby and " + r.token("bob")) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_text_HostileInput)
{
  LocalPartRedactor r(fakeHash("k"));
  BOOST_CHECK_EQUAL(r.text(""), "");
  BOOST_CHECK_EQUAL(r.text("@@@@"), "@@@@");
  BOOST_CHECK_EQUAL(r.text("\"@x"), "\"@x"); // a lone quote is no local part
  std::string many;
  for (int i = 0; i < 2000; ++i) {
    many += "u" + std::to_string(i) + "@example.com ";
  }
  auto out = r.text(many);
  BOOST_CHECK_EQUAL(out.find("u1999@"), std::string::npos);
  BOOST_CHECK_EQUAL(r.text(std::string("\0@\xff", 3)), std::string("\0@\xff", 3));
  BOOST_CHECK_EQUAL(r.text("x\xe9@\xff"), r.token("x\xe9") + "@\xff");
}

BOOST_AUTO_TEST_SUITE_END()
