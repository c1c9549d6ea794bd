// pg_connection.hh: turning the configured `Database` setting into a libpq
// connection string, and into a form safe to log.
//
// Trust: the connection string and the password file come from the
// administrator. The password is never logged: every log line about a
// connection uses redactedConnectionString(), which prints password=<HIDDEN>.
// Without a password file, libpq's own PGPASSFILE / ~/.pgpass lookup applies.
#pragma once

#include <memory>
#include <string>

#include <pqxx/connection>

namespace dmarc
{
// The connection string with the password from `passwordFile` (its first
// line, without the line end) added, rebuilt in key='value' form so that
// URIs and key=value strings both work. Throws ConfigError when the string
// does not parse or the file cannot be read. Empty passwordFile: returns
// the string unchanged.
std::string pgConnectionString(const std::string& connection, const std::string& passwordFile);

// The connection string with any password replaced by <HIDDEN>, for logs.
// Never throws; a string that does not parse is shown as "<unparsable>".
std::string redactedConnectionString(const std::string& connection);

// Opens a connection (pqxx::broken_connection when the server is down).
// application_name is set to `application` unless the string sets it.
std::unique_ptr<pqxx::connection> pgConnect(const std::string& connection,
                                            const std::string& passwordFile,
                                            const std::string& application);
} // namespace dmarc
