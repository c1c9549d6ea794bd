// auth_result_names.cc: the RFC 8601 spellings of SPF and DKIM results.
// Pure: no I/O.
#include <array>
#include <utility>

#include "lib/core/dkim_result.hh"
#include "lib/core/spf_result.hh"

namespace dmarc
{
namespace
{
constexpr std::array<std::pair<SpfResult, std::string_view>, 7> s_spfNames{{
    {SpfResult::None, "none"},
    {SpfResult::Neutral, "neutral"},
    {SpfResult::Pass, "pass"},
    {SpfResult::Fail, "fail"},
    {SpfResult::Softfail, "softfail"},
    {SpfResult::Temperror, "temperror"},
    {SpfResult::Permerror, "permerror"},
}};

constexpr std::array<std::pair<DkimResult, std::string_view>, 7> s_dkimNames{{
    {DkimResult::None, "none"},
    {DkimResult::Pass, "pass"},
    {DkimResult::Fail, "fail"},
    {DkimResult::Policy, "policy"},
    {DkimResult::Neutral, "neutral"},
    {DkimResult::Temperror, "temperror"},
    {DkimResult::Permerror, "permerror"},
}};
} // namespace

std::string_view toString(SpfResult result)
{
  for (const auto& [value, name] : s_spfNames) {
    if (value == result) {
      return name;
    }
  }
  return "none";
}

std::string_view toString(SpfScope scope)
{
  return scope == SpfScope::Helo ? "helo" : "mfrom";
}

std::optional<SpfResult> spfResultFromString(std::string_view text)
{
  for (const auto& [value, name] : s_spfNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}

std::string_view toString(DkimResult result)
{
  for (const auto& [value, name] : s_dkimNames) {
    if (value == result) {
      return name;
    }
  }
  return "none";
}

std::optional<DkimResult> dkimResultFromString(std::string_view text)
{
  for (const auto& [value, name] : s_dkimNames) {
    if (name == text) {
      return value;
    }
  }
  return std::nullopt;
}
} // namespace dmarc
