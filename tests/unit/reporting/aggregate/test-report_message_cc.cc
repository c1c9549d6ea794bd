// test-report_message_cc.cc: the report mail has the RFC 9990 Subject, the
// filename, an application/gzip attachment that decodes to the report, and
// nothing hostile can add a header.
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>

#include "lib/core/error.hh"
#include "reporting/aggregate/gzip_sink.hh"
#include "reporting/aggregate/report_message.hh"
#include "reporting/report_naming.hh"

using namespace dmarc;

namespace
{
ReportMessageInfo sampleInfo()
{
  ReportMessageInfo info;
  info.from = "dmarc-reports@receiver.example";
  info.to = {"rua@example.com"};
  info.receiver = "receiver.example";
  info.policyDomain = "example.com";
  info.reportId = "20261127r1xabc";
  info.begin = 1795737600;
  info.end = 1795823999;
  info.filename =
      reportFilename(info.receiver, info.policyDomain, info.begin, info.end, info.reportId);
  info.date = 1795824000 + 3600;
  return info;
}

std::string gzipOf(const std::string& text)
{
  StringSink out;
  GzipSink gz(out);
  gz.write(text);
  gz.finish();
  return out.data();
}

std::string decodeBase64Lines(const std::string& body)
{
  std::string clean;
  for (char c : body) {
    if (c != '\n') {
      clean += c;
    }
  }
  std::string out(clean.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  BOOST_REQUIRE(n >= 0);
  out.resize(static_cast<std::size_t>(n));
  // EVP_DecodeBlock keeps the padding bytes as zeros: drop them.
  std::size_t pad = clean.size() >= 2 && clean.ends_with("==") ? 2 : clean.ends_with("=") ? 1 : 0;
  out.resize(out.size() - pad);
  return out;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_report_message_cc)

BOOST_AUTO_TEST_CASE(test_Message_HeadersAndAttachment)
{
  std::string xml(100000, 'x');
  xml += "<feedback/>";
  std::istringstream attachment(gzipOf(xml));
  StringSink out;
  auto info = sampleInfo();
  writeReportMessage(out, info, attachment);
  const std::string& msg = out.data();
  BOOST_CHECK(msg.starts_with("From: dmarc-reports@receiver.example\n"));
  BOOST_CHECK(msg.find("\nTo: rua@example.com\n") != std::string::npos);
  // Unfold the Subject (RFC 5322 §2.2.3) and compare with the RFC 9990 form.
  auto subjectStart = msg.find("\nSubject: ") + 1;
  auto subjectEnd = msg.find("\nDate: ", subjectStart);
  std::string subject = msg.substr(subjectStart, subjectEnd - subjectStart);
  for (auto fold = subject.find("\n "); fold != std::string::npos; fold = subject.find("\n ")) {
    subject.erase(fold, 1);
  }
  BOOST_CHECK_EQUAL(subject, "Subject: Report Domain: example.com Submitter: receiver.example "
                             "Report-ID: <20261127r1xabc>");
  BOOST_CHECK(msg.find("Date: Sat, 28 Nov 2026 01:00:00 +0000\n") != std::string::npos);
  BOOST_CHECK(msg.find("Content-Type: application/gzip;") != std::string::npos);
  BOOST_CHECK(msg.find("filename=\"receiver.example!example.com!1795737600!1795823999!"
                       "20261127r1xabc.xml.gz\"") != std::string::npos);
  for (std::size_t pos = 0, next = 0; pos < msg.size(); pos = next + 1) {
    next = msg.find('\n', pos);
    if (next == std::string::npos) {
      break;
    }
    BOOST_CHECK_LE(next - pos, 998u); // RFC 5322 §2.1.1 (78 is SHOULD, long filenames pass it)
  }
  auto start = msg.find("\n\n", msg.find("Content-Disposition: attachment")) + 2;
  auto end = msg.find("\n--=_dmarc_report_", start);
  BOOST_REQUIRE(end != std::string::npos);
  auto gz = decodeBase64Lines(msg.substr(start, end - start));
  BOOST_CHECK(gunzip(gz, 1 << 20) == xml);
  BOOST_CHECK(msg.ends_with("--=_dmarc_report_20261127r1xabc--\n"));
}

BOOST_AUTO_TEST_CASE(test_Message_RefusesHeaderInjection)
{
  std::istringstream empty("");
  StringSink out;
  auto info = sampleInfo();
  info.to = {"rua@example.com\nBcc: victim@example.net"};
  BOOST_CHECK_THROW(writeReportMessage(out, info, empty), Error);
  info = sampleInfo();
  info.policyDomain = "example.com\nBcc: x";
  BOOST_CHECK_THROW(writeReportMessage(out, info, empty), Error);
  info = sampleInfo();
  info.filename = "other.xml.gz";
  BOOST_CHECK_THROW(writeReportMessage(out, info, empty), Error);
}

// RFC 7489 §7.2.2: a report over a "!size" limit becomes a short notice.
BOOST_AUTO_TEST_CASE(test_SizeErrorMessage_TextOnly)
{
  StringSink out;
  auto info = sampleInfo();
  writeSizeErrorMessage(out, info, 5000, 1024);
  const std::string& msg = out.data();
  BOOST_CHECK(msg.find("To: rua@example.com\n") != std::string::npos);
  BOOST_CHECK(msg.find("Content-Type: text/plain") != std::string::npos);
  BOOST_CHECK(msg.find("application/gzip") == std::string::npos);
  BOOST_CHECK(msg.find("5000 bytes, more than the 1024 bytes") != std::string::npos);
  info.to = {"a@example.com", "b@example.com"};
  BOOST_CHECK_THROW(writeSizeErrorMessage(out, info, 1, 1), Error);
}

BOOST_AUTO_TEST_CASE(test_Rfc5322Date)
{
  BOOST_CHECK_EQUAL(rfc5322Date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
}

BOOST_AUTO_TEST_SUITE_END()
