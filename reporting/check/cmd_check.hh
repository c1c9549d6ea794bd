// cmd_check.hh: `dmarc-reports check DOMAIN...`: checks the published
// posture of our own domains (DMARC, SPF, MX, MTA-STS, STARTTLS, TLS-RPT)
// and explains each problem in plain words; `--suggest` prints the MTA-STS
// policy and DNS records to publish. Trusts the command line; everything
// read from DNS and from the servers is untrusted (see posture_check.hh).
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
// Exit status: 0 no problem, 1 warnings only, 2 at least one error,
// EX_USAGE (64) or EX_CONFIG (78) for a bad command line.
int checkCommand(const ReportArguments& args);
} // namespace dmarc
