// cmd_send.hh: the `dmarc-reports send` subcommand (aggregate reports).
// argv[0] is "send"; returns a sysexits.h status.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
int sendCommand(const ReportArguments& args);
} // namespace dmarc
