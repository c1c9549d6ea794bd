// fuzz_dmarc_record.cc: libFuzzer target for the DMARC record and report URI
// parsers (lib/core/dmarc_record). Checks that both modes agree on what is a
// DMARC record, and that a valid record never carries an unparsed URI.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "lib/core/dmarc_record.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bool isDmarc = dmarc::isDmarcRecord(input);
  for (auto mode : {dmarc::DmarcMode::Rfc9989, dmarc::DmarcMode::Rfc7489}) {
    dmarc::DmarcRecord record = dmarc::parseDmarcRecord(input, mode);
    if ((record.status != dmarc::RecordStatus::NotDmarc) != isDmarc) {
      std::abort();
    }
    if (record.rua.size() > dmarc::g_maxReportUris || record.policy.pct > 100) {
      std::abort();
    }
    for (const auto& uri : record.rua) {
      if (uri.scheme != "mailto" && uri.scheme != "https") {
        std::abort();
      }
    }
  }
  (void)dmarc::parseReportUri(input);
  return 0;
}
