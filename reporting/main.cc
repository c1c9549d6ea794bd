// main.cc: dmarc-reports, the batch tool of dmarc-milter (aggregate reports,
// ingestion, checks, retention, schema). Only dispatch happens here: each
// subcommand is one line of s_subcommands and lives in reporting/[JOB/]cmd_<name>.cc;
// its options come from report_options.def.
// Trusts the command line; no exception escapes main.
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <sysexits.h>
#include <vector>

#include "lib/core/version.hh"
#include "reporting/aggregate/cmd_send.hh"
#include "reporting/argv_secrets.hh"
#include "reporting/check/cmd_check.hh"
#include "reporting/cmd_db.hh"
#include "reporting/cmd_expire.hh"
#include "reporting/failure/cmd_send_failures.hh"
#include "reporting/ingest/cmd_ingest.hh"
#include "reporting/overview/cmd_overview.hh"
#include "reporting/overview/cmd_summary.hh"
#include "reporting/subcommand.hh"

namespace
{
// To add a subcommand: a DM_REPORT_COMMAND line and its options in
// report_options.def, its header above and one line here.
constexpr dmarc::Subcommand s_subcommands[] = {
    {dmarc::ReportCommand::Db, &dmarc::dbCommand},
    {dmarc::ReportCommand::Expire, &dmarc::expireCommand},
    {dmarc::ReportCommand::Send, &dmarc::sendCommand},
    {dmarc::ReportCommand::SendFailures, &dmarc::sendFailuresCommand},
    // The MTA keeps the mail and retries while the database cannot be used.
    {dmarc::ReportCommand::Ingest, &dmarc::ingestCommand, {EX_TEMPFAIL, EX_TEMPFAIL, EX_SOFTWARE}},
    {dmarc::ReportCommand::Check, &dmarc::checkCommand},
    {dmarc::ReportCommand::Summary, &dmarc::summaryCommand},
    // Its own errors are the page it could not write.
    {dmarc::ReportCommand::Overview,
     &dmarc::overviewCommand,
     {EX_UNAVAILABLE, EX_SOFTWARE, EX_CANTCREAT}},
};

// The command line after the subcommand's name, read by the option table;
// --help, a usage error or the subcommand's own exit status.
int runSubcommand(const dmarc::Subcommand& subcommand, const std::vector<std::string>& args)
{
  dmarc::ReportArguments parsed;
  try {
    parsed = dmarc::parseReportArguments(subcommand.id, args, &std::getenv);
  } catch (const dmarc::UsageError& error) {
    std::cerr << dmarc::commandLabel(subcommand.id) << ": " << error.what() << " (see "
              << dmarc::commandLabel(subcommand.id) << " --help)\n";
    return EX_USAGE;
  }
  if (parsed.help()) {
    dmarc::printCommandHelp(subcommand.id, std::cout);
    return EX_OK;
  }
  try {
    return subcommand.run(parsed);
  } catch (...) {
    return dmarc::failureStatus(parsed, subcommand.failures);
  }
}
} // namespace

int main(int argc, char** argv)
{
  if (argc < 2) {
    dmarc::printReportUsage(std::cerr);
    return EX_USAGE;
  }
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    dmarc::printReportUsage(std::cout);
    return EX_OK;
  }
  if (name == "--version") {
    std::cout << "dmarc-reports " << dmarc::g_productVersion << "\n";
    return EX_OK;
  }
  if (name == "--man-options") {
    dmarc::printManOptions(std::cout);
    return EX_OK;
  }
  // Broken pipes (a sendmail that died, a relay, MX or HTTPS server that
  // hung up while OpenSSL wrote to it) are errors returned by write(), not
  // a signal that ends the run: `check` probes servers that may do anything.
  std::signal(SIGPIPE, SIG_IGN);
  // The subcommands read a private copy: the process's own arguments are
  // what ps shows, and lose any database password.
  const std::vector<std::string> args(argv + 2, argv + argc);
  dmarc::hideDatabasePasswords(argc, argv, std::cerr);
  const auto* command = dmarc::findReportCommand(name);
  if (command != nullptr) {
    for (const auto& subcommand : s_subcommands) {
      if (subcommand.id == command->id) {
        return runSubcommand(subcommand, args);
      }
    }
  }
  std::cerr << "dmarc-reports: unknown subcommand (see dmarc-reports --help)\n";
  return EX_USAGE;
}
