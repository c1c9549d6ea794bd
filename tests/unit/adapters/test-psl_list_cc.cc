// test-psl_list_cc.cc: the libpsl adapter against the Public Suffix List test
// vectors (../shared/data/psl-tests/tests.txt), with Debian's publicsuffix
// list (PSL_FILE): RFC 7489 §3.2 Organizational Domains. U-label inputs go
// through the libidn2 adapter first, as the engine does.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/test/unit_test.hpp>

#include "config.h"
#include "lib/adapters/psl_idna.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/core/domain_name.hh"
#include "lib/core/error.hh"

using namespace dmarc;

namespace
{
std::string pslFile()
{
  const char* path = std::getenv("PSL_FILE");
  return path != nullptr && *path != '\0' ? path : DM_DEFAULT_PSL_FILE;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_psl_list_cc)

BOOST_AUTO_TEST_CASE(test_registrableDomain_UpstreamVectors)
{
  const char* shared = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(shared != nullptr, "SHARED_DATA is not set");
  std::ifstream file(std::string(shared) + "/psl-tests/tests.txt");
  BOOST_REQUIRE_MESSAGE(file, "cannot read psl-tests/tests.txt");
  PslPublicSuffixList psl(pslFile());
  Idn2Converter idna;
  std::size_t checked = 0;
  for (std::string line; std::getline(file, line);) {
    if (line.empty() || line.starts_with("//")) {
      continue;
    }
    std::istringstream fields(line);
    std::string input;
    std::string expected;
    fields >> input >> expected;
    // "null" input: no name at all; a leading dot: not a host name
    std::optional<std::string> got;
    if (input != "null" && !input.starts_with(".")) {
      std::string name = isAscii(input) ? toLowerAscii(input) : idna.toALabel(input).value_or("");
      got = name.empty() ? std::nullopt : psl.registrableDomain(name);
    }
    std::optional<std::string> want;
    if (expected != "null") {
      want = isAscii(expected) ? toLowerAscii(expected) : idna.toALabel(expected);
    }
    BOOST_CHECK_MESSAGE(got == want, "input " << input << ": got " << got.value_or("null")
                                              << ", want " << want.value_or("null"));
    ++checked;
  }
  BOOST_CHECK_GE(checked, 70U);
}

BOOST_AUTO_TEST_CASE(test_load_MissingFileIsConfigError)
{
  BOOST_CHECK_THROW(PslPublicSuffixList("/nonexistent/psl.dat"), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_registrableDomain_HostileInput)
{
  PslPublicSuffixList psl(pslFile());
  BOOST_CHECK(!psl.registrableDomain(""));
  BOOST_CHECK(!psl.registrableDomain(std::string("a\0b.com", 7)));
  BOOST_CHECK(!psl.registrableDomain(std::string(300, 'a') + ".com"));
  BOOST_CHECK_EQUAL(psl.registrableDomain("Mail.Example.CO.UK").value_or(""), "example.co.uk");
  BOOST_CHECK_GT(psl.ruleCount(), 1000U);
}

BOOST_AUTO_TEST_SUITE_END()
