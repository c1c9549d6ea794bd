// instance_lock.hh: one dmarc-milter per Unix socket. Before the daemon
// touches its socket it takes an exclusive flock on "<socket path>.lock" and
// keeps it for the life of the process (the kernel releases it however the
// process ends, so a lock is never stale). A second start on the same socket
// (quickstart run again, a stop and start in quick succession) then fails
// here with the running instance's process ID, instead of going on to
// libmilter's smfi_opensocket, which removes whatever is at the socket path:
// the running milter's live socket, leaving it alive but unreachable.
//
// TCP sockets need no lock: binding a port another process listens on fails
// without harming it. The lock file is never removed: removing it would let
// two processes lock two different files under the same name.
#pragma once

#include <string>
#include <sys/types.h>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"

namespace dmarc
{
// Another live process holds the lock.
struct InstanceRunning : Error
{
  InstanceRunning(const std::string& what, pid_t holder) : Error(what), pid(holder) {}
  pid_t pid; // 0 when it did not write one
};

class InstanceLock
{
public:
  // The lock for a milter socket specification ("local:/path", "/path",
  // "inet:..."). Does nothing for a TCP socket. Throws InstanceRunning when
  // another process holds it, Error when the lock file cannot be opened
  // (for example because the socket's directory does not exist).
  static InstanceLock acquire(const std::string& socket);

  // The lock file of a socket specification, "" for TCP.
  static std::string pathFor(const std::string& socket);

private:
  FileDescriptor d_fd;
};

// "local:/path", "unix:/path" or "/path" -> "/path"; "" for a TCP socket.
std::string unixSocketPath(const std::string& socket);

// Why a Unix socket (and its lock) cannot be created at that path, or ""
// (also for TCP): the directory must exist. Checked by -n too.
std::string socketDirectoryProblem(const std::string& socket);
} // namespace dmarc
