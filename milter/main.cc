// main.cc: dmarc-milter's command line. Parses the options and hands over
// to the daemon (milter/daemon.cc), the configuration check (-n), the
// configuration dump, or the offline evaluation of one message (-t). Every
// other piece of the program lives in milter/libdmarcmilter.a, which the
// unit tests link.
//
// Exit status: sysexits.h (EX_USAGE for a bad command line, EX_CONFIG for a
// bad configuration, ...).
#include <getopt.h>
#include <iostream>
#include <optional>
#include <string>
#include <sysexits.h>
#include <unistd.h>

#include "lib/core/error.hh"
#include "lib/core/version.hh"
#include "milter/config.hh"
#include "milter/daemon.hh"
#include "milter/instance_lock.hh"
#include "milter/logger.hh"
#include "milter/offline.hh"
#include "milter/runtime.hh"

using namespace dmarc;

namespace
{
const std::string g_defaultConfig = std::string(DM_SYSCONFDIR) + "/dmarc-milter.conf";

enum LongOption
{
  OptDumpConfig = 256,
  OptManKeys,
  OptSampleConfig,
  OptReadyFd,
  OptReadyFile,
  OptClientIp,
  OptClientName,
  OptHelo,
  OptMailFrom,
  OptRcpt,
  OptAuthUser,
  OptLogStderr,
};

const option g_options[] = {
    {"config", required_argument, nullptr, 'c'},
    {"foreground", no_argument, nullptr, 'f'},
    {"check-config", no_argument, nullptr, 'n'},
    {"socket", required_argument, nullptr, 'p'},
    {"test", required_argument, nullptr, 't'},
    {"version", no_argument, nullptr, 'V'},
    {"help", no_argument, nullptr, 'h'},
    {"dump-config", no_argument, nullptr, OptDumpConfig},
    {"man-keys", no_argument, nullptr, OptManKeys},
    {"sample-config", no_argument, nullptr, OptSampleConfig},
    {"ready-fd", required_argument, nullptr, OptReadyFd},
    {"ready-file", required_argument, nullptr, OptReadyFile},
    {"log-stderr", no_argument, nullptr, OptLogStderr},
    {"client-ip", required_argument, nullptr, OptClientIp},
    {"client-name", required_argument, nullptr, OptClientName},
    {"helo", required_argument, nullptr, OptHelo},
    {"mail-from", required_argument, nullptr, OptMailFrom},
    {"rcpt", required_argument, nullptr, OptRcpt},
    {"auth-user", required_argument, nullptr, OptAuthUser},
    {nullptr, 0, nullptr, 0},
};

void usage(std::ostream& out)
{
  out << "Usage: dmarc-milter [-f] [-c FILE] [-p SOCKET] [--ready-fd N | --ready-file PATH]\n"
         "       dmarc-milter -n [-c FILE]\n"
         "       dmarc-milter --dump-config [-c FILE]\n"
         "       dmarc-milter --sample-config\n"
         "       dmarc-milter -t FILE [--client-ip ADDR] [--client-name NAME] [--helo NAME]\n"
         "                    [--mail-from ADDR] [--rcpt ADDR]... [--auth-user USER] [-c FILE]\n"
         "       dmarc-milter -V | -h\n"
         "\n"
         "Inbound DMARC enforcement (RFC 9989, RFC 7489) for Postfix and Sendmail.\n"
         "\n"
         "Options:\n"
         "  -c, --config FILE     configuration file ["
      << g_defaultConfig
      << "]\n"
         "  -f, --foreground      do not detach (overrides Background)\n"
         "  -n, --check-config    check the configuration and exit (0, or 78 = EX_CONFIG)\n"
         "  -p, --socket SOCKET   listen here instead of the Socket key\n"
         "  -t, --test FILE       evaluate one message from FILE (- for stdin) and print\n"
         "                        the verdict, reply, header changes and trace\n"
         "      --client-ip ADDR  with -t: the SMTP client address [127.0.0.1]\n"
         "      --client-name N   with -t: the client's host name [localhost]\n"
         "      --helo NAME       with -t: the HELO name [localhost]\n"
         "      --mail-from ADDR  with -t: the MAIL FROM address [empty: <>]\n"
         "      --rcpt ADDR       with -t: a RCPT TO address (repeatable)\n"
         "      --auth-user USER  with -t: as if authenticated with SMTP AUTH\n"
         "      --dump-config     print the effective configuration and exit\n"
         "      --sample-config   print a configuration file with every key commented\n"
         "                        out at its default, and exit\n"
         "      --ready-fd N      write READY to descriptor N once serving\n"
         "      --ready-file PATH create PATH once serving\n"
         "      --log-stderr      also log to standard error\n"
         "  -V, --version         print the version and exit\n"
         "  -h, --help            this text\n"
         "\n"
         "Signals: SIGUSR1 reloads the configuration; SIGTERM and SIGHUP stop after\n"
         "the connections in flight finish.\n"
         "\n"
      << configHelp();
}

bool parseFd(const char* text, int& fd)
{
  char* end = nullptr;
  long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < 0 || value > 1024 * 1024) {
    return false;
  }
  fd = static_cast<int>(value);
  return true;
}

// What the command line asks for.
struct Arguments
{
  std::string configFile;
  std::string socketOverride;
  bool check = false, dump = false, manKeys = false;
  bool offline = false;
  DaemonOptions daemon;
  OfflineOptions test;
};

// Reads the options into `args`; the exit status when the program ends
// here (--version, --help, --sample-config, or a usage error).
std::optional<int> parseArguments(int argc, char** argv, Arguments& args)
{
  int c;
  while ((c = getopt_long(argc, argv, "c:fnp:t:Vh", g_options, nullptr)) != -1) {
    switch (c) {
    case 'c':
      args.configFile = optarg;
      break;
    case 'f':
      args.daemon.foreground = true;
      break;
    case 'n':
      args.check = true;
      break;
    case 'p':
      args.socketOverride = optarg;
      break;
    case 't':
      args.offline = true;
      args.test.messageFile = optarg;
      break;
    case 'V':
      std::cout << g_productName << " " << g_productVersion << "\n";
      return EX_OK;
    case 'h':
      usage(std::cout);
      return EX_OK;
    case OptDumpConfig:
      args.dump = true;
      break;
    case OptManKeys:
      args.manKeys = true;
      break;
    case OptSampleConfig:
      std::cout << configSample();
      return EX_OK;
    case OptReadyFd:
      if (!parseFd(optarg, args.daemon.readyFd)) {
        std::cerr << "dmarc-milter: --ready-fd: not a descriptor: " << optarg << "\n";
        return EX_USAGE;
      }
      break;
    case OptReadyFile:
      args.daemon.readyFile = optarg;
      break;
    case OptLogStderr:
      args.daemon.logStderr = true;
      break;
    case OptClientIp:
      args.test.clientIp = optarg;
      break;
    case OptClientName:
      args.test.clientName = optarg;
      break;
    case OptHelo:
      args.test.helo = optarg;
      break;
    case OptMailFrom:
      args.test.mailFrom = optarg;
      break;
    case OptRcpt:
      args.test.recipients.emplace_back(optarg);
      break;
    case OptAuthUser:
      args.test.authUser = optarg;
      break;
    default:
      usage(std::cerr);
      return EX_USAGE;
    }
  }
  if (optind != argc) {
    std::cerr << "dmarc-milter: unexpected argument: " << argv[optind] << "\n";
    return EX_USAGE;
  }
  return std::nullopt;
}
} // namespace

int main(int argc, char** argv)
{
  // Before anything can start a thread (STYLE.md 7).
  blockDaemonSignals();

  Arguments args;
  if (const auto status = parseArguments(argc, argv, args)) {
    return *status;
  }
  std::string& configFile = args.configFile;
  const std::string& socketOverride = args.socketOverride;
  const bool check = args.check, dump = args.dump, manKeys = args.manKeys, offline = args.offline;
  DaemonOptions& daemon = args.daemon;
  const OfflineOptions& test = args.test;
  if (manKeys) {
    std::cout << configManKeys();
    return EX_OK;
  }

  // Without -c, a missing default file means the built-in defaults.
  bool useDefaults = configFile.empty() && access(g_defaultConfig.c_str(), F_OK) != 0;
  if (configFile.empty() && !useDefaults) {
    configFile = g_defaultConfig;
  }
  std::shared_ptr<const Config> config;
  try {
    std::string text;
    if (useDefaults) {
      config = parseConfig(socketOverride.empty() ? "" : "Socket " + socketOverride + "\n",
                           "(defaults)");
    } else {
      config = loadConfig(configFile);
      if (!socketOverride.empty()) {
        auto changed = std::make_shared<Config>(*config);
        const auto* key = findConfigKey("Socket");
        key->assign(*key, changed->values, socketOverride);
        config = parseConfig(dumpConfig(*changed), configFile);
      }
    }
    if (check) {
      // Everything start-up would load, short of binding the socket.
      Runtime runtime;
      MemoryLogger logger;
      runtime.preDropInit(*config, logger);
      resolverOptionsFor(*config);
      if (auto problem = socketDirectoryProblem(config->values.Socket); !problem.empty()) {
        auto line = config->keyLine.find("Socket");
        throw ConfigError((useDefaults ? std::string("(defaults)") : configFile) +
                          (line != config->keyLine.end() && socketOverride.empty()
                               ? ":" + std::to_string(line->second)
                               : std::string()) +
                          ": " + problem);
      }
      std::cout << "dmarc-milter: configuration OK"
                << (useDefaults ? std::string(" (built-in defaults)") : ": " + configFile) << "\n";
      return EX_OK;
    }
  } catch (const std::exception& error) {
    std::cerr << error.what() << "\n";
    return EX_CONFIG;
  }
  if (dump) {
    std::cout << dumpConfig(*config);
    return EX_OK;
  }
  if (offline) {
    try {
      MemoryLogger logger;
      Runtime runtime;
      runtime.preDropInit(*config, logger);
      runtime.postDropInit(*config, logger, false);
      return runOffline(*config, test, runtime.checker(), std::cout);
    } catch (const std::exception& error) {
      std::cerr << "dmarc-milter: " << error.what() << "\n";
      return EX_SOFTWARE;
    }
  }
  daemon.configFile = useDefaults ? std::string() : configFile;
  return runDaemon(daemon, config);
}
