// test-message_record_codec_cc.cc: the spool's byte form of a record
// round-trips every field, and damaged bytes are refused, never guessed.
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>

#include <boost/test/unit_test.hpp>

#include "lib/core/message_record_codec.hh"
#include "tests/unit/sample_message_record.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_message_record_codec_cc)

BOOST_AUTO_TEST_CASE(test_Encode_RoundTripsEveryField)
{
  auto record = sampleMessageRecord();
  auto decoded = decodeMessageRecord(encodeMessageRecord(record));
  BOOST_REQUIRE(decoded);
  BOOST_CHECK_MESSAGE(firstDifference(record, *decoded).empty(),
                      "got a difference in " << firstDifference(record, *decoded) << ", want none");
}

BOOST_AUTO_TEST_CASE(test_Encode_RoundTripsEmptyRecord)
{
  MessageRecord record; // no policy, no TLS, no DKIM, empty strings
  auto decoded = decodeMessageRecord(encodeMessageRecord(record));
  BOOST_REQUIRE(decoded);
  BOOST_CHECK_EQUAL(firstDifference(record, *decoded), "");
  BOOST_CHECK(!decoded->tls);
  BOOST_CHECK(!decoded->verdict.policy);
}

BOOST_AUTO_TEST_CASE(test_Encode_KeepsHostileBytesVerbatim)
{
  auto record = sampleMessageRecord();
  record.helo = std::string("evil'); DROP TABLE verdict; --") + std::string("\0\xff\r\n", 4);
  record.verdict.fromDomain = "\"}{\\,";
  auto decoded = decodeMessageRecord(encodeMessageRecord(record));
  BOOST_REQUIRE(decoded);
  BOOST_CHECK(decoded->helo == record.helo);
  BOOST_CHECK_EQUAL(decoded->verdict.fromDomain, record.verdict.fromDomain);
}

BOOST_AUTO_TEST_CASE(test_Decode_RefusesEveryTruncation)
{
  auto bytes = encodeMessageRecord(sampleMessageRecord());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    BOOST_CHECK_MESSAGE(!decodeMessageRecord(std::string_view(bytes).substr(0, size)),
                        "got a record from " << size << " of " << bytes.size()
                                             << " bytes, want none");
  }
}

BOOST_AUTO_TEST_CASE(test_Decode_RefusesTrailingBytesAndUnknownVersion)
{
  auto bytes = encodeMessageRecord(sampleMessageRecord());
  BOOST_CHECK(!decodeMessageRecord(bytes + "x"));
  for (char version : {'\0', '\4', '\xff'}) {
    bytes[0] = version;
    BOOST_CHECK_MESSAGE(!decodeMessageRecord(bytes),
                        "got a record of version " << int(version) << ", want none");
  }
}

namespace
{
std::string fromHex(std::string_view hex)
{
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// sampleMessageRecord(7) as the build before format version 2 wrote it to
// its spool (version 1, no ARC facts), in hex. Kept as bytes, not
// re-encoded, so that the test fails if the old form stops decoding;
// tests/integration/test_store.py replays the same record from a spool.
std::string version1Record()
{
  const char* top = std::getenv("TOP_SRCDIR");
  BOOST_REQUIRE_MESSAGE(top != nullptr, "TOP_SRCDIR is not set");
  std::ifstream in(std::string(top) + "/tests/integration/golden/spool_record_v1.hex");
  std::string hex;
  BOOST_REQUIRE_MESSAGE(in >> hex, "cannot read spool_record_v1.hex");
  return fromHex(hex);
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Decode_ReadsVersion1RecordsOfAnOlderSpool)
{
  auto decoded = decodeMessageRecord(version1Record());
  BOOST_REQUIRE_MESSAGE(decoded, "got no record from version 1 bytes, want one");
  auto expected = sampleMessageRecord(7);
  expected.arcResult = ArcResult::None;
  expected.arcSealers.clear();
  expected.arcTrustedSealer.clear();
  expected.overrideComment.clear();
  BOOST_CHECK_MESSAGE(firstDifference(expected, *decoded).empty(),
                      "got a difference in " << firstDifference(expected, *decoded)
                                             << ", want none");
  // Written again, it is a current record that still reads the same.
  auto again = decodeMessageRecord(encodeMessageRecord(*decoded));
  BOOST_REQUIRE(again);
  BOOST_CHECK_EQUAL(firstDifference(*decoded, *again), "");
}

BOOST_AUTO_TEST_CASE(test_Decode_Version1RecordNeverCarriesArcFacts)
{
  // Version 1 ends after the DKIM signatures: ARC bytes after them are
  // trailing damage, not facts.
  auto bytes = version1Record();
  auto current = encodeMessageRecord(sampleMessageRecord(7));
  BOOST_REQUIRE_GT(current.size(), bytes.size());
  BOOST_CHECK(!decodeMessageRecord(bytes + current.substr(bytes.size())));
}

BOOST_AUTO_TEST_CASE(test_Encode_RoundTripsArcFacts)
{
  auto record = sampleMessageRecord();
  for (auto result : {ArcResult::None, ArcResult::Pass, ArcResult::Fail, ArcResult::TempError}) {
    record.arcResult = result;
    auto decoded = decodeMessageRecord(encodeMessageRecord(record));
    BOOST_REQUIRE(decoded);
    BOOST_CHECK(decoded->arcResult == result);
    BOOST_CHECK_EQUAL(firstDifference(record, *decoded), "");
  }
  auto bytes = encodeMessageRecord(record);
  // The last fields are the ARC facts; the result byte sits before the
  // sealer count. An unknown result value is refused.
  // (Then the failure sample's flag byte, false here.)
  std::size_t resultOffset =
      bytes.size() - 1 - 4 - record.overrideComment.size() - 4 - record.arcTrustedSealer.size() - 4;
  for (const auto& sealer : record.arcSealers) {
    resultOffset -= 4 + sealer.size();
  }
  resultOffset -= 1;
  BOOST_REQUIRE_EQUAL(int(bytes[resultOffset]), int(ArcResult::TempError));
  bytes[resultOffset] = 4;
  BOOST_CHECK(!decodeMessageRecord(bytes));
}

BOOST_AUTO_TEST_CASE(test_Encode_RoundTripsFailureSample)
{
  auto record = sampleFailureRecord();
  record.failure->headers += std::string("X-Bytes: \0\xff\r\n", 15);
  auto decoded = decodeMessageRecord(encodeMessageRecord(record));
  BOOST_REQUIRE(decoded);
  BOOST_CHECK_EQUAL(firstDifference(record, *decoded), "");
  BOOST_CHECK(decoded->failure->headers == record.failure->headers);
}

BOOST_AUTO_TEST_CASE(test_Decode_ReadsVersion2RecordsOfAnOlderSpool)
{
  // A version 2 record is a version 3 one without the failure flag byte.
  auto record = sampleMessageRecord();
  auto bytes = encodeMessageRecord(record);
  BOOST_REQUIRE_EQUAL(bytes.back(), '\0');
  bytes.pop_back();
  bytes[0] = 2;
  auto decoded = decodeMessageRecord(bytes);
  BOOST_REQUIRE_MESSAGE(decoded, "got no record from version 2 bytes, want one");
  BOOST_CHECK_EQUAL(firstDifference(record, *decoded), "");
  BOOST_CHECK(!decoded->failure);
  // ...and a version 2 record never carries a failure sample.
  BOOST_CHECK(!decodeMessageRecord(bytes + std::string(1, '\0')));
}

BOOST_AUTO_TEST_CASE(test_Decode_SurvivesEverySingleByteFlip)
{
  // A flipped byte may still decode to some record (a string byte), but it
  // must never crash, hang or allocate from a damaged count.
  auto bytes = encodeMessageRecord(sampleMessageRecord());
  std::size_t refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto damaged = bytes;
    damaged[i] = static_cast<char>(damaged[i] ^ 0xA5);
    refused += decodeMessageRecord(damaged) ? 0 : 1;
  }
  BOOST_CHECK_GT(refused, 0u);
}

BOOST_AUTO_TEST_CASE(test_Decode_RefusesHugeCount)
{
  MessageRecord record;
  auto bytes = encodeMessageRecord(record);
  // rcptDomains count sits after version, key, time, host, queue, ip, helo,
  // mailfrom: 1 + 4 + 8 + 4 * 5 bytes for the empty record.
  std::size_t offset = 1 + 4 + 8 + 4 * 5;
  bytes[offset] = '\xff';
  bytes[offset + 1] = '\xff';
  bytes[offset + 2] = '\xff';
  bytes[offset + 3] = '\x7f';
  BOOST_CHECK(!decodeMessageRecord(bytes));
}

BOOST_AUTO_TEST_SUITE_END()
