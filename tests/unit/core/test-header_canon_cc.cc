// test-header_canon_cc.cc: DKIM header canonicalisation (RFC 6376 §3.4.1,
// §3.4.2, with the examples of §3.4.5), b= removal (§3.7) and the
// bottom-up choice of signed fields (§5.4.2).
#include <boost/test/unit_test.hpp>

#include "lib/core/header_canon.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_header_canon_cc)

namespace
{
std::string canonical(DkimCanon canon, std::string_view field, bool crlf = true)
{
  std::string out;
  appendCanonicalField(out, canon, field, crlf);
  return out;
}
} // namespace

BOOST_AUTO_TEST_CASE(test_appendCanonicalField_Rfc6376Example)
{
  // RFC 6376 §3.4.5: "A: X", "B : Y\t\r\n\tZ  " relaxed.
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "A: X"), "a:X\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "B : Y\t\r\n\tZ  "), "b:Y Z\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Simple, "B : Y\t\r\n\tZ  "), "B : Y\t\r\n\tZ  \r\n");
}

BOOST_AUTO_TEST_CASE(test_appendCanonicalField_RelaxedEdges)
{
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "Subject:"), "subject:\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "Subject: \t "), "subject:\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "NoColon"), "nocolon:\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "X-A:a;\r\n\tb=1", false), "x-a:a; b=1");
  // A fold in place of the space after ';' canonicalises like the space.
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "X:a=1;\r\n\tb=2"),
                    canonical(DkimCanon::Relaxed, "X:a=1; b=2"));
}

BOOST_AUTO_TEST_CASE(test_withoutSignatureValue_RemovesOnlyB)
{
  BOOST_CHECK_EQUAL(withoutSignatureValue("ARC-Seal: a=x; b=abc\r\n def; bh=keep; d=e"),
                    "ARC-Seal: a=x; b=; bh=keep; d=e");
  BOOST_CHECK_EQUAL(withoutSignatureValue("X: bh=1; b =2"), "X: bh=1; b =");
  BOOST_CHECK_EQUAL(withoutSignatureValue("X: bh=1"), "X: bh=1");
  BOOST_CHECK_EQUAL(withoutSignatureValue("X: a=1;\r\n b\t= zz"), "X: a=1;\r\n b\t=");
  BOOST_CHECK_EQUAL(withoutSignatureValue("no colon b=1"), "no colon b=1");
}

BOOST_AUTO_TEST_CASE(test_selectSignedFields_BottomUp)
{
  std::vector<std::string_view> fields = {"Received: 1", "To: a", "Received: 2", "From: f",
                                          "received: 3"};
  std::vector<std::string_view> names = {"from",     "Received", "RECEIVED", "to",
                                         "received", "received", "cc"};
  auto selected = selectSignedFields(fields, names);
  std::vector<std::size_t> want = {3, 4, 2, 1, 0};
  BOOST_CHECK_EQUAL_COLLECTIONS(selected.begin(), selected.end(), want.begin(), want.end());
}

BOOST_AUTO_TEST_CASE(test_selectSignedFields_SpaceBeforeColon)
{
  // RFC 5322 §4.5.2: "From : b" is a From field; h=from must take it, the
  // bottom-most, not skip to the one above.
  std::vector<std::string_view> fields = {"From: a@example.com", "Subject: s",
                                          "From \t: b@example.org"};
  auto selected = selectSignedFields(fields, {"from", "from"});
  std::vector<std::size_t> want = {2, 0};
  BOOST_CHECK_EQUAL_COLLECTIONS(selected.begin(), selected.end(), want.begin(), want.end());
  BOOST_CHECK_EQUAL(headerFieldName("From \t: b@example.org"), "From");
  // Relaxed drops the white space (RFC 6376 §3.4.2); simple keeps every byte.
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Relaxed, "From \t: b@example.org"),
                    "from:b@example.org\r\n");
  BOOST_CHECK_EQUAL(canonical(DkimCanon::Simple, "From \t: b@example.org"),
                    "From \t: b@example.org\r\n");
}

BOOST_AUTO_TEST_CASE(test_parseSignedHeaderList_Forms)
{
  auto names = parseSignedHeaderList("from : to:\r\n\tsubject::date");
  BOOST_REQUIRE(names);
  std::vector<std::string_view> want = {"from", "to", "subject", "date"};
  BOOST_CHECK_EQUAL_COLLECTIONS(names->begin(), names->end(), want.begin(), want.end());
  BOOST_CHECK(parseSignedHeaderList("")->empty());
  BOOST_CHECK(!parseSignedHeaderList("from:t o"));
  BOOST_CHECK(!parseSignedHeaderList("from:t\x7f"));
}

BOOST_AUTO_TEST_CASE(test_parseDkimCanons_Values)
{
  auto both = parseDkimCanons("relaxed/simple");
  BOOST_REQUIRE(both);
  BOOST_CHECK(both->header == DkimCanon::Relaxed && both->body == DkimCanon::Simple);
  auto headerOnly = parseDkimCanons("relaxed");
  BOOST_REQUIRE(headerOnly);
  BOOST_CHECK(headerOnly->header == DkimCanon::Relaxed && headerOnly->body == DkimCanon::Simple);
  for (const char* bad : {"", "pancake/waffle", "relaxed/", "Relaxed", "simple/relaxed/x"}) {
    BOOST_CHECK_MESSAGE(!parseDkimCanons(bad), "accepted: " << bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()
