// pg_connection.cc: connection strings through libpq's own parser
// (PQconninfoParse), so quoting and URIs follow libpq exactly.
#include "lib/adapters/store/pg_connection.hh"

#include <libpq-fe.h>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
using ConninfoPtr = CHandle<PQconninfoOption, &PQconninfoFree>;

// libpq quotes pieces of the string it could not parse ("missing "=" after
// "..."), and such a piece may be a password: keep only one-byte quotes.
std::string hideQuoted(const std::string& message)
{
  std::string out;
  std::size_t position = 0;
  while (position < message.size()) {
    auto open = message.find('"', position);
    auto close = open == std::string::npos ? open : message.find('"', open + 1);
    if (close == std::string::npos) {
      out += message.substr(position);
      break;
    }
    out += message.substr(position, open - position);
    out += close - open == 2 ? message.substr(open, 3) : std::string("\"...\"");
    position = close + 1;
  }
  return out;
}

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
    throw ConfigError("Database connection string does not parse: " + hideQuoted(message));
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

} // namespace

std::string pgConnectionString(const std::string& connection, const std::string& passwordFile)
{
  if (passwordFile.empty()) {
    return connection;
  }
  auto options = parse(connection);
  std::string password = readSecretLine(passwordFile, "database password file");
  return rebuild(options.get(), &password, nullptr);
}

bool pgConnectionHasPassword(const std::string& connection)
{
  try {
    auto options = parse(connection);
    for (const auto* option = options.get(); option->keyword != nullptr; ++option) {
      if (std::string_view(option->keyword) == "password" && option->val != nullptr &&
          option->val[0] != '\0') {
        return true;
      }
    }
  } catch (const std::exception&) {
  }
  return false;
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

std::string pgErrorText(std::string_view what, const std::string& connection)
{
  static constexpr std::size_t s_maxLength = 600;
  std::string password;
  if (!connection.empty()) {
    try {
      auto options = parse(connection);
      for (const auto* option = options.get(); option->keyword != nullptr; ++option) {
        if (option->val != nullptr && std::string_view(option->keyword) == "password") {
          password = option->val;
        }
      }
    } catch (const std::exception&) {
      // Nothing to hide that libpq could have read.
    }
  }
  std::string text(what);
  if (!password.empty()) {
    for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at)) {
      text.replace(at, password.size(), "<HIDDEN>");
      at += 8;
    }
  }
  std::string out;
  bool pendingBreak = false, pendingSpace = false;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      pendingBreak = !out.empty();
      pendingSpace = false;
    } else if (c == ' ' || c == '\t') {
      pendingSpace = !out.empty();
    } else {
      if (pendingBreak) {
        out += "; ";
      } else if (pendingSpace) {
        out += ' ';
      }
      pendingBreak = pendingSpace = false;
      auto byte = static_cast<unsigned char>(c);
      out += byte >= 0x20 && byte < 0x7f ? c : '?';
    }
    if (out.size() > s_maxLength) {
      out.resize(s_maxLength);
      out += "...";
      break;
    }
  }
  return out.empty() ? std::string("no reason given") : out;
}

std::string pgConnectionTarget(const std::string& connection)
{
  if (connection.empty()) {
    return "libpq's defaults: PGHOST, PGDATABASE, PGUSER or the local socket, "
           "database and user named like this user";
  }
  return redactedConnectionString(connection);
}

std::string pgConnectFailure(const std::string& connection, const std::exception& error)
{
  return "cannot connect to the database (" + pgConnectionTarget(connection) +
         "): " + pgErrorText(error.what(), connection);
}

std::unique_ptr<pqxx::connection> pgConnect(const std::string& connection,
                                            const std::string& passwordFile,
                                            const std::string& application)
{
  auto options = parse(pgConnectionString(connection, passwordFile));
  return std::make_unique<pqxx::connection>(rebuild(options.get(), nullptr, &application));
}
} // namespace dmarc
