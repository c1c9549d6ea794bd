// quoted_printable.hh: the Quoted-Printable content transfer encoding
// (RFC 2045 §6.7), for text parts that carry bytes a 7-bit mail path cannot
// (the header section of a hostile message in a failure report).
//
// Pure. Any bytes are accepted; the output is printable US-ASCII in lines of
// at most 76 characters ending in LF (the mail transports convert).
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// Line breaks of the input (LF or CRLF) stay line breaks; a bare CR and
// every other control or 8-bit byte is encoded.
std::string encodeQuotedPrintable(std::string_view text);

// True when the text can travel as 7bit as it is: printable US-ASCII, tab
// and line breaks only, no line over 998 octets (RFC 5322 §2.1.1).
bool isSevenBitText(std::string_view text);
} // namespace dmarc
