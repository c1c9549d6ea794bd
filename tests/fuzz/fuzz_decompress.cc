// fuzz_decompress.cc: libFuzzer target for report decompression
// (reporting/decompress: gzip via zlib, zip via libarchive). Checks that the
// output bound and the layer bound hold for any input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "reporting/ingest/decompress.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  dmarc::DecompressLimits limits;
  limits.maxOutput = 1U << 20U;
  const dmarc::DecompressResult result = dmarc::decompressReport(input, limits);
  if (result.ok) {
    // An uncompressed payload is passed through at its own size.
    if ((result.layers > 0 && result.data.size() > limits.maxOutput) ||
        result.layers > limits.maxLayers) {
      std::abort();
    }
  } else if (result.error.empty()) {
    std::abort();
  }
  return 0;
}
