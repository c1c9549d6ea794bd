// failure_condition.hh: whether a message's verdict asks for a DMARC
// failure report (RFC 9991; the fo= and ruf= tags of RFC 9989 §4.7).
//
// Pure: a function of the stored Verdict. Trusts the Verdict (made by the
// engine); the fo text is the parser's normalised form ("0", "1", "d", "s",
// joined by ':'), and anything else there counts as the default "0".
#pragma once

#include <string_view>

#include "lib/core/verdict.hh"

namespace dmarc
{
// The fo= options as flags. 0 and 1 exclude each other in a valid record;
// d and s combine with either.
struct FailureOptions
{
  bool allFailed = false;  // fo=0: no mechanism gave an aligned pass (DMARC failed)
  bool anyFailed = false;  // fo=1: some mechanism gave no aligned pass
  bool dkimFailed = false; // fo=d: a DKIM signature failed to verify, aligned or not
  bool spfFailed = false;  // fo=s: SPF failed, aligned or not
};

// Reads a normalised fo value; an empty or unreadable one is fo=0, the
// default of RFC 9989 §4.7.
FailureOptions parseFailureOptions(std::string_view fo);

// True when the verdict's record has at least one ruf URI and one of its fo
// conditions holds. Only final outcomes are reported: no record, a
// temperror or permerror, or a tempfailed message (it comes back and is
// judged again) never are.
bool failureReportRequested(const Verdict& verdict);

// The fo condition alone (without the ruf and final-outcome checks).
bool failureConditionMet(const FailureOptions& options, const Verdict& verdict);
} // namespace dmarc
