// cmd_overview.hh: `dmarc-reports overview`: one self-contained HTML page
// (inline SVG charts, each with its table; no script, nothing fetched) of a
// period: our domains as others see them (ingested aggregate reports), the
// mail we judged (the milter's verdicts), transport (TLS-RPT reports and the
// TLS of our inbound sessions) and posture (the policies reports quoted).
// Days are those of the site's time zone. Written atomically (a temporary
// file renamed over the old page), for cron or a timer and a web server.
//
// Trusts the command line and the database schema; everything that came
// from reports, DNS or SMTP clients is escaped on the page.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
int overviewCommand(const ReportArguments& args);
} // namespace dmarc
