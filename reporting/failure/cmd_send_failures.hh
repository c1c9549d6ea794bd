// cmd_send_failures.hh: the `dmarc-reports send-failures` subcommand
// (DMARC failure reports, RFC 9991). argv[0] is "send-failures"; returns a
// sysexits.h status.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
int sendFailuresCommand(const ReportArguments& args);
} // namespace dmarc
