// main.cc: dmarc-reports, the batch tool of dmarc-milter (aggregate reports,
// ingestion, checks, retention, schema). Only dispatch happens here: each
// subcommand is one line of s_subcommands and lives in reporting/cmd_<name>.cc.
// Trusts the command line; no exception escapes main.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <exception>
#include <iostream>
#include <sysexits.h>

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
// To add a subcommand: include its header above and add one line here.
constexpr dmarc::Subcommand s_subcommands[] = {
    {"db",
     "db upgrade|version|partitions: apply the schema migrations / show the schema version / "
     "create the coming days' verdict partitions",
     &dmarc::dbCommand},
    {"expire", "drop the stored verdicts of the days older than --max-age days",
     &dmarc::expireCommand},
    {"send", "build the aggregate reports of an interval and mail them (rua)", &dmarc::sendCommand},
    {"send-failures", "mail the failure reports (ruf) of stored failure samples, within caps",
     &dmarc::sendFailuresCommand},
    {"ingest",
     "store received DMARC aggregate and TLS-RPT reports (mail on stdin, files, Maildirs)",
     &dmarc::ingestCommand},
    {"check", "check our domains' DMARC, SPF, MX, MTA-STS, STARTTLS and TLS-RPT; --suggest",
     &dmarc::checkCommand},
    {"summary",
     "pass rates, failing sources, TLS-RPT failures and inbound TLS over a period; --json",
     &dmarc::summaryCommand},
    {"overview", "one HTML page of charts and tables: reports, verdicts, TLS, posture",
     &dmarc::overviewCommand},
};

void usage(std::ostream& out)
{
  std::size_t width = 0;
  for (const auto& subcommand : s_subcommands) {
    width = std::max(width, subcommand.name.size());
  }
  out << "usage: dmarc-reports SUBCOMMAND [OPTIONS]   (SUBCOMMAND --help for its options)\n"
         "subcommands:\n";
  for (const auto& subcommand : s_subcommands) {
    out << "  " << subcommand.name << std::string(width + 2 - subcommand.name.size(), ' ')
        << subcommand.summary << "\n";
  }
}
} // namespace

int main(int argc, char** argv)
{
  if (argc < 2) {
    usage(std::cerr);
    return EX_USAGE;
  }
  std::string_view name = argv[1];
  if (name == "-h" || name == "--help" || name == "help") {
    usage(std::cout);
    return EX_OK;
  }
  if (name == "--version") {
    std::cout << "dmarc-reports " << dmarc::g_productVersion << "\n";
    return EX_OK;
  }
  // Broken pipes (a sendmail that died, a relay, MX or HTTPS server that
  // hung up while OpenSSL wrote to it) are errors returned by write(), not
  // a signal that ends the run: `check` probes servers that may do anything.
  std::signal(SIGPIPE, SIG_IGN);
  // The subcommands read a private copy: the process's own arguments are
  // what ps shows, and lose any database password.
  dmarc::CommandLineCopy args(argc, argv);
  dmarc::hideDatabasePasswords(argc, argv, std::cerr);
  for (const auto& subcommand : s_subcommands) {
    if (subcommand.name == name) {
      try {
        return subcommand.run(args.argc() - 1, args.argv() + 1);
      } catch (const std::exception& error) {
        std::cerr << "dmarc-reports " << subcommand.name << ": " << error.what() << "\n";
      } catch (...) {
        std::cerr << "dmarc-reports " << subcommand.name << ": unknown error\n";
      }
      return EX_SOFTWARE;
    }
  }
  std::cerr << "dmarc-reports: unknown subcommand (see dmarc-reports --help)\n";
  return EX_USAGE;
}
