// cmd_send_failures.cc: `dmarc-reports send-failures`: its options
// (report_options.def) as settings, then one FailureRun under the database
// advisory lock of failure report runs.
//
// Trusts the command line (the administrator's cron line or timer). The
// database and SMTP passwords and the redaction key come from files and
// are never logged.
#include "reporting/failure/cmd_send_failures.hh"

#include <chrono>
#include <filesystem>
#include <iostream>
#include <sysexits.h>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/error.hh"
#include "lib/core/failure_report.hh"
#include "lib/core/version.hh"
#include "reporting/failure/failure_run.hh"
#include "reporting/report_naming.hh"
#include "reporting/run_lock.hh"
#include "reporting/session_check.hh"
#include "reporting/subcommand.hh"
#include "reporting/transport/host_identity.hh"
#include "reporting/transport/mailer_options.hh"
#include "reporting/work_dir.hh"

namespace dmarc
{
namespace
{
// Failure report runs have their own lock ("dmarcfrp"): they run every few
// minutes and must not wait for the nightly aggregate run.
constexpr std::int64_t s_failureRunLockKey = 0x646d617263667270;

struct Settings
{
  FailureRunOptions run;
  MailerSettings mailer;
  UnboundResolverOptions dns;
  std::chrono::seconds lockWait{0};
  bool verbose = false;
};

// The redaction key, or none with --no-redaction: exactly one of the two.
std::string redactionKey(const ReportArguments& args)
{
  const bool noRedaction = args.flag(ReportOption::NoRedaction);
  const std::string& keyFile = args.text(ReportOption::RedactionKeyFile);
  if (noRedaction == !keyFile.empty()) {
    throw ConfigError("give exactly one of --redaction-key-file and --no-redaction");
  }
  if (noRedaction) {
    return "";
  }
  std::string key = readSecretLine(keyFile, "redaction key file");
  if (key.size() < 16) {
    throw ConfigError("the redaction key must be at least 16 characters");
  }
  return key;
}

FailureRunOptions runOptions(const ReportArguments& args)
{
  FailureRunOptions run;
  run.email = args.text(ReportOption::FailureEmail);
  if (run.email.empty()) {
    throw ConfigError("--email (the reporting address) is required");
  }
  if (!isPlainMailAddress(run.email)) {
    throw ConfigError("--email must be a plain address (local@domain)");
  }
  const auto at = run.email.rfind('@');
  run.receiver = args.given(ReportOption::FailureReceiver)
                     ? args.text(ReportOption::FailureReceiver)
                     : (at == std::string::npos ? "" : run.email.substr(at + 1));
  run.reportingMta = localHostName();
  run.userAgent = std::string("dmarc-reports/") + g_productVersion;
  run.neverReport = args.list(ReportOption::NeverReport);
  run.includeRecipients = args.flag(ReportOption::IncludeRecipients);
  run.redactionKey = redactionKey(args);
  run.caps.perDomainHour = *args.number(ReportOption::MaxPerDomainHour);
  run.caps.perDomainDay = *args.number(ReportOption::MaxPerDomainDay);
  run.caps.globalHour = *args.number(ReportOption::MaxPerHour);
  run.retrySeconds = *args.number(ReportOption::FailureRetry);
  run.giveUpSeconds = *args.number(ReportOption::FailureGiveUp);
  run.outputDir = args.text(ReportOption::FailureOutputDir);
  if (!run.outputDir.empty() && !std::filesystem::is_directory(run.outputDir)) {
    throw ConfigError("--output-dir " + run.outputDir + " is not a directory");
  }
  run.dryRun = args.flag(ReportOption::FailureDryRun);
  return run;
}

Settings failureSettings(const ReportArguments& args)
{
  Settings settings;
  settings.run = runOptions(args);
  settings.mailer = mailerSettings(args, settings.run.receiver);
  settings.dns.nameservers = args.list(ReportOption::FailureNameserver);
  settings.lockWait = std::chrono::seconds(*args.number(ReportOption::FailureLockWait));
  settings.verbose = args.flag(ReportOption::Verbose);
  return settings;
}

int runWithSettings(const ReportArguments& args, Settings& settings)
{
  const auto connection = connectDatabase(args);
  requireOwnSession(*connection, *connectDatabase(args));
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
  WorkDir work("dmarc-failures");
  settings.run.workDir = work.path();
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

int sendFailuresCommand(const ReportArguments& args)
{
  Settings settings = readSettings([&] { return failureSettings(args); });
  return runWithSettings(args, settings);
}
} // namespace dmarc
