// test-mime_walk_cc.cc: unit tests of reporting/ingest/mime_walk.cc, the bounds and
// leaves it takes from GMime, on the report e-mails in the shared samples
// and on hostile structures.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>

#include "reporting/ingest/mime_walk.hh"

using namespace dmarc;

namespace
{
std::string sharedFile(const std::string& relative)
{
  const char* shared = std::getenv("SHARED_DATA");
  BOOST_REQUIRE_MESSAGE(shared != nullptr, "SHARED_DATA is not set");
  std::ifstream in(std::string(shared) + "/" + relative, std::ios::binary);
  BOOST_REQUIRE_MESSAGE(in, "cannot open " << relative);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_mime_walk_cc)

BOOST_AUTO_TEST_CASE(test_walkMime_GoogleZipReport)
{
  const auto result = walkMime(sharedFile(
      "dmarc-aggregate-samples/parsedmarc/google-report-mail-borschow.com-949348866075514174.eml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  bool found = false;
  for (const auto& leaf : result.leaves) {
    if (leaf.mediaType == "application/zip") {
      found = true;
      BOOST_CHECK_EQUAL(leaf.filename, "google.com!borschow.com!1549929600!1550015999.zip");
      BOOST_CHECK(leaf.body.substr(0, 4) == std::string_view("PK\x03\x04", 4));
    }
  }
  BOOST_CHECK_MESSAGE(found, "got no application/zip leaf");
}

BOOST_AUTO_TEST_CASE(test_walkMime_TlsRptReport)
{
  const auto result =
      walkMime(sharedFile("tlsrpt-samples/parsedmarc/google.com_smtp_tls_report.eml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.headers.get("tls-report-domain"), "cardinalhealth.ca");
  BOOST_CHECK_EQUAL(result.headers.get("TLS-Report-Submitter"), "google.com");
  BOOST_REQUIRE_EQUAL(result.leaves.size(), 2U);
  BOOST_CHECK_EQUAL(result.leaves[0].mediaType, "text/plain");
  BOOST_CHECK_EQUAL(result.leaves[1].mediaType, "application/tlsrpt+gzip");
  BOOST_CHECK_EQUAL(result.leaves[1].filename,
                    "google.com!cardinalhealth.ca!1725321600!1725407999!001.json.gz");
  BOOST_CHECK(result.leaves[1].body.substr(0, 2) == "\x1f\x8b");
}

BOOST_AUTO_TEST_CASE(test_walkMime_SinglePartGzip)
{
  const auto result =
      walkMime(sharedFile("dmarc-aggregate-samples/parsedmarc/mimecast-weird-gzip.eml"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_REQUIRE_EQUAL(result.leaves.size(), 1U);
  BOOST_CHECK_EQUAL(result.leaves[0].mediaType, "application/gzip");
  BOOST_CHECK(result.leaves[0].body.substr(0, 2) == "\x1f\x8b");
}

BOOST_AUTO_TEST_CASE(test_walkMime_NestingBombRefused)
{
  // 100 nested multiparts: the walk must stop at its depth bound.
  std::string message;
  for (int i = 0; i < 100; ++i) {
    message += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\n\n--b" +
               std::to_string(i) + "\n";
  }
  message += "Content-Type: text/plain\n\nhello\n";
  const auto result = walkMime(message);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a depth error");
  BOOST_CHECK_MESSAGE(result.error.find("deeper") != std::string::npos,
                      "got error " << result.error);
}

BOOST_AUTO_TEST_CASE(test_walkMime_TooManyParts)
{
  std::string message = "Content-Type: multipart/mixed; boundary=x\n\n";
  for (int i = 0; i < 1000; ++i) {
    message += "--x\nContent-Type: text/plain\n\npart\n";
  }
  message += "--x--\n";
  const auto result = walkMime(message);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a part-count error");
}

BOOST_AUTO_TEST_CASE(test_walkMime_HeaderFlood)
{
  std::string message;
  for (int i = 0; i < 5000; ++i) {
    message += "X-Flood: " + std::to_string(i) + "\n";
  }
  message += "\nbody\n";
  BOOST_CHECK(!walkMime(message).ok);
}

BOOST_AUTO_TEST_CASE(test_walkMime_Rfc2231FileNames)
{
  // An extended file name in Content-Disposition, and a Content-Type name
  // split in sections: both joined and percent-decoded.
  const auto result =
      walkMime("Content-Type: multipart/mixed; boundary=b\n\n"
               "--b\nContent-Type: application/gzip\n"
               "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9port.xml.gz\n"
               "\nx\n"
               "--b\nContent-Type: application/gzip; name*0=\"a!b\"; name*1=\".xml.gz\"\n"
               "\ny\n--b--\n");
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_REQUIRE_EQUAL(result.leaves.size(), 2U);
  BOOST_CHECK_EQUAL(result.leaves[0].filename, "r\xc3\xa9port.xml.gz");
  BOOST_CHECK_EQUAL(result.leaves[1].filename, "a!b.xml.gz");
}

BOOST_AUTO_TEST_CASE(test_walkMime_TransferEncodingsUndone)
{
  // base64 with line breaks, quoted-printable with soft breaks: the leaves
  // hold the decoded bytes; an unknown type's name is lower-cased.
  const auto result = walkMime("Content-Type: multipart/mixed; boundary=b\r\n\r\n"
                               "--b\r\nContent-Type: Application/GZIP\r\n"
                               "Content-Transfer-Encoding: base64\r\n\r\naGVs\r\nbG8=\r\n"
                               "--b\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                               "a=3Db=\r\nc\r\n--b--\r\n");
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_REQUIRE_EQUAL(result.leaves.size(), 2U);
  BOOST_CHECK_EQUAL(result.leaves[0].mediaType, "application/gzip");
  BOOST_CHECK_EQUAL(result.leaves[0].body, "hello");
  BOOST_CHECK_EQUAL(result.leaves[1].mediaType, "text/plain");
  BOOST_CHECK_EQUAL(result.leaves[1].body, "a=bc");
}

BOOST_AUTO_TEST_CASE(test_walkMime_DecodedBytesBounded)
{
  MimeLimits limits;
  limits.maxDecodedBytes = 10;
  const auto result = walkMime("Content-Type: text/plain\n\n0123456789abcdef\n", limits);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a size error");
  BOOST_CHECK_MESSAGE(result.error.find("decoded parts larger") != std::string::npos,
                      "got error " << result.error);
}

BOOST_AUTO_TEST_CASE(test_walkMime_FoldedHeaderUnfolded)
{
  // Unfolding removes the line break only (RFC 5322 §2.2.3); values are trimmed.
  const auto result = walkMime("Subject: a\r\n  b\r\nTLS-Report-Domain:  ours.example \r\n\r\nx");
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.headers.get("subject"), "a  b");
  BOOST_CHECK_EQUAL(result.headers.get("TLS-Report-Domain"), "ours.example");
}

BOOST_AUTO_TEST_SUITE_END()
