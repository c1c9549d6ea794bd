// instance_lock.cc: the flock that keeps a second dmarc-milter away from a
// running one's socket (see instance_lock.hh for why).
#include "milter/instance_lock.hh"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string_view>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dmarc
{
namespace
{
pid_t readPid(int fd)
{
  char buffer[32] = {};
  auto got = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (got <= 0) {
    return 0;
  }
  char* end = nullptr;
  long value = std::strtol(buffer, &end, 10);
  return value > 0 && end != buffer ? static_cast<pid_t>(value) : 0;
}
} // namespace

std::string unixSocketPath(const std::string& socket)
{
  std::string_view text(socket);
  for (std::string_view scheme : {"local:", "unix:"}) {
    if (text.starts_with(scheme)) {
      return std::string(text.substr(scheme.size()));
    }
  }
  if (text.starts_with('/')) {
    return socket;
  }
  return {};
}

std::string socketDirectoryProblem(const std::string& socket)
{
  auto path = unixSocketPath(socket);
  if (path.empty()) {
    return {};
  }
  auto directory = path.substr(0, path.find_last_of('/'));
  if (directory.empty()) {
    directory = "/";
  }
  struct stat info = {};
  if (::stat(directory.c_str(), &info) != 0) {
    return "Socket: the directory " + directory + " does not exist (" + std::strerror(errno) +
           "); create it, writable by the user that starts dmarc-milter";
  }
  if (!S_ISDIR(info.st_mode)) {
    return "Socket: " + directory + " is not a directory";
  }
  return {};
}

std::string InstanceLock::pathFor(const std::string& socket)
{
  auto path = unixSocketPath(socket);
  return path.empty() ? path : path + ".lock";
}

InstanceLock InstanceLock::acquire(const std::string& socket)
{
  InstanceLock lock;
  auto path = pathFor(socket);
  if (path.empty()) {
    return lock;
  }
  // O_NOFOLLOW: the socket's directory may be writable by the unprivileged
  // user, and this runs as root.
  if (auto problem = socketDirectoryProblem(socket); !problem.empty()) {
    throw Error(problem);
  }
  lock.d_fd.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (!lock.d_fd.valid()) {
    throw Error("Socket: cannot open the lock file " + path + ": " + std::strerror(errno));
  }
  if (::flock(lock.d_fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      throw Error("Socket: cannot lock " + path + ": " + std::strerror(errno));
    }
    pid_t holder = readPid(lock.d_fd.get());
    throw InstanceRunning(
        "another dmarc-milter" +
            (holder > 0 ? " (pid " + std::to_string(holder) + ")" : std::string()) +
            " is running on " + socket + " (it holds " + path +
            "); not starting, and the running one is left alone",
        holder);
  }
  // The holder's process ID, for the message above. The lock, not this
  // text, decides: a stale number in the file is harmless.
  auto text = std::to_string(::getpid()) + "\n";
  if (::ftruncate(lock.d_fd.get(), 0) != 0 ||
      ::pwrite(lock.d_fd.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
    throw Error("Socket: cannot write " + path + ": " + std::strerror(errno));
  }
  return lock;
}
} // namespace dmarc
