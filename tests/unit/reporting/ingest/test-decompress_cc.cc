// test-decompress_cc.cc: unit tests of reporting/ingest/decompress.cc (gzip, zip,
// layers, bombs) against the shared samples and generated payloads.
#include <archive.h>
#include <archive_entry.h>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <boost/test/unit_test.hpp>
#include <zlib.h>

#include "reporting/ingest/decompress.hh"

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

std::string gzip(const std::string& data)
{
  z_stream stream{};
  BOOST_REQUIRE(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  BOOST_REQUIRE(deflate(&stream, Z_FINISH) == Z_STREAM_END);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string zip(const std::string& name, const std::string& data)
{
  std::string out(data.size() + 4096, '\0');
  size_t used = 0;
  struct archive* writer = archive_write_new();
  archive_write_set_format_zip(writer);
  BOOST_REQUIRE(archive_write_open_memory(writer, out.data(), out.size(), &used) == ARCHIVE_OK);
  struct archive_entry* entry = archive_entry_new();
  archive_entry_set_pathname(entry, name.c_str());
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0644);
  archive_entry_set_size(entry, static_cast<la_int64_t>(data.size()));
  archive_write_header(writer, entry);
  archive_write_data(writer, data.data(), data.size());
  archive_entry_free(entry);
  archive_write_close(writer);
  archive_write_free(writer);
  out.resize(used);
  return out;
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_decompress_cc)

BOOST_AUTO_TEST_CASE(test_detectCompression_Magic)
{
  BOOST_CHECK(detectCompression("\x1f\x8b\x08") == Compression::Gzip);
  BOOST_CHECK(detectCompression(std::string_view("PK\x03\x04rest", 8)) == Compression::Zip);
  BOOST_CHECK(detectCompression("<?xml") == Compression::None);
  BOOST_CHECK(detectCompression("") == Compression::None);
}

BOOST_AUTO_TEST_CASE(test_decompressReport_FastmailGzipSample)
{
  const auto payload =
      sharedFile("dmarc-aggregate-samples/parsedmarc/"
                 "fastmail.com!example.com!1516060800!1516147199!102675056.xml.gz");
  const auto result = decompressReport(payload);
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.layers, 1);
  BOOST_CHECK_MESSAGE(result.data.find("<feedback") != std::string::npos,
                      "got no <feedback> in the output");
}

BOOST_AUTO_TEST_CASE(test_decompressReport_DoubleGzipSample)
{
  const auto result =
      decompressReport(sharedFile("dmarc-aggregate-samples/tierpod/test.xml.gz.gz"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.layers, 2);
  BOOST_CHECK(result.data.find("<feedback") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_decompressReport_ZipSample)
{
  const auto result = decompressReport(
      sharedFile("dmarc-aggregate-samples/parsedmarc/"
                 "estadocuenta1.infonacot.gob.mx!example.com!1536853302!1536939702!2940.xml.zip"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.layers, 1);
  BOOST_CHECK(result.data.find("<feedback") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(test_gunzip_ConcatenatedMembers)
{
  // RFC 1952 §2.2: a gzip file is a series of members.
  const auto result = gunzip(gzip("abc") + gzip("def"), 1024);
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.data, "abcdef");
}

BOOST_AUTO_TEST_CASE(test_gunzip_TruncatedAndCorrupt)
{
  const std::string whole = gzip(std::string(10000, 'x'));
  BOOST_CHECK(!gunzip(whole.substr(0, whole.size() / 2), 1U << 20U).ok);
  std::string corrupt = whole;
  corrupt[12] = static_cast<char>(corrupt[12] ^ 0x55);
  corrupt[13] = static_cast<char>(corrupt[13] ^ 0x55);
  BOOST_CHECK(!gunzip(corrupt, 1U << 20U).ok);
  BOOST_CHECK(!gunzip("\x1f\x8b", 1024).ok);
}

BOOST_AUTO_TEST_CASE(test_decompressReport_GzipBombStopsAtLimit)
{
  // 64 MiB of zeros compresses to ~64 KB; with an 8 MiB limit it must stop.
  const std::string bomb = gzip(std::string(64U << 20U, '\0'));
  DecompressLimits limits;
  limits.maxOutput = 8U << 20U;
  const auto result = decompressReport(bomb, limits);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a size error");
  BOOST_CHECK_MESSAGE(result.error.find("limit") != std::string::npos,
                      "got error " << result.error);
  BOOST_CHECK(result.data.empty());
}

BOOST_AUTO_TEST_CASE(test_decompressReport_ZipBombStopsAtLimit)
{
  const std::string bomb = zip("report.xml", std::string(32U << 20U, 'A'));
  DecompressLimits limits;
  limits.maxOutput = 1U << 20U;
  const auto result = decompressReport(bomb, limits);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a size error");
}

BOOST_AUTO_TEST_CASE(test_decompressReport_TooManyLayers)
{
  std::string nested = "<feedback/>";
  for (int i = 0; i < 5; ++i) {
    nested = gzip(nested);
  }
  const auto result = decompressReport(nested);
  BOOST_CHECK_MESSAGE(!result.ok, "got ok, want a layer error");
  BOOST_CHECK_MESSAGE(result.error.find("layers") != std::string::npos,
                      "got error " << result.error);
}

BOOST_AUTO_TEST_CASE(test_unzipReport_PrefersReportMember)
{
  // libarchive's writer writes one member here; the name choice is tested
  // with a non-report name, which is still used as the fallback.
  const auto result = decompressReport(zip("README", "hello"));
  BOOST_REQUIRE_MESSAGE(result.ok, "got error " << result.error);
  BOOST_CHECK_EQUAL(result.data, "hello");
  BOOST_CHECK(!decompressReport(std::string_view("PK\x03\x04garbage", 11)).ok);
}

BOOST_AUTO_TEST_SUITE_END()
