// arc_result.cc: names of the ARC chain validation results.
#include "lib/core/arc_result.hh"

#include "lib/core/ascii_text.hh"

namespace dmarc
{
std::string_view toString(ArcResult result)
{
  switch (result) {
  case ArcResult::None:
    return "none";
  case ArcResult::Pass:
    return "pass";
  case ArcResult::Fail:
    return "fail";
  case ArcResult::TempError:
    return "temperror";
  }
  return "fail";
}

std::optional<ArcResult> arcResultFromString(std::string_view text)
{
  for (ArcResult result :
       {ArcResult::None, ArcResult::Pass, ArcResult::Fail, ArcResult::TempError}) {
    if (equalsIgnoreCase(text, toString(result))) {
      return result;
    }
  }
  return std::nullopt;
}
} // namespace dmarc
