// cmd_send.hh: the `dmarc-reports send` subcommand (aggregate reports).
// argv[0] is "send"; returns a sysexits.h status.
#pragma once

namespace dmarc
{
int sendCommand(int argc, char** argv);
} // namespace dmarc
