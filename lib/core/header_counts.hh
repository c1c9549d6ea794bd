// header_counts.hh: how often a message carries each header field that RFC
// 5322 §3.6 allows at most once (RequiredHeaders), and the rule on them.
//
// Pure, and small: one counter per field name, whatever the message holds.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace dmarc
{
class HeaderCounts
{
public:
  // Counts the field when it is one of RFC 5322's singletons; name in any case.
  void add(std::string_view name);
  // "" when From and Date appear exactly once and no other singleton twice;
  // otherwise the first field that breaks it, e.g. "from count 2".
  std::string problem() const;

private:
  std::array<unsigned, 11> d_counts{};
};
} // namespace dmarc
