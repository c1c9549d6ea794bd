// cmd_ingest.cc: the `ingest` subcommand; see cmd_ingest.hh.
#include "reporting/ingest/cmd_ingest.hh"

#include <iostream>
#include <memory>
#include <optional>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "reporting/ingest/ingestor.hh"
#include "reporting/ingest/pg_ingest_store.hh"
#include "reporting/subcommand.hh"

namespace dmarc
{
namespace
{
// The run's counts on standard error when something went wrong (or -v),
// and the exit status: the MTA and cron read it, so the worst outcome wins.
int exitStatus(const IngestOptions& options, const IngestCounters& counters, std::ostream& err)
{
  if (options.verbose || counters.rejected > 0 || counters.unreadable > 0 || counters.unmoved > 0 ||
      counters.deferred > 0) {
    err << "ingest: stored=" << counters.stored << " duplicates=" << counters.duplicates
        << " rejected=" << counters.rejected << " unreadable=" << counters.unreadable;
    if (!options.maildirs.empty()) {
      err << " seen_before=" << counters.skipped << " unmoved=" << counters.unmoved;
    }
    if (counters.deferred > 0) {
      err << " deferred=" << counters.deferred;
    }
    err << "\n";
  }
  if (counters.unreadable > 0) {
    return EX_NOINPUT;
  }
  if (counters.deferred > 0) {
    return EX_TEMPFAIL; // the MTA keeps the mail and retries; a Maildir keeps it in place
  }
  if (counters.unmoved > 0) {
    return EX_IOERR;
  }
  return counters.rejected > 0 ? EX_DATAERR : EX_OK;
}

// Everything the options name, or the message on standard input when they
// name nothing. A database failure ends the run (its exit status is
// EX_TEMPFAIL, reporting/main.cc: the MTA keeps the mail); returns
// EX_DATAERR when standard input was too large, else std::nullopt.
std::optional<int> ingestAll(Ingestor& ingestor, const IngestOptions& options, std::istream& in)
{
  if (options.files.empty() && options.maildirs.empty() && !ingestor.ingestStdin(in)) {
    return EX_DATAERR;
  }
  for (const auto& file : options.files) {
    ingestor.ingestPath(file, false);
  }
  for (const auto& maildir : options.maildirs) {
    ingestor.ingestMaildir(maildir);
  }
  return std::nullopt;
}
} // namespace

int ingestCommand(const ReportArguments& args)
{
  IngestOptions options;
  options.database = args.text(ReportOption::Database);
  options.passwordFile = args.text(ReportOption::PasswordFile);
  options.dryRun = args.flag(ReportOption::IngestDryRun);
  options.verbose = args.flag(ReportOption::Verbose);
  options.files = args.operands();
  options.maildirs = args.list(ReportOption::Maildir);
  options.dns.nameservers = args.list(ReportOption::DnsServer);
  options.tlsrptDkim = !args.flag(ReportOption::NoTlsrptDkim);
  std::unique_ptr<pqxx::connection> db;
  std::unique_ptr<PgIngestStore> store;
  if (!options.dryRun) {
    db = connectDatabase(args);
    store = std::make_unique<PgIngestStore>(*db);
  }
  Ingestor ingestor(options, store.get(), std::cout, std::cerr);
  if (const auto failed = ingestAll(ingestor, options, std::cin)) {
    return *failed;
  }
  return exitStatus(options, ingestor.counters(), std::cerr);
}
} // namespace dmarc
