// test-domain_name_cc.cc: domain name helpers used by the tree walk and
// alignment (RFC 9989 §4.4 case-insensitive comparison, §4.10 shortening).
#include <boost/test/unit_test.hpp>

#include "lib/core/domain_name.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_domain_name_cc)

BOOST_AUTO_TEST_CASE(test_countLabels_Names)
{
  BOOST_CHECK_EQUAL(countLabels(""), 0U);
  BOOST_CHECK_EQUAL(countLabels("com"), 1U);
  BOOST_CHECK_EQUAL(countLabels("a.b.c.d.e.f.g.h.i.j.mail.example.com"), 13U);
}

BOOST_AUTO_TEST_CASE(test_shortening_SevenLabelJump)
{
  // RFC 9989 §4.10 step 3: 8 or more labels are cut to the rightmost 7.
  BOOST_CHECK_EQUAL(lastLabels("a.b.c.d.e.f.g.h.i.j.mail.example.com", 7),
                    "g.h.i.j.mail.example.com");
  BOOST_CHECK_EQUAL(lastLabels("example.com", 7), "example.com");
  BOOST_CHECK_EQUAL(parentDomain("mail.example.com"), "example.com");
  BOOST_CHECK_EQUAL(parentDomain("com"), "");
}

BOOST_AUTO_TEST_CASE(test_isValidDomainName_Limits)
{
  BOOST_CHECK(isValidDomainName("example.com"));
  BOOST_CHECK(isValidDomainName("_dmarc.example.com"));
  BOOST_CHECK(!isValidDomainName(""));
  BOOST_CHECK(!isValidDomainName("example..com"));
  BOOST_CHECK(!isValidDomainName(".example.com"));
  BOOST_CHECK(!isValidDomainName("example.com."));
  BOOST_CHECK(!isValidDomainName("exa mple.com"));
  BOOST_CHECK(!isValidDomainName(std::string(64, 'a') + ".com"));
  BOOST_CHECK(isValidDomainName(std::string(63, 'a') + ".com"));
  std::string longName;
  for (int i = 0; i < 64; ++i) {
    longName += "abc.";
  }
  longName += "com"; // 259 octets
  BOOST_CHECK(!isValidDomainName(longName));
}

BOOST_AUTO_TEST_CASE(test_isSameOrSubdomain_CaseInsensitive)
{
  BOOST_CHECK(isSameOrSubdomain("Mail.Example.COM", "example.com"));
  BOOST_CHECK(isSameOrSubdomain("example.com", "EXAMPLE.com"));
  BOOST_CHECK(!isSameOrSubdomain("badexample.com", "example.com"));
  BOOST_CHECK(!isSameOrSubdomain("com", "example.com"));
  BOOST_CHECK(!isSameOrSubdomain("example.com", ""));
}

BOOST_AUTO_TEST_SUITE_END()
