// cmd_send.cc: `dmarc-reports send`: options (one table: parser, --help and
// the man page's list come from it), then one ReportRun under the database
// advisory lock.
//
// Trusts the command line (the administrator's cron line). The password of
// the database and of the SMTP relay come from files and are never logged.
#include "reporting/aggregate/cmd_send.hh"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <map>
#include <sysexits.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/error.hh"
#include "reporting/aggregate/pg_report_store.hh"
#include "reporting/aggregate/read_database.hh"
#include "reporting/aggregate/report_run.hh"
#include "reporting/aggregate/textfile_metrics.hh"
#include "reporting/report_naming.hh"
#include "reporting/run_lock.hh"
#include "reporting/transport/host_identity.hh"
#include "reporting/transport/https_poster.hh"
#include "reporting/transport/mailer_options.hh"

namespace dmarc
{
namespace
{
struct OptionSpec
{
  const char* name;
  const char* argument; // nullptr: a flag
  const char* help;
};

// The options of `send`. man/dmarc-reports.8.in lists the same; keep them
// in step (tests/integration/test_reports_cli.py compares the two).
constexpr std::array<OptionSpec, 36> s_options{{
    {"database", "CONNINFO",
     "libpq connection string (default: $DMARC_DATABASE, then libpq's "
     "PG* environment)"},
    {"read-database", "CONNINFO",
     "a read-only standby for the verdict reads; the lock and the bookkeeping stay on "
     "--database (default: $DMARC_READ_DATABASE; none: --database serves all)"},
    {"read-lag-wait", "SECONDS",
     "how long to wait for the standby to replay what the primary had written when the run "
     "began, before reading from the primary instead (default 300)"},
    {"password-file", "FILE", "file whose first line is the database password"},
    {"email", "ADDRESS", "the reporting address: From: of report mail and <email> (required)"},
    {"receiver", "DOMAIN",
     "our reporting domain (Submitter, filenames); default: the domain of "
     "--email"},
    {"org-name", "NAME", "<org_name> of the reports; default: the receiver domain"},
    {"extra-contact", "TEXT", "<extra_contact_info> of the reports"},
    {"own-address", "ADDRESS",
     "an address of ours that never receives reports (repeatable; "
     "--email always counts)"},
    {"format", "rfc9990|rfc7489", "report format (default rfc9990)"},
    {"day", "YYYY-MM-DD", "report this UTC day"},
    {"begin", "TIME", "start of the interval (YYYY-MM-DD[THH:MM:SSZ] or epoch seconds)"},
    {"end", "TIME", "end of the interval, exclusive"},
    {"domain", "DOMAIN", "only this policy domain"},
    {"output-dir", "DIR", "write the report files into DIR instead of mailing them"},
    {"dry-run", nullptr, "print what would be sent or written; change nothing"},
    {"transport", "sendmail|smtp", "how report mail leaves (default sendmail)"},
    {"sendmail", "COMMAND", "the local MTA's command (default \"/usr/sbin/sendmail -t -oi\")"},
    {"smtp-relay", "HOST[:PORT]", "the relay for --transport smtp (port 25 by default)"},
    {"smtp-tls", "none|may|encrypt|verify", "STARTTLS use with the relay (default may)"},
    {"smtp-ca-file", "FILE", "CA certificates for --smtp-tls verify"},
    {"smtp-user", "USER", "SMTP AUTH PLAIN user (only over TLS)"},
    {"smtp-password-file", "FILE", "file whose first line is the SMTP AUTH password"},
    {"helo", "NAME", "EHLO name for the relay (default: --receiver)"},
    {"https-delivery", nullptr,
     "also deliver to https rua URIs (HTTP POST of the gzipped report); "
     "without it they are recorded and skipped"},
    {"https-ca-file", "FILE", "CA certificates for https rua servers (default: the system's)"},
    {"https-timeout", "SECONDS",
     "time limit of one https delivery (default 120; connecting: at most 30)"},
    {"nameserver", "ADDR[@PORT]",
     "DNS server for _report._dmarc checks and https rua hosts "
     "(repeatable; default: the system's)"},
    {"retry", "SECONDS",
     "first retry delay after a temporary failure, doubled each time "
     "(default 3600)"},
    {"max-retry", "SECONDS", "longest retry delay (default 86400)"},
    {"give-up", "SECONDS", "stop retrying a report this old (default 259200, 3 days)"},
    {"suppress-after", "N", "permanent failures in a row that suppress an address (default 3)"},
    {"lock-wait", "SECONDS",
     "how long to wait for a concurrent run (default 3600; 0: do not "
     "wait)"},
    {"metrics-file", "PATH",
     "write the run's figures to PATH (Prometheus text format, replaced atomically) for "
     "node_exporter's textfile collector"},
    {"verbose", nullptr, "progress and every decision (also -v)"},
    {"help", nullptr, "this help (also -h)"},
}};

void usage(std::ostream& out)
{
  out << "usage: dmarc-reports send --email ADDRESS [options]\n"
         "Builds the DMARC aggregate reports of an interval (default: the previous UTC day)\n"
         "and mails them to each policy domain's rua addresses.\n\noptions:\n";
  for (const auto& option : s_options) {
    std::string left = std::string("  --") + option.name;
    if (option.argument != nullptr) {
      left += std::string(" ") + option.argument;
    }
    out << left << "\n      " << option.help << "\n";
  }
}

using Parsed = std::multimap<std::string, std::string>;

Parsed parseArguments(int argc, char** argv)
{
  Parsed parsed;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-v") {
      arg = "--verbose";
    } else if (arg == "-h") {
      arg = "--help";
    }
    if (!arg.starts_with("--")) {
      throw ConfigError("unexpected argument '" + logSafe(arg) + "'");
    }
    std::string name = arg.substr(2);
    std::optional<std::string> value;
    if (auto equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
    }
    const OptionSpec* spec = nullptr;
    for (const auto& option : s_options) {
      if (name == option.name) {
        spec = &option;
      }
    }
    if (spec == nullptr) {
      throw ConfigError("unknown option --" + logSafe(name));
    }
    if (spec->argument == nullptr) {
      if (value) {
        throw ConfigError("--" + name + " takes no value");
      }
      parsed.emplace(name, "");
      continue;
    }
    if (!value) {
      if (i + 1 >= argc) {
        throw ConfigError("--" + name + " needs a value");
      }
      value = argv[++i];
    }
    parsed.emplace(name, *value);
  }
  return parsed;
}

std::string single(const Parsed& parsed, const std::string& name, std::string fallback = "")
{
  auto range = parsed.equal_range(name);
  if (range.first == range.second) {
    return fallback;
  }
  if (std::next(range.first) != range.second) {
    throw ConfigError("--" + name + " given more than once");
  }
  return range.first->second;
}

std::vector<std::string> multiple(const Parsed& parsed, const std::string& name)
{
  std::vector<std::string> values;
  auto range = parsed.equal_range(name);
  for (auto it = range.first; it != range.second; ++it) {
    values.push_back(it->second);
  }
  return values;
}

std::int64_t number(const Parsed& parsed, const std::string& name, std::int64_t fallback,
                    std::int64_t low, std::int64_t high)
{
  std::string text = single(parsed, name);
  if (text.empty()) {
    return fallback;
  }
  std::size_t used = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != text.size() || value < low || value > high) {
    throw ConfigError("--" + name + " must be a number from " + std::to_string(low) + " to " +
                      std::to_string(high));
  }
  return value;
}

// YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ, or epoch seconds; UTC.
std::int64_t parseTime(const std::string& name, const std::string& text)
{
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos &&
      text.size() <= 12) {
    return std::stoll(text);
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (end != nullptr && *end == 'T') {
    end = strptime(end, "T%H:%M:%SZ", &tm);
  }
  if (end == nullptr || *end != '\0') {
    throw ConfigError("--" + name + ": '" + logSafe(text) +
                      "' is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or epoch seconds");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

// Removes the run's private work directory on every exit path.
struct WorkDir
{
  std::string path;
  explicit WorkDir(const std::string& base)
  {
    std::string pattern = base + "/dmarc-reports.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error("cannot create a work directory under " + base);
    }
    path = pattern;
  }
  ~WorkDir()
  {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};
// What the wrapper needs from a run for --metrics-file.
struct SendRecord
{
  std::string metricsFile;
  std::optional<ReportRunSummary> summary;
};

// One line on standard error, rewritten in place, only on a terminal: a
// cron job's mail or a journal gets the summary line alone.
void showProgress(const ReportRunSummary& summary, std::size_t done, std::size_t total)
{
  std::fprintf(stderr,
               "\rsend: %zu/%zu domains planned, %llu reports, %llu sent, %llu failed\033[K", done,
               total, static_cast<unsigned long long>(summary.reports),
               static_cast<unsigned long long>(summary.sent),
               static_cast<unsigned long long>(summary.failed));
  std::fflush(stderr);
}

int runSend(int argc, char** argv, SendRecord& record)
{
  Parsed parsed;
  ReportRunOptions options;
  std::string database;
  std::string passwordFile;
  ReadDatabaseOptions readDatabase;
  std::string transport;
  SmtpOptions smtp;
  std::string sendmailCommand;
  std::chrono::seconds lockWait{3600};
  UnboundResolverOptions dnsOptions;
  bool httpsDelivery = false;
  TlsClientOptions httpsOptions;
  try {
    parsed = parseArguments(argc, argv);
    if (parsed.count("help") != 0) {
      usage(std::cout);
      return EX_OK;
    }
    database = single(parsed, "database");
    if (database.empty() && std::getenv("DMARC_DATABASE") != nullptr) {
      database = std::getenv("DMARC_DATABASE");
    }
    passwordFile = single(parsed, "password-file");
    readDatabase.connection = single(parsed, "read-database");
    if (readDatabase.connection.empty() && std::getenv("DMARC_READ_DATABASE") != nullptr) {
      readDatabase.connection = std::getenv("DMARC_READ_DATABASE");
    }
    readDatabase.passwordFile = passwordFile;
    readDatabase.lagWait = std::chrono::seconds(number(parsed, "read-lag-wait", 300, 0, 86400));
    options.email = single(parsed, "email");
    if (options.email.empty()) {
      throw ConfigError("--email (the reporting address) is required");
    }
    auto at = options.email.rfind('@');
    options.receiver =
        single(parsed, "receiver", at == std::string::npos ? "" : options.email.substr(at + 1));
    options.orgName = single(parsed, "org-name");
    options.extraContactInfo = single(parsed, "extra-contact");
    options.ownAddresses = multiple(parsed, "own-address");
    std::string format = single(parsed, "format", "rfc9990");
    if (format != "rfc9990" && format != "rfc7489") {
      throw ConfigError("--format must be rfc9990 or rfc7489");
    }
    options.format = format == "rfc7489" ? ReportFormat::Rfc7489 : ReportFormat::Rfc9990;

    const std::int64_t now = std::time(nullptr);
    const std::int64_t today = now - now % 86400;
    options.interval = {today - 86400, today};
    if (auto day = single(parsed, "day"); !day.empty()) {
      if (parsed.count("begin") + parsed.count("end") != 0) {
        throw ConfigError("--day and --begin/--end exclude each other");
      }
      std::int64_t begin = parseTime("day", day);
      options.interval = {begin, begin + 86400};
    }
    if (auto begin = single(parsed, "begin"); !begin.empty()) {
      options.interval.begin = parseTime("begin", begin);
    }
    if (auto end = single(parsed, "end"); !end.empty()) {
      options.interval.end = parseTime("end", end);
    }
    if (options.interval.end <= options.interval.begin) {
      throw ConfigError("the interval is empty (--end must be after --begin)");
    }
    options.onlyDomain = single(parsed, "domain");
    if (!options.onlyDomain.empty()) {
      for (auto& c : options.onlyDomain) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
    }
    options.outputDir = single(parsed, "output-dir");
    if (!options.outputDir.empty() && !std::filesystem::is_directory(options.outputDir)) {
      throw ConfigError("--output-dir " + options.outputDir + " is not a directory");
    }
    options.dryRun = parsed.count("dry-run") != 0;
    options.verbose = parsed.count("verbose") != 0;
    record.metricsFile = single(parsed, "metrics-file");
    if (::isatty(STDERR_FILENO) == 1 && !options.verbose) {
      options.progress = showProgress;
    }
    options.host = localHostName();
    options.retry.firstRetry = std::chrono::seconds(number(parsed, "retry", 3600, 1, 604800));
    options.retry.maxRetry = std::chrono::seconds(number(parsed, "max-retry", 86400, 1, 2592000));
    options.retry.giveUpAge = std::chrono::seconds(number(parsed, "give-up", 259200, 0, 31536000));
    options.retry.permfailsToSuppress =
        static_cast<int>(number(parsed, "suppress-after", 3, 1, 1000));
    lockWait = std::chrono::seconds(number(parsed, "lock-wait", 3600, 0, 86400));

    transport = single(parsed, "transport", "sendmail");
    sendmailCommand = single(parsed, "sendmail", "/usr/sbin/sendmail -t -oi");
    if (transport == "smtp") {
      setSmtpRelay(smtp, single(parsed, "smtp-relay"));
      smtp.tls = smtpTlsFromString(single(parsed, "smtp-tls", "may"));
      smtp.caFile = single(parsed, "smtp-ca-file");
      smtp.user = single(parsed, "smtp-user");
      if (auto file = single(parsed, "smtp-password-file"); !file.empty()) {
        smtp.password = readSecretLine(file, "SMTP password file");
      }
      smtp.heloName = single(parsed, "helo", options.receiver);
    } else if (transport != "sendmail") {
      throw ConfigError("--transport must be sendmail or smtp");
    }
    httpsDelivery = parsed.count("https-delivery") != 0;
    httpsOptions.caFile = single(parsed, "https-ca-file");
    httpsOptions.timeout = std::chrono::seconds(number(parsed, "https-timeout", 120, 1, 3600));
    httpsOptions.connectTimeout =
        std::min<std::chrono::milliseconds>(httpsOptions.timeout, std::chrono::seconds(30));
    dnsOptions.nameservers = multiple(parsed, "nameserver");
    for (const auto& server : dnsOptions.nameservers) {
      parseNameserver(server); // throws ConfigError for a bad one
    }
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports send: " << error.what() << "\n";
    return EX_USAGE;
  }

  // Verbose lines carry the seconds since the start, for progress on long runs.
  const auto start = std::chrono::steady_clock::now();
  auto logLine = [start](int level, const std::string& line) {
    if (level == 1) {
      auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%8.2fs] ", elapsed.count());
      std::cout << stamp << line << std::endl;
      return;
    }
    (level == 2 ? std::cerr : std::cout) << (level == 2 ? "warning: " : "") << line << std::endl;
  };
  try {
    std::unique_ptr<pqxx::connection> connection;
    try {
      connection = pgConnect(database, passwordFile, "dmarc-reports send");
    } catch (const pqxx::broken_connection& error) {
      std::cerr << "dmarc-reports send: " << pgConnectFailure(database, error) << "\n";
      return EX_UNAVAILABLE;
    }
    RunLock lock(*connection, lockWait);
    if (!lock.held()) {
      std::cerr << "dmarc-reports send: another run holds the lock; giving up after "
                << lockWait.count() << " s\n";
      return EX_TEMPFAIL;
    }
    std::unique_ptr<UnboundResolver> resolver;
    std::unique_ptr<Mailer> mailer;
    std::unique_ptr<ReportPoster> poster;
    if (options.outputDir.empty()) {
      resolver = std::make_unique<UnboundResolver>(dnsOptions);
      mailer = makeMailer(MailerSettings{transport, sendmailCommand, smtp});
      if (httpsDelivery) {
        poster = std::make_unique<HttpsReportPoster>(*resolver, httpsOptions);
      }
    }
    const char* tmp = std::getenv("TMPDIR");
    WorkDir work(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp");
    options.workDir = work.path;
    auto standby =
        openReadDatabase(*connection, readDatabase, [&](int level, const std::string& line) {
          if (level != 1 || options.verbose) {
            logLine(level, line);
          }
        });
    PgReportStore store(*connection, standby ? *standby : *connection);
    ReportRun run(
        options, store, resolver.get(), mailer.get(), poster.get(), logLine,
        [] { return std::time(nullptr); }, [] { return randomAlnum(6); });
    ReportRunSummary summary = run.run();
    record.summary = summary;
    if (options.progress) {
      std::fputs("\r\033[K", stderr); // the summary line replaces the progress line
    }
    std::cout << (options.dryRun ? "summary (dry run): " : "summary: ")
              << "domains=" << summary.domains << " rows=" << summary.rows
              << " messages=" << summary.messages << " reports=" << summary.reports
              << " sent=" << summary.sent << " skipped=" << summary.skipped
              << " failed=" << summary.failed << " postponed=" << summary.postponed << std::endl;
    return summary.failed == 0 ? EX_OK : EX_TEMPFAIL;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports send: " << error.what() << "\n";
    return EX_CONFIG;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports send: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports send: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  } catch (const std::exception& error) {
    std::cerr << "dmarc-reports send: " << logSafe(error.what(), 500) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace

int sendCommand(int argc, char** argv)
{
  const auto start = std::chrono::steady_clock::now();
  SendRecord record;
  int status = runSend(argc, argv, record);
  if (record.metricsFile.empty() || status == EX_USAGE) {
    return status;
  }
  SendRunFigures figures;
  figures.summary = record.summary;
  figures.exitStatus = status;
  figures.finished = std::time(nullptr);
  figures.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  figures.lastSuccess = status == EX_OK
                            ? std::optional<double>(static_cast<double>(figures.finished))
                            : lastSuccessIn(readSmallFile(record.metricsFile));
  try {
    writeFileAtomically(record.metricsFile, sendRunMetrics(figures));
  } catch (const std::exception& error) {
    std::cerr << "dmarc-reports send: --metrics-file: " << logSafe(error.what(), 500) << "\n";
    return status == EX_OK ? EX_CANTCREAT : status;
  }
  return status;
}
} // namespace dmarc
