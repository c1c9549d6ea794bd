// decompress.hh: undo the compression of report attachments (gzip, zip,
// and reports compressed more than once), bounded in output size, as a
// stream: openDecompressed() undoes each layer as its bytes are read, so
// that a 0.6 MiB attachment holding 62 MiB of XML is never held whole.
//
// Trusts nothing in the input: every layer is limited in decompressed size
// (zip and gzip bombs expand a few kilobytes into gigabytes), the number of
// nested layers is limited, and a zip archive yields at most one report
// member. Uses zlib for gzip and libarchive for zip; never throws for bad
// input, which is a DecompressResult with an error.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "reporting/ingest/byte_source.hh"

namespace dmarc
{
enum class Compression
{
  None,
  Gzip, // RFC 1952 (also accepts concatenated members)
  Zip,  // PKZIP local file header
};

struct DecompressLimits
{
  // A 2286-record aggregate report is 909 KB of XML, the largest we have
  // seen; 64 MiB leaves room for big receivers while a bomb stops early.
  std::size_t maxOutput = 64U * 1024U * 1024U;
  // Real reports are compressed once, a few twice (double gzip); more
  // layers than this only serve to multiply the work of a bomb.
  int maxLayers = 3;
  // Zip archives from receivers hold one report; a few more members are
  // tolerated (a README, a signature) but not thousands.
  int maxZipEntries = 16;
  // A zip archive is read from memory (its directory is at its end):
  // compressed, a report this large would hold far more than maxOutput.
  std::size_t maxArchiveBytes = 16U * 1024U * 1024U;
};

struct DecompressResult
{
  bool ok = false;
  std::string data;  // the decompressed bytes when ok
  std::string error; // why not, when !ok
  int layers = 0;    // how many compression layers were removed
};

// Detects the compression of a payload from its leading magic bytes.
Compression detectCompression(std::string_view payload);

// Gunzips one gzip stream (all concatenated members) up to maxOutput bytes.
DecompressResult gunzip(std::string_view payload, std::size_t maxOutput);

// Extracts the report member of a zip archive (the first regular entry whose
// name ends in .xml or .json, else the first regular entry).
DecompressResult unzipReport(std::string_view payload, const DecompressLimits& limits);

// Removes every compression layer (at most limits.maxLayers) of a report
// attachment; an uncompressed payload is returned as it is.
DecompressResult decompressReport(std::string_view payload, const DecompressLimits& limits = {});

// The same as a stream: the bytes of `payload` with every compression layer
// undone while they are read. Detecting the layers reads the first bytes of
// each; a ByteReadError (here or from read()) says why the payload is
// unusable, in the words of decompressReport()'s errors.
std::unique_ptr<ByteReader> openDecompressed(std::unique_ptr<ByteReader> payload,
                                             const DecompressLimits& limits = {});
} // namespace dmarc
