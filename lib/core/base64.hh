// base64.hh: strict base64 (RFC 4648 §4) for the b=, bh= and p= values of
// DKIM and ARC (RFC 6376 §2.4: white space may appear anywhere in them).
// Pure. Rejects, never guesses: a byte outside the alphabet, padding
// anywhere but at the end, or a length that is not a whole number of
// 4-character groups is not base64.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dmarc
{
// The decoded bytes of `text`, ignoring SP, HTAB, CR and LF; nullopt when
// it is not base64. (MIME bodies are decoded leniently, as RFC 2045 §6.8
// asks, by GMime in reporting/ingest/mime_walk.)
std::optional<std::string> decodeStrictBase64(std::string_view text);
// The base64 text of `bytes`, with padding, unbroken.
std::string encodeBase64(std::string_view bytes);
} // namespace dmarc
