// cmd_send.cc: `dmarc-reports send`: its options (report_options.def) as
// settings, then one ReportRun under the database advisory lock, and the
// run's figures for --metrics-file.
//
// Trusts the command line (the administrator's cron line). The password of
// the database and of the SMTP relay come from files and are never logged.
#include "reporting/aggregate/cmd_send.hh"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sysexits.h>
#include <unistd.h>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/aggregate/pg_report_store.hh"
#include "reporting/aggregate/read_database.hh"
#include "reporting/aggregate/report_run.hh"
#include "reporting/aggregate/textfile_metrics.hh"
#include "reporting/report_naming.hh"
#include "reporting/run_lock.hh"
#include "reporting/session_check.hh"
#include "reporting/subcommand.hh"
#include "reporting/transport/host_identity.hh"
#include "reporting/transport/https_poster.hh"
#include "reporting/transport/mailer_options.hh"
#include "reporting/work_dir.hh"

namespace dmarc
{
namespace
{
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
    throw UsageError("--" + name + ": '" + logSafe(text) +
                     "' is not YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or epoch seconds");
  }
  return static_cast<std::int64_t>(timegm(&tm));
}

// --day, or --begin and --end; by default the previous UTC day.
ReportInterval intervalOf(const ReportArguments& args)
{
  const std::int64_t now = std::time(nullptr);
  const std::int64_t today = now - now % 86400;
  ReportInterval interval{today - 86400, today};
  const bool begin = args.given(ReportOption::Begin);
  const bool end = args.given(ReportOption::End);
  if (args.given(ReportOption::Day)) {
    if (begin || end) {
      throw UsageError("--day and --begin/--end exclude each other");
    }
    const std::int64_t day = parseTime("day", args.text(ReportOption::Day));
    interval = {day, day + 86400};
  }
  if (begin) {
    interval.begin = parseTime("begin", args.text(ReportOption::Begin));
  }
  if (end) {
    interval.end = parseTime("end", args.text(ReportOption::End));
  }
  if (interval.end <= interval.begin) {
    throw UsageError("the interval is empty (--end must be after --begin)");
  }
  return interval;
}

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

// What the reports say and where they go (ReportRunOptions).
ReportRunOptions runOptions(const ReportArguments& args)
{
  ReportRunOptions options;
  options.email = args.text(ReportOption::Email);
  if (options.email.empty()) {
    throw UsageError("--email (the reporting address) is required");
  }
  const auto at = options.email.rfind('@');
  options.receiver = args.given(ReportOption::Receiver)
                         ? args.text(ReportOption::Receiver)
                         : (at == std::string::npos ? "" : options.email.substr(at + 1));
  options.orgName = args.text(ReportOption::OrgName);
  options.extraContactInfo = args.text(ReportOption::ExtraContact);
  options.ownAddresses = args.list(ReportOption::OwnAddress);
  options.format =
      args.text(ReportOption::Format) == "rfc7489" ? ReportFormat::Rfc7489 : ReportFormat::Rfc9990;
  options.interval = intervalOf(args);
  options.onlyDomain = toLowerAscii(args.text(ReportOption::Domain));
  options.outputDir = args.text(ReportOption::OutputDir);
  if (!options.outputDir.empty() && !std::filesystem::is_directory(options.outputDir)) {
    throw UsageError("--output-dir " + options.outputDir + " is not a directory");
  }
  options.dryRun = args.flag(ReportOption::DryRun);
  options.verbose = args.flag(ReportOption::Verbose);
  if (::isatty(STDERR_FILENO) == 1 && !options.verbose) {
    options.progress = showProgress;
  }
  options.host = localHostName();
  options.retry.firstRetry = std::chrono::seconds(*args.number(ReportOption::Retry));
  options.retry.maxRetry = std::chrono::seconds(*args.number(ReportOption::MaxRetry));
  options.retry.giveUpAge = std::chrono::seconds(*args.number(ReportOption::GiveUp));
  options.retry.permfailsToSuppress = static_cast<int>(*args.number(ReportOption::SuppressAfter));
  return options;
}

struct SendSettings
{
  ReportRunOptions run;
  ReadDatabaseOptions readDatabase;
  MailerSettings mailer;
  UnboundResolverOptions dns;
  bool httpsDelivery = false;
  TlsClientOptions https;
  std::chrono::seconds lockWait{0};
};

SendSettings sendSettings(const ReportArguments& args)
{
  SendSettings settings;
  settings.run = runOptions(args);
  settings.readDatabase.connection = args.text(ReportOption::ReadDatabase);
  settings.readDatabase.passwordFile = args.text(ReportOption::PasswordFile);
  settings.readDatabase.lagWait = std::chrono::seconds(*args.number(ReportOption::ReadLagWait));
  settings.lockWait = std::chrono::seconds(*args.number(ReportOption::LockWait));
  settings.mailer = mailerSettings(
      args, args.given(ReportOption::Helo) ? args.text(ReportOption::Helo) : settings.run.receiver);
  settings.httpsDelivery = args.flag(ReportOption::HttpsDelivery);
  settings.https.caFile = args.text(ReportOption::HttpsCaFile);
  settings.https.timeout = std::chrono::seconds(*args.number(ReportOption::HttpsTimeout));
  settings.https.connectTimeout =
      std::min<std::chrono::milliseconds>(settings.https.timeout, std::chrono::seconds(30));
  settings.dns.nameservers = args.list(ReportOption::Nameserver);
  return settings;
}

// Verbose lines carry the seconds since the start, for progress on long runs.
RunLog sendLog()
{
  const auto start = std::chrono::steady_clock::now();
  return [start](int level, const std::string& line) {
    if (level == 1) {
      auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start);
      char stamp[32];
      std::snprintf(stamp, sizeof stamp, "[%8.2fs] ", elapsed.count());
      std::cout << stamp << line << std::endl;
      return;
    }
    (level == 2 ? std::cerr : std::cout) << (level == 2 ? "warning: " : "") << line << std::endl;
  };
}

void printSummary(const ReportRunSummary& summary, bool dryRun)
{
  std::cout << (dryRun ? "summary (dry run): " : "summary: ") << "domains=" << summary.domains
            << " rows=" << summary.rows << " messages=" << summary.messages
            << " reports=" << summary.reports << " sent=" << summary.sent
            << " skipped=" << summary.skipped << " failed=" << summary.failed
            << " postponed=" << summary.postponed << std::endl;
}

// The run under the lock; its summary in `summary` once it has one.
int runSend(const ReportArguments& args, SendSettings& settings,
            std::optional<ReportRunSummary>& summary)
{
  const auto connection = connectDatabase(args);
  // The lock lives in the server session: a pooler in transaction mode
  // would hand it on to another client.
  requireOwnSession(*connection, *connectDatabase(args));
  RunLock lock(*connection, settings.lockWait);
  if (!lock.held()) {
    std::cerr << "dmarc-reports send: another run holds the lock; giving up after "
              << settings.lockWait.count() << " s\n";
    return EX_TEMPFAIL;
  }
  std::unique_ptr<UnboundResolver> resolver;
  std::unique_ptr<Mailer> mailer;
  std::unique_ptr<ReportPoster> poster;
  if (settings.run.outputDir.empty()) {
    resolver = std::make_unique<UnboundResolver>(settings.dns);
    mailer = makeMailer(settings.mailer);
    if (settings.httpsDelivery) {
      poster = std::make_unique<HttpsReportPoster>(*resolver, settings.https);
    }
  }
  WorkDir work("dmarc-reports");
  settings.run.workDir = work.path();
  const RunLog log = sendLog();
  const auto standby =
      openReadDatabase(*connection, settings.readDatabase, [&](int level, const std::string& line) {
        if (level != 1 || settings.run.verbose) {
          log(level, line);
        }
      });
  PgReportStore store(*connection, standby ? *standby : *connection);
  ReportRun run(
      settings.run, store, resolver.get(), mailer.get(), poster.get(), log,
      [] { return std::time(nullptr); }, [] { return randomAlnum(6); });
  summary = run.run();
  if (settings.run.progress) {
    std::fputs("\r\033[K", stderr); // the summary line replaces the progress line
  }
  printSummary(*summary, settings.run.dryRun);
  return summary->failed == 0 ? EX_OK : EX_TEMPFAIL;
}

// --metrics-file: the figures of a run that got past its options, failed
// or not; a file that cannot be written is a failure of a run that
// otherwise succeeded.
int writeMetrics(const std::string& file, int status, std::optional<ReportRunSummary> summary,
                 std::chrono::steady_clock::time_point start)
{
  SendRunFigures figures;
  figures.summary = summary;
  figures.exitStatus = status;
  figures.finished = std::time(nullptr);
  figures.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  figures.lastSuccess = status == EX_OK
                            ? std::optional<double>(static_cast<double>(figures.finished))
                            : lastSuccessIn(readSmallFile(file));
  try {
    writeFileAtomically(file, sendRunMetrics(figures));
  } catch (const std::exception& error) {
    std::cerr << "dmarc-reports send: --metrics-file: " << logSafe(error.what(), 500) << "\n";
    return status == EX_OK ? EX_CANTCREAT : status;
  }
  return status;
}
} // namespace

int sendCommand(const ReportArguments& args)
{
  const auto start = std::chrono::steady_clock::now();
  SendSettings settings = readSettings([&] { return sendSettings(args); });
  std::optional<ReportRunSummary> summary;
  int status = EX_OK;
  try {
    status = runSend(args, settings, summary);
  } catch (...) {
    status = failureStatus(args);
  }
  const std::string& metricsFile = args.text(ReportOption::MetricsFile);
  return metricsFile.empty() ? status : writeMetrics(metricsFile, status, summary, start);
}
} // namespace dmarc
