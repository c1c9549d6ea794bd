// argv_secrets.cc: see argv_secrets.hh.
#include "reporting/argv_secrets.hh"

#include <algorithm>
#include <cstring>
#include <string_view>

#include "lib/adapters/store/pg_connection.hh"

namespace dmarc
{
CommandLineCopy::CommandLineCopy(int argc, char** argv) : d_args(argv, argv + argc)
{
  for (auto& arg : d_args) {
    d_pointers.push_back(arg.data());
  }
  d_pointers.push_back(nullptr);
}

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
  static constexpr std::string_view s_option = "--database";
  int hidden = 0;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    char* value = nullptr;
    if (arg == s_option && i + 1 < argc) {
      value = argv[++i];
    } else if (arg.size() > s_option.size() && arg.starts_with(s_option) &&
               arg[s_option.size()] == '=') {
      value = argv[i] + s_option.size() + 1;
    }
    if (value == nullptr || !pgConnectionHasPassword(value)) {
      continue;
    }
    ++hidden;
    overwrite(value, redactedConnectionString(value));
    warnings << "dmarc-reports: warning: the --database string holds a password, which other "
                "local users can read (ps, /proc); give it in a file instead: --password-file "
                "FILE, passfile=FILE in the string or PGPASSFILE, or in the environment: "
                "PGPASSWORD or DMARC_DATABASE (see dmarc-reports(8))"
             << std::endl;
  }
  return hidden;
}
} // namespace dmarc
