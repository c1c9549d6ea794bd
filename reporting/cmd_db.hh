// cmd_db.hh: `dmarc-reports db upgrade|version`, the schema migrations of
// sql/ (see sql/README), run as the database owner, and `db partitions`,
// the verdict table's coming days, run daily as a member of dmarc_reports.
// Trusts the command line, the migration files and the database.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
// Returns a sysexits.h status: 0, EX_USAGE, EX_CONFIG (no
// migrations), EX_DATAERR (database newer than this program), EX_UNAVAILABLE
// (database unreachable), EX_SOFTWARE (a migration failed).
int dbCommand(const ReportArguments& args);
} // namespace dmarc
