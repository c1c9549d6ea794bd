// cmd_ingest.hh: `dmarc-reports ingest`, storing the DMARC aggregate and
// TLS-RPT reports that other receivers mail us.
//
// Inputs: one RFC 5322 message on standard input (so that Postfix can pipe
// report mail to it), or files and Maildir folders named as arguments.
// Maildir messages handled move from new/ to cur/ with the seen flag
// (maildir_name.hh), by rename(2), so each is read once.
// Each report is stored in one transaction or rejected with its reason
// (printed, and recorded in ingest_rejection). Trusts the command line and
// the database; everything read from mail is untrusted and bounded.
#pragma once

#include "reporting/report_options.hh"

namespace dmarc
{
// Exit status: 0 every report stored (or already stored), EX_DATAERR (65)
// some input or report rejected, EX_TEMPFAIL (75) the database could not be
// used (Postfix's pipe(8) then defers and retries the mail; the failure
// statuses of reporting/main.cc), EX_NOINPUT (66) an input could not be
// read, EX_IOERR (74) a handled Maildir message could not be moved to cur/.
int ingestCommand(const ReportArguments& args);
} // namespace dmarc
