// trusted_file.cc: see trusted_file.hh.
#include "lib/adapters/trusted_file.hh"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
std::string octalMode(mode_t mode)
{
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

std::string userName(uid_t uid)
{
  struct passwd entry
  {
  };
  struct passwd* found = nullptr;
  char buffer[1024];
  if (getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) {
    return std::string(found->pw_name) + " (uid " + std::to_string(uid) + ")";
  }
  return "uid " + std::to_string(uid);
}
} // namespace

std::string untrustedFileReason(const std::string& path, const struct stat& status, FileTrust trust,
                                uid_t effectiveUid)
{
  const std::string mode = octalMode(status.st_mode);
  if (status.st_uid != 0 && status.st_uid != effectiveUid) {
    return "it is owned by " + userName(status.st_uid) + ", who could change it; only root" +
           (effectiveUid == 0 ? std::string() : " or " + userName(effectiveUid)) +
           " may own it (chown root " + path + ")";
  }
  if ((status.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return "its mode " + mode + " lets " +
           ((status.st_mode & S_IWOTH) != 0 ? std::string("every user") : "its group") +
           " change it (chmod go-w " + path + ")";
  }
  if (trust == FileTrust::Secret) {
    if ((status.st_mode & S_IRWXO) != 0) {
      return "its mode " + mode + " lets every user read it (chmod 600 " + path +
             ", or 640 and owned by root to share it with a group)";
    }
    if ((status.st_mode & S_IRWXG) != 0 && status.st_uid != 0) {
      return "its mode " + mode +
             " lets its group read it, and it is not owned by root (chmod 600 " + path + ")";
    }
  }
  return {};
}

std::string readTrustedFile(const std::string& path, FileTrust trust, std::string_view what,
                            std::size_t maxBytes)
{
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) {
    throw ConfigError("cannot read the " + std::string(what) + " " + path + ": " +
                      std::strerror(errno));
  }
  struct stat status
  {
  };
  if (::fstat(fd.get(), &status) != 0) {
    throw ConfigError("cannot read the " + std::string(what) + " " + path + ": " +
                      std::strerror(errno));
  }
  if (!S_ISREG(status.st_mode)) {
    throw ConfigError("refusing the " + std::string(what) + " " + path +
                      ": it is not a regular file");
  }
  if (auto reason = untrustedFileReason(path, status, trust, ::geteuid()); !reason.empty()) {
    throw ConfigError("refusing the " + std::string(what) + " " + path + ": " + reason);
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      throw ConfigError("cannot read the " + std::string(what) + " " + path + ": " +
                        std::strerror(errno));
    }
    if (got == 0) {
      break;
    }
    text.append(buffer, static_cast<std::size_t>(got));
    if (text.size() > maxBytes) {
      throw ConfigError("the " + std::string(what) + " " + path + " is larger than " +
                        std::to_string(maxBytes) + " bytes");
    }
  }
  return text;
}

std::string readSecretLine(const std::string& path, std::string_view what)
{
  // A password is one short line; the bound keeps a wrong path (a log, a
  // device) from being read whole.
  std::string text = readTrustedFile(path, FileTrust::Secret, what, 64 * 1024);
  text.erase(std::min(text.find('\n'), text.size()));
  if (!text.empty() && text.back() == '\r') {
    text.pop_back();
  }
  return text;
}
} // namespace dmarc
