// failure_condition.cc: fo= evaluation (RFC 9989 §4.7 "fo"; RFC 9991).
//
// Why these readings of the four options:
// - "0": every mechanism failed to produce an aligned pass, which is the
//   DMARC fail result itself.
// - "1": any mechanism produced something other than an aligned pass: SPF
//   did not give an aligned pass, or no DKIM signature did. A message can
//   pass DMARC and still be reported under fo=1.
// - "d": a signature "failed evaluation": it was checked and did not verify
//   (fail, permerror, or refused by local policy). A temporary error is not
//   an evaluation and neither is the absence of a signature.
// - "s": SPF evaluation failed: fail or permerror. softfail and neutral are
//   the domain owner's own "not sure", not failures.
#include "lib/core/failure_condition.hh"

namespace dmarc
{
FailureOptions parseFailureOptions(std::string_view fo)
{
  FailureOptions options;
  bool any = false;
  if (fo.ends_with(':')) {
    return FailureOptions{.allFailed = true};
  }
  while (!fo.empty()) {
    auto colon = fo.find(':');
    std::string_view option = fo.substr(0, colon);
    fo = colon == std::string_view::npos ? std::string_view() : fo.substr(colon + 1);
    if (option == "0") {
      options.allFailed = true;
    } else if (option == "1") {
      options.anyFailed = true;
    } else if (option == "d") {
      options.dkimFailed = true;
    } else if (option == "s") {
      options.spfFailed = true;
    } else {
      return FailureOptions{.allFailed = true};
    }
    any = true;
  }
  if (!any || (options.allFailed && options.anyFailed)) {
    return FailureOptions{.allFailed = true};
  }
  return options;
}

bool failureConditionMet(const FailureOptions& options, const Verdict& verdict)
{
  const bool aligned = verdict.dkimAligned || verdict.spfAligned;
  if (options.allFailed && !aligned) {
    return true;
  }
  if (options.anyFailed && !(verdict.dkimAligned && verdict.spfAligned)) {
    return true;
  }
  if (options.dkimFailed) {
    for (const auto& signature : verdict.dkim) {
      if (signature.result == DkimResult::Fail || signature.result == DkimResult::Permerror ||
          signature.result == DkimResult::Policy) {
        return true;
      }
    }
  }
  return options.spfFailed &&
         (verdict.spf.result == SpfResult::Fail || verdict.spf.result == SpfResult::Permerror);
}

bool failureReportRequested(const Verdict& verdict)
{
  if (!verdict.policy || verdict.policy->ruf.empty()) {
    return false;
  }
  if (verdict.result != DmarcResult::Pass && verdict.result != DmarcResult::Fail) {
    return false;
  }
  if (verdict.applied == Disposition::Tempfail) {
    return false;
  }
  return failureConditionMet(parseFailureOptions(verdict.policy->fo), verdict);
}
} // namespace dmarc
