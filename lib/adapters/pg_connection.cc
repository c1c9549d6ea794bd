// pg_connection.cc: connection strings through libpq's own parser
// (PQconninfoParse), so quoting and URIs follow libpq exactly.
#include "lib/adapters/pg_connection.hh"

#include <fstream>
#include <libpq-fe.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using ConninfoPtr = CHandle<PQconninfoOption, &PQconninfoFree>;

ConninfoPtr parse(const std::string& connection)
{
  char* error = nullptr;
  ConninfoPtr options(PQconninfoParse(connection.c_str(), &error));
  if (!options) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
      message.pop_back();
    }
    throw ConfigError("Database connection string does not parse: " + message);
  }
  return options;
}

void appendQuoted(std::string& out, std::string_view keyword, std::string_view value)
{
  if (!out.empty()) {
    out += ' ';
  }
  out += keyword;
  out += "='";
  for (char c : value) {
    if (c == '\'' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '\'';
}

// Rebuilds a connection string from parsed options, replacing (or adding)
// the password with `password` when it is set.
std::string rebuild(const PQconninfoOption* options, const std::string* password,
                    const std::string* application)
{
  std::string out;
  bool hasApplication = false;
  for (const auto* option = options; option->keyword != nullptr; ++option) {
    std::string_view keyword = option->keyword;
    if (keyword == "password" && password != nullptr) {
      continue;
    }
    if (option->val == nullptr) {
      continue;
    }
    hasApplication = hasApplication || keyword == "application_name";
    appendQuoted(out, keyword, option->val);
  }
  if (password != nullptr) {
    appendQuoted(out, "password", *password);
  }
  if (application != nullptr && !hasApplication && !application->empty()) {
    appendQuoted(out, "application_name", *application);
  }
  return out;
}

std::string readPassword(const std::string& path)
{
  std::ifstream in(path);
  if (!in) {
    throw ConfigError("cannot read the database password file " + path);
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}
} // namespace

std::string pgConnectionString(const std::string& connection, const std::string& passwordFile)
{
  if (passwordFile.empty()) {
    return connection;
  }
  auto options = parse(connection);
  std::string password = readPassword(passwordFile);
  return rebuild(options.get(), &password, nullptr);
}

std::string redactedConnectionString(const std::string& connection)
{
  try {
    auto options = parse(connection);
    std::string out;
    for (const auto* option = options.get(); option->keyword != nullptr; ++option) {
      if (option->val == nullptr) {
        continue;
      }
      std::string_view keyword = option->keyword;
      appendQuoted(out, keyword, keyword == "password" ? "<HIDDEN>" : option->val);
    }
    return out;
  } catch (const std::exception&) {
    return "<unparsable>";
  }
}

std::unique_ptr<pqxx::connection> pgConnect(const std::string& connection,
                                            const std::string& passwordFile,
                                            const std::string& application)
{
  auto options = parse(pgConnectionString(connection, passwordFile));
  return std::make_unique<pqxx::connection>(rebuild(options.get(), nullptr, &application));
}
} // namespace dmarc
