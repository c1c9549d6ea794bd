// cmd_expire.hh: `dmarc-reports expire`, retention of the verdict history.
// Deletes verdict rows older than --max-age days in small batches, each its
// own short transaction, so that the milters' inserts are never blocked.
// Trusts the command line and the database.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
// argv[0] is "expire"; returns a sysexits.h status.
int expireCommand(const ReportArguments& args);
} // namespace dmarc
