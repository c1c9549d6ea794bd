// message_identity.cc: see the header.
#include "lib/core/message_identity.hh"

#include <algorithm>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// Bounds what a hostile message makes us keep: longer values are cut
// (two values that differ only past this are one identity), further
// recipients ignored. Far above what real mail carries.
constexpr std::size_t s_maxValue = 998; // RFC 5322 §2.1.1 line limit
constexpr std::size_t s_maxRecipients = 1000;

// A field value as the same message carries it every time: unfolded
// (CR and LF dropped) and trimmed.
std::string normalized(std::string_view value)
{
  std::string out;
  value = trimSpace(value);
  out.reserve(std::min(value.size(), s_maxValue));
  for (char c : value) {
    if (c != '\r' && c != '\n') {
      out.push_back(c);
      if (out.size() == s_maxValue) {
        break;
      }
    }
  }
  return out;
}

void putField(std::string& out, std::string_view field)
{
  out += std::to_string(field.size());
  out += ':';
  out += field;
}
} // namespace

void MessageIdentity::header(std::string_view name, std::string_view value)
{
  if (equalsIgnoreCase(name, "message-id")) {
    if (++d_messageIds == 1) {
      d_messageId = normalized(value);
    }
  } else if (equalsIgnoreCase(name, "date")) {
    if (!d_date) {
      d_date = normalized(value);
    }
  } else if (equalsIgnoreCase(name, "from")) {
    if (!d_from) {
      d_from = normalized(value);
    }
  }
}

void MessageIdentity::mailFrom(std::string_view address)
{
  d_mailFrom = normalized(address);
}

void MessageIdentity::recipient(std::string_view address)
{
  if (d_recipients.size() < s_maxRecipients) {
    d_recipients.push_back(normalized(address));
  }
}

std::optional<std::string> MessageIdentity::text(std::string_view clientIp) const
{
  if (d_messageIds != 1 || d_messageId.empty()) {
    return std::nullopt;
  }
  std::vector<std::string_view> recipients(d_recipients.begin(), d_recipients.end());
  std::sort(recipients.begin(), recipients.end());
  std::string out = "message identity 1";
  putField(out, d_messageId);
  // An absent field differs from an empty one.
  putField(out, d_date ? "+" + *d_date : std::string("-"));
  putField(out, d_from ? "+" + *d_from : std::string("-"));
  putField(out, d_mailFrom);
  putField(out, clientIp);
  out += std::to_string(recipients.size());
  for (auto recipient : recipients) {
    putField(out, recipient);
  }
  return out;
}

std::string MessageIdentity::keyFromDigest(const std::array<unsigned char, 32>& digest)
{
  std::array<unsigned char, 16> bytes{};
  std::copy_n(digest.begin(), bytes.size(), bytes.begin());
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0F) | 0x80); // version 8
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80); // RFC 9562 variant
  return uuidText(bytes.data());
}

std::string uuidText(const unsigned char* bytes)
{
  // RFC 9562 §4: the 16 bytes as 8-4-4-4-12 hex digits.
  static constexpr std::size_t s_groupBytes[] = {4, 2, 2, 2, 6};
  const std::string_view all(reinterpret_cast<const char*>(bytes), 16);
  std::string text;
  text.reserve(36);
  std::size_t at = 0;
  for (std::size_t size : s_groupBytes) {
    if (at > 0) {
      text += '-';
    }
    text += lowerHex(all.substr(at, size));
    at += size;
  }
  return text;
}
} // namespace dmarc
