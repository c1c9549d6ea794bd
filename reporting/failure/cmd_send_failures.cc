// cmd_send_failures.cc: `dmarc-reports send-failures`: options (one table:
// the parser, --help and the man page's list), then one FailureRun under
// the database advisory lock of failure report runs.
//
// Trusts the command line (the administrator's cron line or timer). The
// database and SMTP passwords and the redaction key come from files and
// are never logged.
#include "reporting/failure/cmd_send_failures.hh"

#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sysexits.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/failure_report.hh"
#include "lib/core/version.hh"
#include "reporting/command_line.hh"
#include "reporting/failure/failure_run.hh"
#include "reporting/report_naming.hh"
#include "reporting/run_lock.hh"
#include "reporting/transport/host_identity.hh"
#include "reporting/transport/mailer_options.hh"

namespace dmarc
{
namespace
{
// Failure report runs have their own lock ("dmarcfrp"): they run every few
// minutes and must not wait for the nightly aggregate run.
constexpr std::int64_t s_failureRunLockKey = 0x646d617263667270;

struct OptionSpec
{
  const char* name;
  const char* argument; // nullptr: a flag
  const char* help;
};

// man/dmarc-reports.8.in lists the same options under send-failures.
constexpr std::array<OptionSpec, 25> s_options{{
    {"--database", "CONNINFO", "libpq connection string (default: $DMARC_DATABASE)"},
    {"--password-file", "FILE", "file whose first line is the database password"},
    {"--email", "ADDRESS", "the reporting address: From: and envelope sender (required)"},
    {"--receiver", "DOMAIN", "our domain, for Message-IDs (default: the domain of --email)"},
    {"--redaction-key-file", "FILE",
     "file whose first line is the secret of the keyed hash that replaces local parts "
     "(required unless --no-redaction)"},
    {"--no-redaction", nullptr, "report local parts as they are"},
    {"--include-recipients", nullptr,
     "add Original-Rcpt-To fields (redacted unless --no-redaction)"},
    {"--never-report", "DOMAIN[,DOMAIN...]", "domains (and subdomains) never reported on"},
    {"--max-per-domain-hour", "N", "messages reported per policy domain per hour (default 10)"},
    {"--max-per-domain-day", "N", "messages reported per policy domain per day (default 100)"},
    {"--max-per-hour", "N", "messages reported per hour in all (default 1000)"},
    {"--transport", "sendmail|smtp", "how report mail leaves (default sendmail)"},
    {"--sendmail", "COMMAND", "the local MTA's command (default \"/usr/sbin/sendmail -t -oi\")"},
    {"--smtp-relay", "HOST[:PORT]", "the relay for --transport smtp"},
    {"--smtp-tls", "none|may|encrypt|verify", "STARTTLS use with the relay (default may)"},
    {"--smtp-ca-file", "FILE", "CA certificates for --smtp-tls verify"},
    {"--smtp-user", "USER", "SMTP AUTH PLAIN user (only over TLS)"},
    {"--smtp-password-file", "FILE", "file whose first line is the SMTP AUTH password"},
    {"--nameserver", "ADDR[@PORT][,...]", "DNS servers for _report._dmarc checks"},
    {"--retry", "SECONDS", "first retry delay after a temporary failure, doubled (default 600)"},
    {"--give-up", "SECONDS", "stop retrying a sample this old (default 86400)"},
    {"--lock-wait", "SECONDS", "how long to wait for a concurrent run (default 0)"},
    {"--output-dir", "DIR", "write the reports into DIR instead of mailing them"},
    {"--dry-run", nullptr, "decide and log; send and record nothing"},
    {"--verbose", nullptr, "every decision (also -v)"},
}};

void usage(std::ostream& out)
{
  out << "usage: dmarc-reports send-failures --email ADDRESS --redaction-key-file FILE "
         "[options]\n"
         "Mails the DMARC failure reports (RFC 9991) of the failure samples the milters\n"
         "stored (FailureReports yes), within caps, to authorised ruf addresses.\n\noptions:\n";
  for (const auto& option : s_options) {
    out << "  " << option.name
        << (option.argument != nullptr ? std::string(" ") + option.argument : std::string())
        << "\n      " << option.help << "\n";
  }
  out << "  --help\n      this help (also -h)\n";
}

std::vector<std::string> commaList(const std::string& text)
{
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= text.size() && !text.empty()) {
    auto comma = text.find(',', start);
    auto item = std::string(trimSpace(text.substr(start, comma - start)));
    if (!item.empty()) {
      items.push_back(item);
    }
    if (comma == std::string::npos) {
      break;
    }
    start = comma + 1;
  }
  return items;
}

struct Settings
{
  std::string database;
  std::string passwordFile;
  FailureRunOptions run;
  MailerSettings mailer;
  UnboundResolverOptions dns;
  std::chrono::seconds lockWait{0};
  bool verbose = false;
};

void readRunOptions(ParsedCommandLine& parsed, FailureRunOptions& run)
{
  run.email = parsed.values["--email"];
  if (run.email.empty()) {
    throw ConfigError("--email (the reporting address) is required");
  }
  if (!isPlainMailAddress(run.email)) {
    throw ConfigError("--email must be a plain address (local@domain)");
  }
  auto at = run.email.rfind('@');
  run.receiver = parsed.values.count("--receiver") != 0
                     ? parsed.values["--receiver"]
                     : (at == std::string::npos ? "" : run.email.substr(at + 1));
  run.reportingMta = localHostName();
  run.userAgent = std::string("dmarc-reports/") + g_productVersion;
  run.neverReport = commaList(parsed.values["--never-report"]);
  run.includeRecipients = parsed.flags.count("--include-recipients") != 0;
  const bool noRedaction = parsed.flags.count("--no-redaction") != 0;
  const std::string keyFile = parsed.values["--redaction-key-file"];
  if (noRedaction == !keyFile.empty()) {
    throw ConfigError("give exactly one of --redaction-key-file and --no-redaction");
  }
  if (!keyFile.empty()) {
    run.redactionKey = readSecretLine(keyFile, "redaction key file");
    if (run.redactionKey.size() < 16) {
      throw ConfigError("the redaction key must be at least 16 characters");
    }
  }
  run.caps.perDomainHour = integerOption(parsed, "--max-per-domain-hour", 0, 1000000).value_or(10);
  run.caps.perDomainDay = integerOption(parsed, "--max-per-domain-day", 0, 10000000).value_or(100);
  run.caps.globalHour = integerOption(parsed, "--max-per-hour", 0, 100000000).value_or(1000);
  run.retrySeconds = integerOption(parsed, "--retry", 1, 604800).value_or(600);
  run.giveUpSeconds = integerOption(parsed, "--give-up", 0, 31536000).value_or(86400);
  run.outputDir = parsed.values["--output-dir"];
  if (!run.outputDir.empty() && !std::filesystem::is_directory(run.outputDir)) {
    throw ConfigError("--output-dir " + run.outputDir + " is not a directory");
  }
  run.dryRun = parsed.flags.count("--dry-run") != 0;
}

Settings readSettings(ParsedCommandLine& parsed)
{
  Settings settings;
  settings.database = databaseOption(parsed);
  settings.passwordFile = parsed.values["--password-file"];
  readRunOptions(parsed, settings.run);
  MailerSettings& mailer = settings.mailer;
  if (parsed.values.count("--transport") != 0) {
    mailer.transport = parsed.values["--transport"];
  }
  if (parsed.values.count("--sendmail") != 0) {
    mailer.sendmailCommand = parsed.values["--sendmail"];
  }
  if (mailer.transport == "smtp") {
    setSmtpRelay(mailer.smtp, parsed.values["--smtp-relay"]);
    mailer.smtp.tls = smtpTlsFromString(
        parsed.values.count("--smtp-tls") != 0 ? parsed.values["--smtp-tls"] : "may");
    mailer.smtp.caFile = parsed.values["--smtp-ca-file"];
    mailer.smtp.user = parsed.values["--smtp-user"];
    if (auto file = parsed.values["--smtp-password-file"]; !file.empty()) {
      mailer.smtp.password = readSecretLine(file, "SMTP password file");
    }
    mailer.smtp.heloName = settings.run.receiver;
  } else if (mailer.transport != "sendmail") {
    throw ConfigError("--transport must be sendmail or smtp");
  }
  settings.dns.nameservers = commaList(parsed.values["--nameserver"]);
  for (const auto& server : settings.dns.nameservers) {
    parseNameserver(server); // throws ConfigError for a bad one
  }
  settings.lockWait =
      std::chrono::seconds(integerOption(parsed, "--lock-wait", 0, 86400).value_or(0));
  settings.verbose = parsed.flags.count("--verbose") != 0 || parsed.flags.count("-v") != 0;
  if (!parsed.error.empty()) {
    throw ConfigError(parsed.error);
  }
  if (!parsed.positional.empty()) {
    throw ConfigError("unexpected argument");
  }
  return settings;
}

// Removes the run's private work directory on every exit path.
struct WorkDir
{
  std::string path;
  WorkDir()
  {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/dmarc-failures.XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw Error("cannot create a work directory");
    }
    path = pattern;
  }
  ~WorkDir()
  {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

int runWithSettings(Settings& settings)
{
  std::unique_ptr<pqxx::connection> connection;
  try {
    connection = pgConnect(settings.database, settings.passwordFile, "dmarc-reports send-failures");
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports send-failures: " << pgConnectFailure(settings.database, error)
              << "\n";
    return EX_UNAVAILABLE;
  }
  RunLock lock(*connection, settings.lockWait, s_failureRunLockKey);
  if (!lock.held()) {
    std::cerr << "dmarc-reports send-failures: another run holds the lock\n";
    return EX_TEMPFAIL;
  }
  UnboundResolver resolver(settings.dns);
  std::unique_ptr<Mailer> mailer;
  if (settings.run.outputDir.empty() && !settings.run.dryRun) {
    mailer = makeMailer(settings.mailer);
  }
  WorkDir work;
  settings.run.workDir = work.path;
  FailureStore store(*connection);
  const bool verbose = settings.verbose;
  auto log = [verbose](int level, const std::string& line) {
    if (level == 2) {
      std::cerr << "warning: " << line << std::endl;
    } else if (level == 0 || verbose) {
      std::cout << line << std::endl;
    }
  };
  FailureRun run(settings.run, store, *connection, resolver, mailer.get(), log,
                 [] { return randomAlnum(12); });
  FailureRunSummary summary = run.run();
  std::cout << (settings.run.dryRun ? "summary (dry run): " : "summary: ")
            << "samples=" << summary.samples << " messages=" << summary.messages
            << " reports=" << summary.reports << " suppressed=" << summary.suppressed
            << " postponed=" << summary.postponed << std::endl;
  return summary.postponed == 0 ? EX_OK : EX_TEMPFAIL;
}
} // namespace

int sendFailuresCommand(int argc, char** argv)
{
  std::set<std::string> withValue;
  std::set<std::string> flags{"-v", "-h", "--help"};
  for (const auto& option : s_options) {
    (option.argument != nullptr ? withValue : flags).insert(option.name);
  }
  auto parsed = parseCommandLine(argc, argv, withValue, flags);
  if (parsed.flags.count("-h") != 0 || parsed.flags.count("--help") != 0) {
    usage(std::cout);
    return EX_OK;
  }
  Settings settings;
  try {
    settings = readSettings(parsed);
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports send-failures: " << error.what() << "\n";
    return EX_USAGE;
  }
  const std::string& database = settings.database;
  try {
    return runWithSettings(settings);
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports send-failures: " << error.what() << "\n";
    return EX_CONFIG;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports send-failures: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports send-failures: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  } catch (const std::exception& error) {
    std::cerr << "dmarc-reports send-failures: " << logSafe(error.what(), 500) << "\n";
    return EX_SOFTWARE;
  }
}
} // namespace dmarc
