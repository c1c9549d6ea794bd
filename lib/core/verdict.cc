// verdict.cc: the spellings of verdict values, as used in Authentication-Results,
// logs, the database and the aggregate report XML.
// Pure: no I/O.
#include "lib/core/verdict.hh"

namespace dmarc
{
std::string_view toString(DmarcResult value)
{
  switch (value) {
  case DmarcResult::None:
    return "none";
  case DmarcResult::Pass:
    return "pass";
  case DmarcResult::Fail:
    return "fail";
  case DmarcResult::Temperror:
    return "temperror";
  case DmarcResult::Permerror:
    return "permerror";
  }
  return "none";
}

std::string_view toString(Policy value)
{
  switch (value) {
  case Policy::None:
    return "none";
  case Policy::Quarantine:
    return "quarantine";
  case Policy::Reject:
    return "reject";
  }
  return "none";
}

std::string_view toString(PolicyTag value)
{
  switch (value) {
  case PolicyTag::P:
    return "p";
  case PolicyTag::Sp:
    return "sp";
  case PolicyTag::Np:
    return "np";
  }
  return "p";
}

std::string_view toString(Disposition value)
{
  switch (value) {
  case Disposition::None:
    return "none";
  case Disposition::Pass:
    return "pass";
  case Disposition::Quarantine:
    return "quarantine";
  case Disposition::Reject:
    return "reject";
  case Disposition::Tempfail:
    return "tempfail";
  }
  return "none";
}

std::string_view toString(OverrideReason value)
{
  switch (value) {
  case OverrideReason::LocalPolicy:
    return "local_policy";
  case OverrideReason::MailingList:
    return "mailing_list";
  case OverrideReason::TrustedForwarder:
    return "trusted_forwarder";
  case OverrideReason::PolicyTestMode:
    return "policy_test_mode";
  case OverrideReason::Other:
    return "other";
  case OverrideReason::Forwarded:
    return "forwarded";
  case OverrideReason::SampledOut:
    return "sampled_out";
  }
  return "other";
}

std::string_view toString(DiscoveryMethod value)
{
  return value == DiscoveryMethod::Psl ? "psl" : "treewalk";
}

std::string_view toString(AlignmentMode value)
{
  return value == AlignmentMode::Strict ? "s" : "r";
}

std::string_view toString(PsdFlag value)
{
  switch (value) {
  case PsdFlag::Unknown:
    return "u";
  case PsdFlag::Yes:
    return "y";
  case PsdFlag::No:
    return "n";
  }
  return "u";
}
} // namespace dmarc
