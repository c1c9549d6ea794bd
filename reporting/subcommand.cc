// subcommand.cc: see subcommand.hh.
#include "reporting/subcommand.hh"

#include <exception>
#include <iostream>

#include <pqxx/except>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"

namespace dmarc
{
std::string commandLabel(ReportCommand command)
{
  return "dmarc-reports " + std::string(reportCommands()[static_cast<unsigned>(command)].name);
}

std::unique_ptr<pqxx::connection> connectDatabase(const ReportArguments& args)
{
  const std::string& database = args.text(ReportOption::Database);
  try {
    return pgConnect(database, args.text(ReportOption::PasswordFile), commandLabel(args.command()));
  } catch (const pqxx::broken_connection& error) {
    throw DatabaseUnreachable(pgConnectFailure(database, error));
  }
}

int failureStatus(const ReportArguments& args, const FailureStatuses& statuses)
{
  const std::string& database = args.text(ReportOption::Database);
  std::ostream& err = std::cerr;
  err << commandLabel(args.command()) << ": ";
  try {
    throw;
  } catch (const UsageError& error) {
    err << error.what() << " (see " << commandLabel(args.command()) << " --help)\n";
    return EX_USAGE;
  } catch (const DatabaseUnreachable& error) {
    err << error.what() << "\n";
    return statuses.unavailable;
  } catch (const ConfigError& error) {
    err << error.what() << "\n";
    return EX_CONFIG;
  } catch (const pqxx::broken_connection& error) {
    err << "lost the database connection: " << pgErrorText(error.what(), database) << "\n";
    return statuses.unavailable;
  } catch (const pqxx::sql_error& error) {
    err << "database error [" << error.sqlstate() << "]: " << pgErrorText(error.what(), database)
        << "\n";
    return statuses.databaseError;
  } catch (const Error& error) {
    err << printableAscii(error.what(), 500) << "\n";
    return statuses.error;
  } catch (const std::exception& error) {
    err << printableAscii(error.what(), 500) << "\n";
    return EX_SOFTWARE;
  } catch (...) {
    err << "unknown error\n";
    return EX_SOFTWARE;
  }
}
} // namespace dmarc
