// trusted_file.hh: reading a file whose content decides what a program does
// (its configuration) or that holds a secret (a password), after checking
// that nobody but its owner, root, could have written it (and, for a
// secret, read it). sshd (StrictModes) and Postfix (postfix check) refuse
// such files the same way; the secret rule is libpq's for its key files.
//
// The checks run on the open descriptor (fstat), so the file checked is the
// file read. Every refusal is a ConfigError that names the file, its mode
// and owner, and the command that fixes it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <sys/stat.h>

namespace dmarc
{
enum class FileTrust
{
  // Owned by root or by the user running the program; not writable by its
  // group or by others.
  Configuration,
  // As Configuration, and not readable by others; readable by its group
  // only when root owns it (root:service 0640, as libpq allows).
  Secret,
};

// Why a file with this status may not be trusted, or an empty string.
// `effectiveUid`: the user the program runs as (geteuid()).
std::string untrustedFileReason(const std::string& path, const struct stat& status, FileTrust trust,
                                uid_t effectiveUid);

// The whole file, at most maxBytes long. `what` names the file in messages
// ("configuration file", "database password file"). Throws ConfigError
// when it cannot be read, is larger, or may not be trusted.
std::string readTrustedFile(const std::string& path, FileTrust trust, std::string_view what,
                            std::size_t maxBytes);

// The first line of a secret file, without its line end.
std::string readSecretLine(const std::string& path, std::string_view what);
} // namespace dmarc
