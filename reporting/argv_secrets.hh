// argv_secrets.hh: a database password given on the command line
// (--database or --read-database "... password=..." or a URI with
// user:password@), which every
// local user can read with ps or in /proc/PID/cmdline. dmarc-reports warns,
// then blanks the password in the process's own argument memory and runs
// the subcommand on a private copy of the arguments.
// Trusts argv to be NUL-terminated strings; a string libpq cannot parse is
// left alone (the subcommand reports it).
#pragma once

#include <ostream>

namespace dmarc
{
// Warns on `warnings` for each --database or --read-database value that holds a password and
// overwrites that value in argv (the process's argument memory, which ps
// shows) with its redacted form. Call it with main()'s argv after copying
// the arguments. Returns how many values were hidden.
int hideDatabasePasswords(int argc, char** argv, std::ostream& warnings);
} // namespace dmarc
