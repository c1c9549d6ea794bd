// cmd_summary.hh: `dmarc-reports summary`: what the stored data says about
// our domains over a period: from the DMARC aggregate reports other
// receivers sent us, pass rates by source and by reporter and the sources
// failing alignment; from TLS-RPT reports, failures by type and MX; and from
// our own verdicts, the TLS of inbound sessions per day and sending domain
// (share over TLS, protocol versions, ciphers, certificate verification, the
// domains that sent in cleartext). Text by default, --json for machines.
//
// Trusts the command line and the database; values that came from reports
// or SMTP clients are printed sanitised (text) or JSON-escaped (--json).
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
int summaryCommand(const ReportArguments& args);
} // namespace dmarc
