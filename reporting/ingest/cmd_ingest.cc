// cmd_ingest.cc: the `ingest` subcommand; see cmd_ingest.hh.
#include "reporting/ingest/cmd_ingest.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <sys/stat.h>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/ingest/ingestor.hh"
#include "reporting/ingest/pg_ingest_store.hh"

namespace dmarc
{
namespace
{
const char* const s_usage =
    "usage: dmarc-reports ingest [--database CONNINFO] [--password-file FILE] [--dry-run] [-v]\n"
    "                            [--dns-server ADDR[@PORT]]... [--no-tlsrpt-dkim]\n"
    "                            [--maildir DIR]... [FILE...]\n"
    "Reads one report e-mail on standard input when no FILE or --maildir is given.\n"
    "TLS-RPT reports that come by mail need a valid DKIM signature of the reporting\n"
    "domain (RFC 8460 section 5.3); --no-tlsrpt-dkim stores them without one.\n";

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
// name nothing. A database or configuration failure ends the run: its exit
// status.
std::optional<int> ingestAll(const IngestOptions& options, std::istream& in, std::ostream& out,
                             std::ostream& err, IngestCounters& counters)
{
  try {
    std::unique_ptr<pqxx::connection> db;
    std::unique_ptr<PgIngestStore> store;
    if (!options.dryRun) {
      db = pgConnect(options.database, options.passwordFile, "dmarc-reports ingest");
      store = std::make_unique<PgIngestStore>(*db);
    }
    Ingestor ingestor(options, store.get(), out, err);
    if (options.files.empty() && options.maildirs.empty() && !ingestor.ingestStdin(in)) {
      return EX_DATAERR;
    }
    for (const auto& file : options.files) {
      ingestor.ingestPath(file, false);
    }
    for (const auto& maildir : options.maildirs) {
      ingestor.ingestMaildir(maildir);
    }
    counters = ingestor.counters();
  } catch (const pqxx::broken_connection& error) {
    err << "dmarc-reports ingest: database unavailable: "
        << pgErrorText(error.what(), options.database) << "\n";
    return EX_TEMPFAIL;
  } catch (const pqxx::sql_error& error) {
    // A report the schema refuses after parsing is a bug on our side or a
    // schema that is not upgraded; the mail is kept (tempfail) either way.
    err << "dmarc-reports ingest: database error [" << error.sqlstate()
        << "]: " << pgErrorText(error.what(), options.database) << "\n";
    return EX_TEMPFAIL;
  } catch (const ConfigError& error) {
    err << "dmarc-reports ingest: " << error.what() << "\n";
    return EX_CONFIG;
  }
  return std::nullopt;
}
} // namespace

int runIngest(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
              std::ostream& err)
{
  IngestOptions options;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const char* name) -> const std::string* {
      if (i + 1 >= args.size()) {
        err << "dmarc-reports ingest: " << name << " needs a value\n" << s_usage;
        return nullptr;
      }
      return &args[++i];
    };
    if (arg == "--database" || arg == "--password-file" || arg == "--maildir" ||
        arg == "--dns-server") {
      const std::string* given = value(arg.c_str());
      if (given == nullptr) {
        return EX_USAGE;
      }
      if (arg == "--database") {
        options.database = *given;
      } else if (arg == "--password-file") {
        options.passwordFile = *given;
      } else if (arg == "--dns-server") {
        try {
          (void)parseNameserver(*given);
        } catch (const ConfigError& error) {
          err << "dmarc-reports ingest: --dns-server: " << error.what() << "\n" << s_usage;
          return EX_USAGE;
        }
        options.dns.nameservers.push_back(*given);
      } else {
        options.maildirs.push_back(*given);
      }
    } else if (arg == "--no-tlsrpt-dkim") {
      options.tlsrptDkim = false;
    } else if (arg == "--dry-run") {
      options.dryRun = true;
    } else if (arg == "-v" || arg == "--verbose") {
      options.verbose = true;
    } else if (arg == "-h" || arg == "--help") {
      out << s_usage;
      return EX_OK;
    } else if (!arg.empty() && arg[0] == '-' && arg != "-") {
      err << "dmarc-reports ingest: unknown option " << printableAscii(arg, g_maxShownText) << "\n"
          << s_usage;
      return EX_USAGE;
    } else {
      options.files.push_back(arg);
    }
  }

  if (options.database.empty()) {
    // The same fallback as every dmarc-reports subcommand.
    if (const char* fromEnvironment = std::getenv("DMARC_DATABASE")) {
      options.database = fromEnvironment;
    }
  }
  IngestCounters counters;
  if (const auto failed = ingestAll(options, in, out, err, counters)) {
    return *failed;
  }
  return exitStatus(options, counters, err);
}

int ingestCommand(int argc, char** argv)
{
  const std::vector<std::string> args(argv + 1, argv + argc);
  return runIngest(args, std::cin, std::cout, std::cerr);
}
} // namespace dmarc
