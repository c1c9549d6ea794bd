// test-tag_list_cc.cc: RFC 6376 §3.2 tag-lists as DKIM and ARC write them,
// and the malformed ones the parser must refuse.
#include <boost/test/unit_test.hpp>

#include "lib/core/tag_list.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_tag_list_cc)

BOOST_AUTO_TEST_CASE(test_parseTagList_FoldedSignature)
{
  auto tags = parseTagList(" a=rsa-sha256;\r\n\tb=abc\r\n def ; d = example.org;\r\n s=sel;");
  BOOST_REQUIRE(tags);
  BOOST_CHECK_EQUAL(tags->tags().size(), 4U);
  BOOST_CHECK_EQUAL(*tags->find("a"), "rsa-sha256");
  BOOST_CHECK_EQUAL(*tags->find("b"), "abc\r\n def");
  BOOST_CHECK_EQUAL(*tags->find("d"), "example.org");
  BOOST_CHECK(!tags->find("bh"));
  BOOST_CHECK_EQUAL(withoutFoldingSpace(*tags->find("b")), "abcdef");
}

BOOST_AUTO_TEST_CASE(test_parseTagList_EmptyAndTrailingSemicolon)
{
  BOOST_CHECK(parseTagList(""));
  BOOST_CHECK(parseTagList("a=1;"));
  BOOST_CHECK(parseTagList("a=;b=2")); // an empty value is a value
  BOOST_CHECK_EQUAL(*parseTagList("a=;b=2")->find("a"), "");
}

BOOST_AUTO_TEST_CASE(test_parseTagList_Refusals)
{
  std::string why;
  for (const char* bad : {"a=1;;b=2", "a=1; ;", "a", "a=1; b", "1a=2", "a-b=1", "a=1; a=2",
                          "a=x\x01y", "a=x;y=\x80", "=1"}) {
    BOOST_CHECK_MESSAGE(!parseTagList(bad, &why), "accepted: " << bad);
    BOOST_CHECK(!why.empty());
  }
}

BOOST_AUTO_TEST_CASE(test_parseTagList_NamesAreCaseSensitive)
{
  auto tags = parseTagList("H=from; h=to");
  BOOST_REQUIRE(tags);
  BOOST_CHECK_EQUAL(*tags->find("h"), "to");
  BOOST_CHECK_EQUAL(*tags->find("H"), "from");
}

BOOST_AUTO_TEST_CASE(test_parseTagList_Bounds)
{
  std::string many;
  for (std::size_t i = 0; i < g_maxTags; ++i) {
    many += "t" + std::to_string(i) + "=1;";
  }
  BOOST_CHECK(parseTagList(many));
  BOOST_CHECK(!parseTagList(many + "x=1"));
  BOOST_CHECK(!parseTagList("a=" + std::string(g_maxTagListBytes, 'x')));
}

BOOST_AUTO_TEST_SUITE_END()
