// local_part_redaction.hh: replaces the local parts of mail addresses in a
// failure report by a keyed hash (RFC 9991 "Privacy Considerations"), so
// that the domain owner can still see that two reports concern the same
// mailbox without learning which one.
//
// Pure: the keyed hash is injected (reporting/failure/keyed_hash.hh gives
// HMAC-SHA256 under the site's secret). Trusts nothing in the text: it is
// the header section of a hostile message. Finds every addr-spec (dot-atom
// or quoted local part before '@' and a domain), and every further
// occurrence, in any case and as a word of its own (not inside a longer
// atom such as a domain name), of a local part it found or was told about
// of s_minFreeLocalPart characters or more (Subjects and comments often
// repeat it).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
// Shorter local parts are replaced only inside addresses: "al" would
// otherwise eat every "al" of the text.
inline constexpr std::size_t s_minFreeLocalPart = 3;

class LocalPartRedactor
{
public:
  // keyedHash returns raw digest bytes (at least 10) of its input.
  using KeyedHash = std::function<std::string(std::string_view)>;
  explicit LocalPartRedactor(KeyedHash keyedHash);

  // The stand-in of one local part: "redacted-" and 20 hex digits of the
  // keyed hash of the local part in lower case (an atext string, so the
  // result is still a valid address).
  std::string token(std::string_view localPart) const;
  // "local@domain" -> "<token>@domain"; an address without '@' (or empty,
  // the null reverse-path) is returned as it is when empty, as one token
  // otherwise.
  std::string address(std::string_view address) const;
  // The text with every addr-spec's local part, and every occurrence of a
  // known local part (those found plus `known`), replaced by its token.
  std::string text(std::string_view text, const std::vector<std::string>& known = {}) const;

private:
  KeyedHash d_keyedHash;
};

// The local part of an address (before the last '@'); the whole text when
// it has none.
std::string_view localPartOf(std::string_view address);
} // namespace dmarc
