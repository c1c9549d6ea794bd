// daemon.cc: process life cycle of dmarc-milter (STYLE.md 7 and 18).
#include "milter/daemon.hh"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <optional>
#include <pthread.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <syslog.h>
#include <thread>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "lib/adapters/cpu_gate.hh"
#include "lib/core/error.hh"
#include "lib/core/version.hh"
#include "milter/callbacks.hh"
#include "milter/config.hh"
#include "milter/config_store.hh"
#include "milter/instance_lock.hh"
#include "milter/logger.hh"
#include "milter/metrics_endpoint.hh"
#include "milter/runtime.hh"
#include "milter/session.hh"

namespace dmarc
{
namespace
{
// Raised with an exit status when start-up cannot go on.
struct StartupError : Error
{
  StartupError(int code, const std::string& what) : Error(what), status(code) {}
  int status;
};

std::string errnoText()
{
  return std::strerror(errno);
}

struct Identity
{
  uid_t uid = 0;
  gid_t gid = 0;
  std::string user;
};

std::optional<Identity> targetIdentity(const Config& config)
{
  const auto& spec = config.values.UserID;
  if (spec.empty()) {
    return std::nullopt;
  }
  auto colon = spec.find(':');
  Identity identity;
  identity.user = spec.substr(0, colon);
  const passwd* pw = getpwnam(identity.user.c_str());
  if (pw == nullptr) {
    throw StartupError(EX_CONFIG, "UserID: no such user: " + identity.user);
  }
  identity.uid = pw->pw_uid;
  identity.gid = pw->pw_gid;
  if (colon != std::string::npos) {
    const group* gr = getgrnam(spec.substr(colon + 1).c_str());
    if (gr == nullptr) {
      throw StartupError(EX_CONFIG, "UserID: no such group: " + spec.substr(colon + 1));
    }
    identity.gid = gr->gr_gid;
  }
  return identity;
}

// Daemonising: the parent waits on a pipe for the child's start-up status,
// so that "dmarc-milter" without -f still exits non-zero on a bad start.
class Background
{
public:
  void detach()
  {
    int fds[2];
    if (pipe(fds) != 0) {
      throw StartupError(EX_OSERR, "pipe: " + errnoText());
    }
    pid_t child = fork();
    if (child < 0) {
      throw StartupError(EX_OSERR, "fork: " + errnoText());
    }
    if (child > 0) {
      close(fds[1]);
      unsigned char status = EX_SOFTWARE;
      ssize_t got;
      do {
        got = read(fds[0], &status, 1);
      } while (got < 0 && errno == EINTR);
      _exit(got == 1 ? status : EX_SOFTWARE);
    }
    close(fds[0]);
    d_fd = fds[1];
    setsid();
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, STDIN_FILENO);
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      if (null > STDERR_FILENO) {
        close(null);
      }
    }
  }
  void report(int status)
  {
    if (d_fd >= 0) {
      auto byte = static_cast<unsigned char>(status);
      [[maybe_unused]] auto written = write(d_fd, &byte, 1);
      close(d_fd);
      d_fd = -1;
    }
  }

private:
  int d_fd = -1;
};

// SIGUSR1 on its own thread: reload, log the outcome, never exit.
class ReloadThread
{
public:
  ReloadThread(std::string configFile, SyslogLogger& logger, MilterMetrics* metrics)
      : d_configFile(std::move(configFile)), d_logger(logger), d_metrics(metrics)
  {
    d_thread = std::thread([this] { run(); });
  }
  ~ReloadThread()
  {
    d_stop = true;
    pthread_kill(d_thread.native_handle(), SIGUSR1);
    d_thread.join();
  }

private:
  void run()
  {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    for (;;) {
      int signal = 0;
      if (sigwait(&set, &signal) != 0) {
        continue;
      }
      if (d_stop) {
        return;
      }
      reload();
    }
  }

  void reload()
  {
    if (d_configFile.empty()) {
      d_logger.log(LOG_WARNING, "reload refused: started without a configuration file");
      return;
    }
    auto outcome = reloadConfig(d_configFile);
    if (d_metrics != nullptr) {
      d_metrics->countReload(outcome.ok);
    }
    if (!outcome.ok) {
      // One line per problem, so that each names its file:line.
      std::string text = outcome.error;
      std::size_t start = 0;
      while (start <= text.size()) {
        auto end = text.find('\n', start);
        d_logger.log(LOG_ERR, "reload refused, keeping the running configuration: " +
                                  sanitize(text.substr(start, end - start), 1000));
        if (end == std::string::npos) {
          break;
        }
        start = end + 1;
      }
      return;
    }
    auto config = currentConfig();
    d_logger.setLevel(config->logLevel, config->values.Syslog);
    for (const auto& key : outcome.needRestart) {
      d_logger.log(LOG_WARNING, "reload: " + key + " changed but needs a restart; kept");
    }
    d_logger.log(LOG_NOTICE, "configuration reloaded from " + sanitize(d_configFile));
  }

  std::string d_configFile;
  SyslogLogger& d_logger;
  MilterMetrics* d_metrics; // nullptr: no metrics listener
  std::atomic<bool> d_stop{false};
  std::thread d_thread;
};

void writePidFile(const std::string& path)
{
  std::ofstream out(path, std::ios::trunc);
  out << getpid() << "\n";
  if (!out.flush()) {
    throw StartupError(EX_CANTCREAT, "PidFile: cannot write " + path);
  }
}

void announceReady(const DaemonOptions& options)
{
  if (options.readyFd >= 0) {
    static const char ready[] = "READY\n";
    [[maybe_unused]] auto written = write(options.readyFd, ready, sizeof ready - 1);
    close(options.readyFd);
  }
  if (!options.readyFile.empty()) {
    std::string temporary = options.readyFile + ".tmp";
    {
      std::ofstream out(temporary, std::ios::trunc);
      out << getpid() << "\n";
    }
    // rename makes the file appear complete, never half-written.
    std::rename(temporary.c_str(), options.readyFile.c_str());
  }
}
} // namespace

void blockDaemonSignals()
{
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGUSR1);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  // A client closing its socket must give an error, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
}

namespace
{
void dropPrivileges(const Identity& identity)
{
  if (geteuid() != 0) {
    if (getuid() == identity.uid) {
      return; // already that user
    }
    throw StartupError(EX_NOPERM, "UserID: cannot switch to " + identity.user + " without root");
  }
  if (initgroups(identity.user.c_str(), identity.gid) != 0 || setgid(identity.gid) != 0 ||
      setuid(identity.uid) != 0) {
    throw StartupError(EX_NOPERM, "UserID: cannot switch to " + identity.user + ": " + errnoText());
  }
  // Dropping must be for good.
  if (identity.uid != 0 && setuid(0) == 0) {
    throw StartupError(EX_SOFTWARE, "UserID: root could be regained after the switch");
  }
}
// The instance lock on `socket`, or a start-up error: EX_TEMPFAIL while
// another instance holds it, EX_UNAVAILABLE when it cannot be taken.
InstanceLock acquireInstanceLock(const std::string& socket)
{
  try {
    return InstanceLock::acquire(socket);
  } catch (const InstanceRunning& error) {
    throw StartupError(EX_TEMPFAIL, error.what());
  } catch (const Error& error) {
    throw StartupError(EX_UNAVAILABLE, error.what());
  }
}

// MetricsListen bound (nullptr when unset); a failure to bind stops the
// start-up like the milter socket's does.
std::unique_ptr<MetricsListener> openMetricsListener(const Config& config)
{
  try {
    return bindMetricsListener(config);
  } catch (const Error& error) {
    throw StartupError(EX_UNAVAILABLE, error.what());
  }
}

// Registers the filter and opens libmilter's socket, as root (before the
// switch to UserID); a Unix socket is given to the UserID account. Returns
// the Unix socket's path ("" for inet), removed at stop.
std::string openMilterSocket(const ConfigValues& v, const std::optional<Identity>& identity)
{
  if (!registerFilter()) {
    throw StartupError(EX_SOFTWARE, "smfi_register failed");
  }
  if (smfi_setconn(const_cast<char*>(v.Socket.c_str())) != MI_SUCCESS) {
    throw StartupError(EX_CONFIG, "Socket: libmilter refused " + v.Socket);
  }
  if (v.MilterDebug > 0) {
    smfi_setdbg(static_cast<int>(v.MilterDebug));
  }
  // Read by smfi_main for every connection (MTATimeout in config_keys.def:
  // why 900 s); without it libmilter waits 7210 s for a stalled peer.
  smfi_settimeout(static_cast<int>(v.MTATimeout));
  // true: remove a stale Unix socket left by an earlier run.
  if (smfi_opensocket(true) != MI_SUCCESS) {
    throw StartupError(EX_UNAVAILABLE, "Socket: cannot listen on " + v.Socket);
  }
  auto path = unixSocketPath(v.Socket);
  if (identity && geteuid() == 0 && !path.empty() &&
      chown(path.c_str(), identity->uid, identity->gid) != 0) {
    throw StartupError(EX_OSERR, "Socket: chown " + path + ": " + errnoText());
  }
  return path;
}

// SIGTERM/SIGHUP: libmilter stopped accepting connections and commands;
// let the callbacks in progress finish under the configuration they
// started with (see waitForIdle for why idle connections cannot be).
// Returns the exit status for smfi_main's `result`; exits at once when
// callbacks are still running, since they still use the services.
int drainAndStop(int result, Runtime& runtime, SyslogLogger& logger, const std::string& pidFile)
{
  auto drain = std::chrono::seconds(currentConfig()->values.DrainTimeout);
  logger.log(LOG_NOTICE, "stopping: " + std::to_string(activeConnections()) +
                             " connections open, " + std::to_string(busyCallbacks()) +
                             " callbacks in progress, waiting up to " +
                             std::to_string(drain.count()) + " s");
  bool drained = waitForIdle(drain);
  runtime.stop(std::chrono::seconds(5));
  int status = result == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
  if (!drained) {
    // Threads still use the services: do not destroy them under their feet.
    logger.log(LOG_WARNING,
               std::to_string(busyCallbacks()) + " callbacks still running at stop; exiting");
    if (!pidFile.empty()) {
      unlink(pidFile.c_str());
    }
    _exit(status);
  }
  return status;
}

// The start-up in its order (lock, then as root the socket and the PID
// file, the switch to the unprivileged user, then the threads), smfi_main,
// and the stop. Returns the exit status; `pidFile` names the PID file once
// written, for the caller to remove whatever happens.
int serveUntilStopped(const DaemonOptions& options, const Config& config, Background& background,
                      std::string& pidFile)
{
  const auto& v = config.values;
  if (v.Background && !options.foreground) {
    background.detach();
  }
  SyslogLogger logger(config.syslogFacility, config.logLevel, v.Syslog, options.logStderr);
  // Before anything touches the socket (instance_lock.hh: why); held
  // until the process ends.
  InstanceLock instance = acquireInstanceLock(v.Socket);
  // The counters outlive the runtime (the resolver counts into them); the
  // listener does not (it reads the history store).
  auto metrics = metricsFor(config);
  Runtime runtime;

  // --- preDropInit: as root: socket, PID file, root-only files ------------
  umask(static_cast<mode_t>(v.UMask));
  runtime.preDropInit(config, logger);
  std::unique_ptr<MetricsListener> metricsListener = openMetricsListener(config);
  auto identity = targetIdentity(config);
  auto path = openMilterSocket(v, identity);
  if (!v.PidFile.empty()) {
    writePidFile(v.PidFile);
    pidFile = v.PidFile;
  }

  // --- the switch to the unprivileged user --------------------------------
  if (identity) {
    dropPrivileges(*identity);
  }

  // --- postDropInit: threads, resolver, DKIM, history ---------------------
  runtime.postDropInit(config, logger, true, metrics.get());
  SessionServices services{currentConfig, runtime.checker(), logger, runtime.store()};
  services.metrics = metrics.get();
  CpuGate verifyGate(v.VerifyConcurrency > 0 ? static_cast<unsigned>(v.VerifyConcurrency)
                                             : CpuGate::defaultSlots());
  services.verifyGate = &verifyGate;
  setSessionServices(&services);
  ReloadThread reload(options.configFile, logger, metrics.get());
  if (metricsListener) {
    serveMetrics(*metricsListener, *metrics, runtime.writer(), std::chrono::system_clock::now());
    logger.log(LOG_NOTICE, "metrics at http://" + config.metricsListen->toString() + "/metrics");
  }
  logger.log(LOG_NOTICE, std::string("dmarc-milter ") + g_productVersion + " listening on " +
                             sanitize(v.Socket) + " authserv-id " + config.authservId);
  announceReady(options);
  background.report(EX_OK);

  int result = smfi_main();

  int status = drainAndStop(result, runtime, logger, pidFile);
  if (!path.empty()) {
    unlink(path.c_str()); // may fail after the switch to UserID: harmless
  }
  logger.log(LOG_NOTICE, "stopped");
  setSessionServices(nullptr);
  return status;
}

// The exit status for a failure to start or serve (sysexits.h).
int startupFailureStatus(const std::exception& error)
{
  if (const auto* startup = dynamic_cast<const StartupError*>(&error)) {
    return startup->status;
  }
  return dynamic_cast<const ConfigError*>(&error) ? EX_CONFIG : EX_SOFTWARE;
}
} // namespace

int runDaemon(const DaemonOptions& options, std::shared_ptr<const Config> config)
{
  installConfig(config);
  Background background;
  std::string pidFile;
  int status = EX_OK;
  try {
    status = serveUntilStopped(options, *config, background, pidFile);
  } catch (const std::exception& error) {
    status = startupFailureStatus(error);
    std::fprintf(stderr, "dmarc-milter: %s\n", error.what());
    syslog(LOG_ERR, "%s", sanitize(error.what(), 1000).c_str());
  }
  background.report(status);
  if (!pidFile.empty()) {
    unlink(pidFile.c_str());
  }
  return status;
}
} // namespace dmarc
