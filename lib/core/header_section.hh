// header_section.hh: the message's header section as the milter receives
// it field by field, kept for a failure report (RFC 9991: the reported
// message's header section as text/rfc822-headers).
//
// Pure. Trusts nothing in the fields but bounds them: whole fields are kept
// until the next would pass the limit; then the section is marked
// truncated and nothing more is added, so memory per message never exceeds
// the limit however many or large the fields are.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace dmarc
{
class HeaderSection
{
public:
  explicit HeaderSection(std::size_t limit) : d_limit(limit) {}

  // One field as the session gets it: the name, and the value as written
  // after the colon (its leading space included, SMFIP_HDR_LEADSPC; folded
  // lines inside end in LF or CRLF). Stored as "name:value\n" with LF line
  // ends, which is the field as received.
  void add(std::string_view name, std::string_view value);

  const std::string& text() const { return d_text; }
  bool truncated() const { return d_truncated; }
  std::string take() { return std::move(d_text); }

private:
  std::size_t d_limit;
  std::string d_text;
  bool d_truncated = false;
};
} // namespace dmarc
