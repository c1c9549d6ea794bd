// header_counts.cc: RFC 5322 §3.6 field counts (see header_counts.hh).
#include "lib/core/header_counts.hh"

#include "lib/core/ascii_text.hh"
#include "lib/core/header_name.hh"

namespace dmarc
{
namespace
{
// RFC 5322 §3.6: the fields that may appear at most once; the first two
// (Date and From) must appear exactly once.
constexpr std::string_view s_singletons[] = {"date",        "from",       "sender", "reply-to",
                                             "to",          "cc",         "bcc",    "message-id",
                                             "in-reply-to", "references", "subject"};
constexpr std::size_t s_required = 2;
} // namespace

void HeaderCounts::add(std::string_view name)
{
  for (std::size_t i = 0; i < d_counts.size(); ++i) {
    if (isFieldNamed(name, s_singletons[i])) {
      ++d_counts[i];
      return;
    }
  }
}

std::string HeaderCounts::problem() const
{
  for (std::size_t i = 0; i < d_counts.size(); ++i) {
    if (d_counts[i] > 1 || (i < s_required && d_counts[i] == 0)) {
      return std::string(s_singletons[i]) + " count " + std::to_string(d_counts[i]);
    }
  }
  return {};
}
} // namespace dmarc
