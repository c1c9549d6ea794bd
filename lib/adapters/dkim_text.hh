// dkim_text.hh: text helpers shared by the DKIM signer and verifier.
// Pure string handling, no I/O.
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// Bare LF (how libmilter, libopendkim's folding and message files break
// lines) becomes CRLF, the SMTP form signers hash (RFC 6376 §5.3).
inline std::string withCrlf(std::string_view text)
{
  std::string out;
  out.reserve(text.size() + 8);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) {
      out.push_back('\r');
    }
    out.push_back(text[i]);
  }
  return out;
}
} // namespace dmarc
