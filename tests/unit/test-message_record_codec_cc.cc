// test-message_record_codec_cc.cc: the spool's byte form of a record
// round-trips every field, and damaged bytes are refused, never guessed.
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
  bytes[0] = 2;
  BOOST_CHECK(!decodeMessageRecord(bytes));
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
