// test-message_record_codec_cc.cc: the spool's byte form of a record
// round-trips every field, and damaged bytes are refused, never guessed.
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
  for (char version : {'\0', '\3', '\xff'}) {
    bytes[0] = version;
    BOOST_CHECK_MESSAGE(!decodeMessageRecord(bytes),
                        "got a record of version " << int(version) << ", want none");
  }
}

namespace
{
// sampleMessageRecord(7) as the build before format version 2 wrote it to
// its spool (version 1, no ARC facts), in hex. Kept as bytes, not
// re-encoded, so that the test fails if the old form stops decoding.
constexpr std::string_view s_version1Record =
    "012400000036663163326133622d346435652d346636302d386137622d306331643265336634303137471261018b"
    "6006000f0000006d78312e6578616d706c652e6e657404000000345178370c000000323030313a6462383a3a3235"
    "100000006d61696c2e6578616d706c652e636f6d12000000626f756e63652e6578616d706c652e636f6d02000000"
    "0b0000006578616d706c652e6e65740b0000006578616d706c652e6f72670107000000544c5376312e3316000000"
    "544c535f4145535f3235365f47434d5f53484133383400010000020000004f4b13000000434e3d6d61696c2e6578"
    "616d706c652e636f6d0a000000434e3d546573742043410b0000006578616d706c652e636f6d010000000b000000"
    "6578616d706c652e636f6d02150000006e6f20616c69676e6564206964656e7469666965720001010b0000006578"
    "616d706c652e636f6d3b000000763d444d415243313b20703d72656a6563743b2073703d71756172616e74696e65"
    "3b207275613d6d61696c746f3a64406578616d706c652e636f6d0201010102010001000000313200000001020200"
    "0000140000006d61696c746f3a64406578616d706c652e636f6d140000006d61696c746f3a78406578616d706c65"
    "2e6f726701000000140000006d61696c746f3a66406578616d706c652e636f6d0b0000006578616d706c652e636f"
    "6d0001010103020200000001100000006c6973742e6578616d706c652e6f72670400000000040012000000626f75"
    "6e63652e6578616d706c652e636f6d040000007e616c6c010201100000006d61696c2e6578616d706c652e636f6d"
    "0000000002000000020b0000006578616d706c652e636f6d0200000073310a0000007273612d7368613235360800"
    "000061626364313233340c000000406578616d706c652e636f6d12000000626f64792068617368206d69736d6174"
    "636800080000010b0000006573702e6578616d706c650200000073310e000000656432353531392d736861323536"
    "0800000061626364313233340c000000406578616d706c652e636f6d12000000626f64792068617368206d69736d"
    "6174636800010000";

std::string fromHex(std::string_view hex)
{
  std::string bytes;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    bytes.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Decode_ReadsVersion1RecordsOfAnOlderSpool)
{
  auto decoded = decodeMessageRecord(fromHex(s_version1Record));
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
  auto bytes = fromHex(s_version1Record);
  auto current = encodeMessageRecord(sampleMessageRecord(7));
  BOOST_REQUIRE_GT(current.size(), bytes.size());
  BOOST_CHECK(!decodeMessageRecord(bytes + current.substr(bytes.size())));
}

BOOST_AUTO_TEST_CASE(test_Encode_RoundTripsArcFacts)
{
  auto record = sampleMessageRecord();
  for (auto result : {ArcResult::None, ArcResult::Pass, ArcResult::Fail}) {
    record.arcResult = result;
    auto decoded = decodeMessageRecord(encodeMessageRecord(record));
    BOOST_REQUIRE(decoded);
    BOOST_CHECK(decoded->arcResult == result);
    BOOST_CHECK_EQUAL(firstDifference(record, *decoded), "");
  }
  auto bytes = encodeMessageRecord(record);
  // The last fields are the ARC facts; the result byte sits before the
  // sealer count. An unknown result value is refused.
  std::size_t resultOffset =
      bytes.size() - 4 - record.overrideComment.size() - 4 - record.arcTrustedSealer.size() - 4;
  for (const auto& sealer : record.arcSealers) {
    resultOffset -= 4 + sealer.size();
  }
  resultOffset -= 1;
  BOOST_REQUIRE_EQUAL(int(bytes[resultOffset]), int(ArcResult::Fail));
  bytes[resultOffset] = 3;
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
