// test-gzip_sink_cc.cc: the gzip stream round-trips through zlib, is
// deterministic, and carries the gzip magic (RFC 1952 §2.3.1).
#include <random>

#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "reporting/aggregate/gzip_sink.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_gzip_sink_cc)

BOOST_AUTO_TEST_CASE(test_GzipSink_RoundTrips)
{
  std::string input;
  std::mt19937 rng(42);
  for (int i = 0; i < 300000; ++i) {
    input += static_cast<char>('a' + rng() % 7);
  }
  StringSink out;
  GzipSink gz(out);
  for (std::size_t i = 0; i < input.size(); i += 777) {
    gz.write(std::string_view(input).substr(i, 777));
  }
  gz.finish();
  BOOST_REQUIRE_GE(out.data().size(), 10u);
  BOOST_CHECK_EQUAL(static_cast<unsigned char>(out.data()[0]), 0x1f);
  BOOST_CHECK_EQUAL(static_cast<unsigned char>(out.data()[1]), 0x8b);
  BOOST_CHECK_LT(out.data().size(), input.size());
  BOOST_CHECK(gunzip(out.data(), input.size()) == input);
  BOOST_CHECK_EQUAL(gz.bytesIn(), input.size());
  BOOST_CHECK_EQUAL(gz.bytesOut(), out.data().size());
}

BOOST_AUTO_TEST_CASE(test_GzipSink_Deterministic)
{
  auto compress = [](std::string_view text) {
    StringSink out;
    GzipSink gz(out);
    gz.write(text);
    gz.finish();
    return out.data();
  };
  BOOST_CHECK(compress("same report") == compress("same report"));
  BOOST_CHECK(gunzip(compress(""), 10).empty());
}

BOOST_AUTO_TEST_CASE(test_Gunzip_RejectsCorruptTruncatedAndBombs)
{
  StringSink out;
  GzipSink gz(out);
  gz.write(std::string(100000, 'x'));
  gz.finish();
  const std::string& data = out.data();
  BOOST_CHECK_THROW(gunzip(data.substr(0, data.size() / 2), 1 << 20), Error);
  std::string corrupt = data;
  corrupt[corrupt.size() - 6] ^= 0x55; // inside the CRC-32 of the trailer
  BOOST_CHECK_THROW(gunzip(corrupt, 1 << 20), Error);
  BOOST_CHECK_THROW(gunzip(data, 1000), Error); // bigger than allowed
  BOOST_CHECK_THROW(gunzip("not gzip at all", 1000), Error);
}

BOOST_AUTO_TEST_CASE(test_GzipSink_WriteAfterFinishThrows)
{
  StringSink out;
  GzipSink gz(out);
  gz.finish();
  BOOST_CHECK_THROW(gz.write("late"), Error);
}

BOOST_AUTO_TEST_SUITE_END()
