// daemon.hh: the life of the dmarc-milter process: daemonise, bind the
// socket and write the PID file as root (preDropInit), drop to UserID, start
// the threads (postDropInit), signal readiness, serve with smfi_main, and on
// SIGTERM/SIGHUP drain the connections in flight before exiting.
//
// Signals: SIGHUP, SIGTERM and SIGINT belong to libmilter's own signal
// thread (it stops the filter on each); SIGUSR1 reloads the configuration
// on our sigwait thread (never in an async handler). All four are blocked
// in every thread from the first line of main, so no thread created later
// (libunbound's, the history writer's) can receive one by accident.
#pragma once

#include <memory>
#include <string>

namespace dmarc
{
class Config;

struct DaemonOptions
{
  std::string configFile; // reloaded from on SIGUSR1
  bool foreground = false;
  bool logStderr = false; // also log to standard error (tests, debugging)
  int readyFd = -1;       // write "READY\n" here once serving, then close it
  std::string readyFile;  // or create this file once serving
};

// Blocks the signals the daemon handles on dedicated threads. Call first in
// main, before any thread exists.
void blockDaemonSignals();

// Runs the daemon; returns the process exit status (sysexits.h).
int runDaemon(const DaemonOptions& options, std::shared_ptr<const Config> config);
} // namespace dmarc
