// report_test_util.hh: helpers shared by the reporting unit tests: a sample
// report, and validation of a document with `xmllint --schema` against the
// schemas in SHARED_DATA (a missing SHARED_DATA fails the test).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "reporting/aggregate/report_model.hh"
#include "tests/unit/temp_directory.hh"

namespace dmarc::test
{
inline std::string sharedData()
{
  const char* dir = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(dir != nullptr && *dir != '\0', "SHARED_DATA is not set");
  return dir;
}

inline std::string schemaFor(ReportFormat format)
{
  return sharedData() + (format == ReportFormat::Rfc9990
                             ? "/dmarc-schemas/rfc9990-dmarc-2.0.xsd"
                             : "/dmarc-schemas/derived/rfc7489-rua-nonamespace.xsd");
}

// Runs xmllint --schema on the document; returns its exit status and
// leaves its messages in `messages`.
inline int xmllintSchema(const std::string& xml, ReportFormat format, std::string& messages)
{
  TempDirectory dir;
  std::string path = dir.path() + "/report.xml";
  std::ofstream(path, std::ios::binary) << xml;
  std::string log = dir.path() + "/xmllint.log";
  std::string command =
      "xmllint --noout --schema '" + schemaFor(format) + "' '" + path + "' >'" + log + "' 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(log);
  messages.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return status;
}

inline ReportMetadata sampleMetadata()
{
  ReportMetadata meta;
  meta.orgName = "mx.receiver.example";
  meta.email = "dmarc-reports@receiver.example";
  meta.reportId = "20261127r1xabc";
  meta.begin = 1795737600;
  meta.end = 1795823999;
  meta.generator = "dmarc-milter test";
  return meta;
}

inline ReportPolicy samplePolicy()
{
  ReportPolicy published;
  published.policy.domain = "example.com";
  published.policy.p = Policy::Reject;
  published.policy.sp = Policy::Quarantine;
  published.policy.np = Policy::Reject;
  published.policy.adkim = AlignmentMode::Strict;
  published.policy.testing = false;
  return published;
}

inline ReportRow sampleRow()
{
  ReportRow row;
  row.sourceIp = "192.0.2.1";
  row.count = 3;
  row.disposition = Disposition::Pass;
  row.dkimAligned = true;
  row.spfAligned = false;
  row.headerFrom = "example.com";
  row.envelopeFrom = "bounce.other.example";
  row.dkim.push_back({DkimResult::Fail, "other.example", "s1", "", "", "", "bad", 0});
  row.dkim.push_back({DkimResult::Pass, "example.com", "sel", "", "", "", "", 0});
  row.spf = SpfOutcome{SpfResult::Pass, SpfScope::Mfrom, "bounce.other.example", ""};
  return row;
}
} // namespace dmarc::test
