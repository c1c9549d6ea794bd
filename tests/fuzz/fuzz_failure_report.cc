// fuzz_failure_report.cc: libFuzzer target for the failure report composer
// and the redaction of local parts (lib/core/failure_report,
// local_part_redaction). The input is the header section of a hostile
// message, its envelope sender and a DKIM selector. Checks that whatever
// they hold, the report is lines of printable ASCII (tab aside) of at most
// 998 octets, so that no value can add a header or break the MIME.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lib/core/failure_report.hh"
#include "tests/fuzz/fuzz_target.hh"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // "mailfrom\x00selector\x00headers"
  auto first = input.find('\0');
  auto second = first == std::string_view::npos ? first : input.find('\0', first + 1);
  dmarc::MessageRecord record;
  record.verdict.fromDomain = "example.com";
  record.verdict.dkim.push_back({});
  dmarc::FailureSample sample;
  if (second != std::string_view::npos) {
    sample.mailFrom = std::string(input.substr(0, first));
    record.verdict.dkim.back().selector = std::string(input.substr(first + 1, second - first - 1));
    sample.headers = std::string(input.substr(second + 1));
  } else {
    sample.headers = std::string(input);
  }
  sample.rcptTo = {"rcpt@example.net"};
  record.failure = sample;
  dmarc::FailureReportInfo info;
  info.from = "reports@receiver.example";
  info.to = {"ruf@example.com"};
  info.reportingMta = info.authservId = "mx.receiver.example";
  info.userAgent = "fuzz";
  info.messageId = "m@receiver.example";
  info.boundary = "b";
  info.includeRecipients = true;
  dmarc::LocalPartRedactor redactor([](std::string_view text) {
    std::string digest(10, '\0');
    for (std::size_t i = 0; i < text.size(); ++i) {
      digest[i % 10] = static_cast<char>(digest[i % 10] * 33 + text[i]);
    }
    return digest;
  });
  const std::string report = dmarc::composeFailureReport(info, record, &redactor);
  std::size_t column = 0;
  for (std::size_t i = 0; i < report.size(); ++i) {
    const char c = report[i];
    auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      column = 0;
      continue;
    }
    if ((byte < 32 && c != '\t') || byte > 126 || ++column > 998) {
      std::fprintf(stderr, "bad byte %d at column %zu of:\n%s\n", byte, column,
                   report.substr(i - std::min(i, column), 200).c_str());
      std::abort();
    }
  }
  return 0;
}
