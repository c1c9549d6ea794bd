// dkim_text.hh: text helpers shared by the DKIM signer and verifier.
// Pure string handling, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// Appends `text` to `out` with each bare LF (how libmilter, libopendkim's
// folding and message files break lines) turned into CRLF, the SMTP form
// signers hash (RFC 6376 §5.3). Runs between line breaks are copied whole:
// the verifier converts every header field of every message this way.
inline void appendWithCrlf(std::string& out, std::string_view text)
{
  std::size_t start = 0;
  for (auto lf = text.find('\n'); lf != std::string_view::npos; lf = text.find('\n', lf + 1)) {
    if (lf == 0 || text[lf - 1] != '\r') {
      out.append(text.substr(start, lf - start)).append("\r\n");
      start = lf + 1;
    }
  }
  out.append(text.substr(start));
}

// The same, as a new string.
inline std::string withCrlf(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + 8);
  appendWithCrlf(out, text);
  return out;
}
} // namespace dmarc
