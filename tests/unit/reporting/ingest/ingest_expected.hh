// ingest_expected.hh: reads tests/integration/ingest_expected.tsv, the one
// table of expected outcomes for every shared report sample, for the unit
// tests of the report parsers. Test-only helper.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <boost/test/unit_test.hpp>

namespace dmarc::test
{
struct ExpectedSample
{
  std::string kind;           // dmarc | tlsrpt
  std::string outcome;        // ok | reject
  std::size_t records = 0;    // DMARC records, or TLS-RPT policies
  std::uint64_t messages = 0; // DMARC message count, or TLS-RPT failure details
  std::string path;           // relative to SHARED_DATA
  std::string reason;         // part of the rejection reason
};

inline std::string readFile(const std::string& path)
{
  std::ifstream in(path, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

inline std::string sharedDataDir()
{
  const char* shared = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(shared != nullptr, "SHARED_DATA is not set");
  return shared;
}

inline std::vector<ExpectedSample> expectedSamples(const std::string& kind)
{
  const char* top = std::getenv("TOP_SRCDIR");
  BOOST_REQUIRE_MESSAGE(top != nullptr, "TOP_SRCDIR is not set");
  std::istringstream table(readFile(std::string(top) + "/tests/integration/ingest_expected.tsv"));
  std::vector<ExpectedSample> out;
  std::string line;
  while (std::getline(table, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    std::vector<std::string> fields;
    std::istringstream columns(line);
    std::string field;
    while (std::getline(columns, field, '\t')) {
      fields.push_back(field);
    }
    BOOST_REQUIRE_MESSAGE(fields.size() >= 5, "bad table line: " << line);
    if (fields[0] != kind) {
      continue;
    }
    out.push_back({fields[0], fields[1], std::stoul(fields[2]), std::stoull(fields[3]), fields[4],
                   fields.size() > 5 ? fields[5] : std::string()});
  }
  BOOST_REQUIRE_MESSAGE(!out.empty(), "no " << kind << " samples in the table");
  return out;
}
} // namespace dmarc::test
