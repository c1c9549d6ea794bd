// test-maildir_name_cc.cc: unit tests of reporting/ingest/maildir_name.cc, the
// Maildir file name conventions (https://cr.yp.to/proto/maildir.html).
#include <boost/test/unit_test.hpp>

#include "reporting/ingest/maildir_name.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_maildir_name_cc)

BOOST_AUTO_TEST_CASE(test_maildirFlags_Forms)
{
  BOOST_CHECK_EQUAL(maildirFlags("1700000000.M1P2.host"), "");
  BOOST_CHECK_EQUAL(maildirFlags("1700000000.M1P2.host:2,"), "");
  BOOST_CHECK_EQUAL(maildirFlags("1700000000.M1P2.host:2,FS"), "FS");
  // Experimental info (":1,") carries no flags we know.
  BOOST_CHECK_EQUAL(maildirFlags("1700000000.M1P2.host:1,S"), "");
  BOOST_CHECK(maildirHasFlag("x:2,RS", 'S'));
  BOOST_CHECK(!maildirHasFlag("x:2,R", 'S'));
  BOOST_CHECK(!maildirHasFlag("xS", 'S'));
}

BOOST_AUTO_TEST_CASE(test_maildirWithFlags_UnionInAsciiOrder)
{
  BOOST_CHECK_EQUAL(maildirWithFlags("1700000000.M1P2.host", "S"), "1700000000.M1P2.host:2,S");
  BOOST_CHECK_EQUAL(maildirWithFlags("1700000000.M1P2.host", "SF"), "1700000000.M1P2.host:2,FS");
  BOOST_CHECK_EQUAL(maildirWithFlags("m:2,R", "S"), "m:2,RS");
  BOOST_CHECK_EQUAL(maildirWithFlags("m:2,S", "S"), "m:2,S");
  BOOST_CHECK_EQUAL(maildirWithFlags("m:2,TD", "FS"), "m:2,DFST");
  // Old experimental info is replaced, not kept next to the new.
  BOOST_CHECK_EQUAL(maildirWithFlags("m:1,xyz", "S"), "m:2,S");
  // Hostile bytes in a flag list are dropped, never copied into a name.
  BOOST_CHECK_EQUAL(maildirWithFlags(std::string_view("m:2,/\0.S", 8), "S"), "m:2,S");
}

BOOST_AUTO_TEST_SUITE_END()
