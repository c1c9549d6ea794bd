// argv_secrets.cc: see argv_secrets.hh.
#include "reporting/argv_secrets.hh"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "lib/adapters/store/pg_connection.hh"

namespace dmarc
{
namespace
{
// Overwrites the NUL-terminated `value` in place with `shown`, cut to the
// value's length and padded with NULs, so that no byte of it survives.
void overwrite(char* value, const std::string& shown)
{
  const std::size_t length = std::strlen(value);
  std::memset(value, 0, length);
  std::memcpy(value, shown.data(), std::min(length, shown.size()));
}
} // namespace

int hideDatabasePasswords(int argc, char** argv, std::ostream& warnings)
{
  int hidden = 0;
  for (int i = 1; i < argc; ++i) {
    char* value = nullptr;
    std::string_view option;
    for (std::string_view name : {"--database", "--read-database"}) {
      std::string_view arg = argv[i];
      if (arg == name && i + 1 < argc) {
        value = argv[++i];
      } else if (arg.size() > name.size() && arg.starts_with(name) && arg[name.size()] == '=') {
        value = argv[i] + name.size() + 1;
      }
      if (value != nullptr) {
        option = name;
        break;
      }
    }
    if (value == nullptr || !pgConnectionHasPassword(value)) {
      continue;
    }
    ++hidden;
    overwrite(value, redactedConnectionString(value));
    warnings << "dmarc-reports: warning: the " << option
             << " string holds a password, which other "
                "local users can read (ps, /proc); give it in a file instead: --password-file "
                "FILE, passfile=FILE in the string or PGPASSFILE, or in the environment: "
                "PGPASSWORD or "
             << (option == "--database" ? "DMARC_DATABASE" : "DMARC_READ_DATABASE")
             << " (see dmarc-reports(8))" << std::endl;
  }
  return hidden;
}
} // namespace dmarc
