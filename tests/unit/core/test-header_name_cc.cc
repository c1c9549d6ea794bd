// test-header_name_cc.cc: field names with the white space RFC 5322 §4.5.2
// (obs-optional) allows before the colon are the same field.
#include <boost/test/unit_test.hpp>

#include "lib/core/header_name.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_header_name_cc)

BOOST_AUTO_TEST_CASE(test_bareFieldName_TrailingWhiteSpace)
{
  BOOST_CHECK_EQUAL(bareFieldName("From"), "From");
  BOOST_CHECK_EQUAL(bareFieldName("From "), "From");
  BOOST_CHECK_EQUAL(bareFieldName("From \t "), "From");
  BOOST_CHECK_EQUAL(bareFieldName(""), "");
  BOOST_CHECK_EQUAL(bareFieldName(" \t"), "");
  // Only the end: a name does not start with white space (that is a
  // continuation line), and what is inside is kept for the caller to judge.
  BOOST_CHECK_EQUAL(bareFieldName(" From"), " From");
  BOOST_CHECK_EQUAL(bareFieldName("X Y "), "X Y");
}

BOOST_AUTO_TEST_CASE(test_fieldNameKey_OneKeyPerField)
{
  for (const char* name : {"From", "FROM", "from", "From ", "fRoM\t", "From  \t"}) {
    BOOST_CHECK_MESSAGE(fieldNameKey(name) == "from", "got \"" << fieldNameKey(name) << "\" for \""
                                                               << name << "\", want \"from\"");
  }
  BOOST_CHECK_EQUAL(fieldNameKey("List-Id "), "list-id");
  BOOST_CHECK_EQUAL(fieldNameKey("Fromx"), "fromx");
}

BOOST_AUTO_TEST_CASE(test_isFieldNamed_CaseAndObsoleteSpace)
{
  BOOST_CHECK(isFieldNamed("Authentication-Results ", "Authentication-Results"));
  BOOST_CHECK(isFieldNamed("dkim-signature\t", "DKIM-Signature"));
  BOOST_CHECK(!isFieldNamed("From-X", "From"));
  BOOST_CHECK(!isFieldNamed("Fro", "From"));
  BOOST_CHECK(!isFieldNamed("", "From"));
}

BOOST_AUTO_TEST_SUITE_END()
