// subcommand.hh: the shape of one `dmarc-reports` subcommand, as listed in
// the table of reporting/main.cc: it gets its options as typed values
// (report_options.hh), connects to the database the one way, and what goes
// wrong becomes an exit status in one place (the EXIT STATUS list of
// dmarc-reports(8)).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <sysexits.h>

#include <pqxx/connection>

#include "lib/core/error.hh"
#include "reporting/report_options.hh"

namespace dmarc
{
// The exit statuses of failures a subcommand may see differently: ingest
// tempfails on database trouble so that the MTA keeps the mail; overview's
// own errors are a page it could not write.
struct FailureStatuses
{
  int unavailable = EX_UNAVAILABLE; // the database cannot be reached or was lost
  int databaseError = EX_SOFTWARE;  // a statement failed
  int error = EX_SOFTWARE;          // dmarc::Error (not ConfigError)
};

struct Subcommand
{
  ReportCommand id;
  // Returns a sysexits.h status; what it throws goes to failureStatus().
  int (*run)(const ReportArguments& args);
  FailureStatuses failures{};
};

// The database cannot be reached: pgConnectFailure's one line.
class DatabaseUnreachable : public Error
{
public:
  using Error::Error;
};

// "dmarc-reports NAME" for messages and application_name.
std::string commandLabel(ReportCommand command);

// The --database and --password-file connection, application_name
// "dmarc-reports NAME"; throws DatabaseUnreachable.
std::unique_ptr<pqxx::connection> connectDatabase(const ReportArguments& args);

// Within a catch block: says what was thrown on standard error in one line
// and returns its exit status. UsageError 64, ConfigError 78, an
// unreachable or lost database statuses.unavailable, a failed statement
// statuses.databaseError, another Error statuses.error, anything else 70.
int failureStatus(const ReportArguments& args, const FailureStatuses& statuses = {});

// Runs `read` (the part of a subcommand that turns its options into
// settings): a ConfigError there (a bad value, an unreadable secret file)
// is a usage error.
template <typename Read>
auto readSettings(Read&& read) -> decltype(read())
{
  try {
    return read();
  } catch (const UsageError&) {
    throw;
  } catch (const ConfigError& error) {
    throw UsageError(error.what());
  }
}
} // namespace dmarc
