// fuzz_mime_walk.cc: libFuzzer target for the bounded MIME walk
// (reporting/ingest/mime_walk) and the report extraction built on it
// (reporting/ingest/report_extractor). Checks that the walk's bounds hold for any
// input: part count, decoded size.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/ingest/mime_walk.hh"
#include "reporting/ingest/report_extractor.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::MimeLimits limits;
  limits.maxParts = 16;
  limits.maxDepth = 4;
  limits.maxDecodedBytes = 1U << 20U;
  const dmarc::MimeWalkResult walk = dmarc::walkMime(input, limits);
  if (walk.ok) {
    std::size_t decoded = 0;
    for (const auto& leaf : walk.leaves) {
      decoded += leaf.body.size();
      if (leaf.mediaType.empty()) {
        std::abort();
      }
    }
    if (walk.leaves.size() > limits.maxParts || decoded > limits.maxDecodedBytes) {
      std::abort();
    }
  } else if (walk.error.empty()) {
    std::abort();
  }
  dmarc::ExtractLimits extract;
  extract.mime = limits;
  extract.decompress.maxOutput = 1U << 20U;
  const dmarc::ExtractedInput extracted = dmarc::extractFromMessage(input, "fuzz", extract);
  if (extracted.reports.size() > extract.maxReportsPerMessage) {
    std::abort();
  }
  return 0;
}
