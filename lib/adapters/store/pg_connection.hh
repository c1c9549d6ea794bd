// pg_connection.hh: turning the configured `Database` setting into a libpq
// connection string, and into a form safe to log.
//
// Trust: the connection string and the password file come from the
// administrator. The password is never logged: every log line about a
// connection uses redactedConnectionString(), which prints password=<HIDDEN>.
// Without a password file, libpq's own PGPASSFILE / ~/.pgpass lookup applies.
#pragma once

#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <pqxx/connection>

namespace dmarc
{
// The connection string with the password from `passwordFile` (its first
// line, without the line end) added, rebuilt in key='value' form so that
// URIs and key=value strings both work. Throws ConfigError when the string
// does not parse or the file cannot be read. Empty passwordFile: returns
// the string unchanged.
std::string pgConnectionString(const std::string& connection, const std::string& passwordFile);

// Whether the connection string itself holds a password (password=..., or
// a URI's user:password@). False for a string that does not parse.
bool pgConnectionHasPassword(const std::string& connection);

// The connection string with any password replaced by <HIDDEN>, for logs.
// Never throws; a string that does not parse is shown as "<unparsable>".
std::string redactedConnectionString(const std::string& connection);

// libpq's (or the server's) reason for a failure, made fit for one log or
// terminal line: its lines (libpq writes one per address tried, the server
// adds DETAIL, HINT and LINE) joined with "; ", runs of white space
// collapsed, other control bytes and non-ASCII shown as '?', at most 600
// bytes, and the password of `connection`, if it has one, replaced by
// <HIDDEN> should any part of the text repeat it.
std::string pgErrorText(std::string_view what, const std::string& connection = {});

// Where a connection goes, for a message: the redacted string, or for an
// empty one what libpq falls back to.
std::string pgConnectionTarget(const std::string& connection);

// "cannot connect to the database (TARGET): REASON", the one message every
// program prints when pgConnect fails.
std::string pgConnectFailure(const std::string& connection, const std::exception& error);

// Opens a connection (pqxx::broken_connection when the server is down).
// application_name is set to `application` unless the string sets it.
std::unique_ptr<pqxx::connection> pgConnect(const std::string& connection,
                                            const std::string& passwordFile,
                                            const std::string& application);
} // namespace dmarc
