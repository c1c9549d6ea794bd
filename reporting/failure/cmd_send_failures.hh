// cmd_send_failures.hh: the `dmarc-reports send-failures` subcommand
// (DMARC failure reports, RFC 9991). argv[0] is "send-failures"; returns a
// sysexits.h status.
#pragma once

namespace dmarc
{
int sendFailuresCommand(int argc, char** argv);
} // namespace dmarc
