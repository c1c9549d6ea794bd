// report_run.cc: the send run: plan, build once, deliver, record.
#include "reporting/report_run.hh"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "lib/core/error.hh"
#include "lib/core/version.hh"
#include "reporting/destination_check.hh"
#include "reporting/gzip_sink.hh"
#include "reporting/report_message.hh"
#include "reporting/report_naming.hh"
#include "reporting/report_xml_writer.hh"
#include "reporting/rua_uri.hh"

namespace dmarc
{
namespace
{
// Writes into a file; the file is complete only after finish().
class FileSink : public ByteSink
{
public:
  explicit FileSink(const std::string& path) : d_out(path, std::ios::binary | std::ios::trunc)
  {
    if (!d_out) {
      throw Error("cannot create " + path);
    }
  }
  void write(std::string_view bytes) override
  {
    d_out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!d_out) {
      throw Error("write error (disk full?)");
    }
  }
  void finish() override
  {
    d_out.flush();
    if (!d_out) {
      throw Error("write error (disk full?)");
    }
    d_out.close();
  }

private:
  std::ofstream d_out;
};

std::string lower(std::string text)
{
  for (auto& c : text) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return text;
}

} // namespace

std::string logSafe(std::string_view text, std::size_t max)
{
  std::string out;
  for (char c : text.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += (u >= 0x20 && u < 0x7f) ? c : '?';
    }
  }
  if (text.size() > max) {
    out += "...";
  }
  return out;
}

ReportRun::ReportRun(ReportRunOptions options, ReportStore& store, DnsResolver* resolver,
                     Mailer* mailer, RunLog log, std::function<std::time_t()> clock,
                     std::function<std::string()> randomSuffix)
    : d_options(std::move(options)), d_store(store), d_resolver(resolver), d_mailer(mailer),
      d_log(std::move(log)), d_clock(std::move(clock)), d_randomSuffix(std::move(randomSuffix))
{
  d_options.ownAddresses.push_back(d_options.email);
  for (auto& address : d_options.ownAddresses) {
    address = lower(address);
  }
  if (!isSafeMailAddress(d_options.email)) {
    throw ConfigError("the reporting address '" + logSafe(d_options.email) +
                      "' is not a plain mail address");
  }
  if (!isPlainDomainName(d_options.receiver)) {
    throw ConfigError("the receiver '" + logSafe(d_options.receiver) + "' is not a domain name");
  }
}

void ReportRun::log(int level, const std::string& line) const
{
  if (d_log && (level != 1 || d_options.verbose)) {
    d_log(level, line);
  }
}

bool ReportRun::isOwnAddress(const std::string& address) const
{
  std::string wanted = lower(address);
  for (const auto& own : d_options.ownAddresses) {
    if (own == wanted) {
      return true;
    }
  }
  return false;
}

ReportMetadata ReportRun::metadataFor(const std::string& reportId,
                                      const ReportInterval& interval) const
{
  ReportMetadata meta;
  meta.orgName = d_options.orgName.empty() ? d_options.receiver : d_options.orgName;
  meta.email = d_options.email;
  meta.extraContactInfo = d_options.extraContactInfo;
  meta.reportId = reportId;
  meta.begin = interval.begin;
  meta.end = interval.end - 1; // inclusive, as in the RFC 9990 sample
  meta.generator = std::string(g_productName) + " " + g_productVersion;
  return meta;
}

std::pair<std::uint64_t, std::uint64_t> ReportRun::buildReport(const std::string& domain,
                                                               const ReportInterval& interval,
                                                               const ReportMetadata& metadata,
                                                               const ReportPolicy& policy,
                                                               const std::string& path)
{
  FileSink file(path);
  GzipSink gzip(file);
  ReportXmlWriter writer(gzip, d_options.format);
  writer.begin(metadata, policy);
  d_store.streamRows(domain, interval,
                     [&writer](ReportRow&& row) { writer.addRecord(std::move(row)); });
  writer.finish();
  gzip.finish();
  return {writer.records(), writer.messages()};
}

void ReportRun::processDomain(const std::string& domain, const ReportInterval& interval)
{
  const std::string where = "domain=" + logSafe(domain);
  if (!isPlainDomainName(domain)) {
    log(2, "skip " + where + " reason=\"not a plain domain name\"");
    ++d_summary.skipped;
    return;
  }
  auto existing = d_store.findReport(domain, interval);
  auto policy = d_store.latestPolicy(domain, interval);
  if (!policy) {
    // The verdicts of an old report are gone (expired): nothing to rebuild.
    if (existing) {
      for (const auto& dest : d_store.destinations(existing->id)) {
        if (dest.status == DestinationStatus::Pending && !d_options.dryRun) {
          d_store.giveUpDestination(dest, "the verdicts of the interval are gone", d_options.retry);
          ++d_summary.failed;
        }
      }
    }
    return;
  }
  const ReportFormat savedFormat = d_options.format;
  if (existing) {
    d_options.format = existing->format; // a re-send keeps its format
  }
  struct FormatRestore
  {
    ReportFormat& target;
    ReportFormat value;
    ~FormatRestore() { target = value; }
  } restore{d_options.format, savedFormat};

  // Report identity: reused when the report exists, created otherwise
  // (never in a dry run, which writes nothing).
  StoredReport report;
  if (existing) {
    report = *existing;
  } else if (d_options.dryRun) {
    report.policyDomain = domain;
    report.interval = interval;
    report.reportId = "dryrun";
    report.filename = reportFilename(d_options.receiver, domain, interval.begin, interval.end - 1,
                                     report.reportId);
  } else if (!d_options.outputDir.empty() || !policy->rua.empty()) {
    report = d_store.createReport(domain, interval, d_options.format, d_options.receiver,
                                  d_options.host, d_randomSuffix());
  } else {
    log(1, "no-rua " + where);
    return;
  }
  const std::string reportWhere = where + " report_id=" + report.reportId;

  // --output-dir: write the file, no delivery.
  if (!d_options.outputDir.empty()) {
    std::string path = d_options.outputDir + "/" + report.filename;
    if (d_options.dryRun) {
      log(0, "would-write " + reportWhere + " file=\"" + logSafe(path, 400) + "\"");
      return;
    }
    std::string partial = path + ".part";
    auto [records, messages] = buildReport(domain, interval, metadataFor(report.reportId, interval),
                                           policy->published, partial);
    std::filesystem::rename(partial, path);
    d_store.updateReportStats(report.id, records, messages, std::filesystem::file_size(path));
    ++d_summary.reports;
    d_summary.rows += records;
    d_summary.messages += messages;
    log(1, "wrote " + reportWhere + " records=" + std::to_string(records) +
               " messages=" + std::to_string(messages) + " file=\"" + logSafe(path, 400) + "\"");
    return;
  }

  // Destinations: recorded when the report is first built; the published
  // rua, with any RFC 7489 size limits taken from the record itself.
  std::map<std::string, std::uint64_t> sizeLimits;
  for (const auto& text : ruaFromRecord(policy->record)) {
    if (auto uri = parseRuaUri(text); uri && uri->maxBytes) {
      sizeLimits[uri->uri] = *uri->maxBytes;
    }
  }
  std::vector<StoredDestination> destinations;
  // New URIs (first build, or a report first written by --output-dir) are
  // added; known ones keep their state.
  if (!d_options.dryRun) {
    for (const auto& text : policy->rua) {
      auto uri = parseRuaUri(text);
      d_store.addDestination(report.id, text,
                             uri && uri->scheme == RuaUri::Scheme::Mailto ? uri->address : "");
    }
  }
  if (report.id != 0) {
    destinations = d_store.destinations(report.id);
  }
  if (destinations.empty()) {
    for (const auto& text : policy->rua) {
      StoredDestination dest;
      dest.uri = text;
      dest.due = true;
      destinations.push_back(dest);
    }
  }

  struct Planned
  {
    StoredDestination stored;
    RuaUri uri;
  };
  std::vector<Planned> planned;
  auto skip = [&](const StoredDestination& dest, const std::string& reason) {
    log(0, "skip " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\" reason=\"" +
               logSafe(reason) + "\"");
    ++d_summary.skipped;
    if (!d_options.dryRun && dest.id != 0) {
      d_store.skipDestination(dest.id, reason);
    }
  };
  for (const auto& dest : destinations) {
    if (dest.status != DestinationStatus::Pending) {
      log(1, "done " + reportWhere + " rua=\"" + logSafe(dest.uri) +
                 "\" status=" + std::string(toString(dest.status)));
      continue;
    }
    if (!dest.due) {
      ++d_summary.postponed;
      log(1, "not-due " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\"");
      continue;
    }
    if (report.ageSeconds > d_options.retry.giveUpAge.count()) {
      log(2, "give-up " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\" reason=\"" +
                 logSafe(dest.reason) + "\"");
      ++d_summary.failed;
      if (!d_options.dryRun) {
        d_store.giveUpDestination(
            dest, "gave up after " + std::to_string(dest.attempts) + " attempts: " + dest.reason,
            d_options.retry);
      }
      continue;
    }
    auto uri = parseRuaUri(dest.uri);
    if (!uri) {
      skip(dest, "malformed rua URI");
      continue;
    }
    if (uri->scheme == RuaUri::Scheme::Https) {
      skip(dest, "https rua recorded, not enabled");
      continue;
    }
    if (uri->scheme != RuaUri::Scheme::Mailto) {
      skip(dest, "unsupported rua scheme");
      continue;
    }
    if (isOwnAddress(uri->address)) {
      skip(dest, "our own reporting address");
      continue;
    }
    if (d_store.isSuppressed(uri->address)) {
      skip(dest, "suppressed after repeated failures");
      continue;
    }
    if (auto limit = sizeLimits.find(uri->uri); limit != sizeLimits.end() && !uri->maxBytes) {
      uri->maxBytes = limit->second;
    }
    DestinationCheck check;
    if (d_resolver != nullptr) {
      check = checkDestination(*d_resolver, domain, policy->orgDomain, *uri);
    } else {
      check.status = DestinationCheck::Status::TempError;
      check.reason = "no DNS resolver";
    }
    if (check.status == DestinationCheck::Status::NotAuthorized) {
      skip(dest, "external destination not verified: " + check.reason);
      continue;
    }
    if (check.status == DestinationCheck::Status::TempError) {
      log(2, "postpone " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\" reason=\"" +
                 logSafe(check.reason) + "\"");
      ++d_summary.postponed;
      if (!d_options.dryRun && dest.id != 0) {
        d_store.postpone(dest, check.reason, d_options.retry);
      }
      continue;
    }
    log(1, "verified " + reportWhere + " rua=\"" + logSafe(dest.uri) +
               "\" check=" + std::string(toString(check.status)));
    planned.push_back({dest, check.destination});
  }
  if (planned.empty()) {
    return;
  }

  // Build once, send to each planned destination.
  const std::string reportPath = d_options.workDir + "/" + report.filename;
  auto [records, messages] = buildReport(domain, interval, metadataFor(report.reportId, interval),
                                         policy->published, reportPath);
  ++d_summary.reports;
  d_summary.rows += records;
  d_summary.messages += messages;
  const auto gzipBytes = std::filesystem::file_size(reportPath);
  if (!d_options.dryRun && report.id != 0) {
    d_store.updateReportStats(report.id, records, messages, gzipBytes);
  }
  for (const auto& plan : planned) {
    const std::string destWhere = reportWhere + " rua=\"" + logSafe(plan.stored.uri) + "\"";
    if (records == 0) {
      skip(plan.stored, "no reportable rows");
      continue;
    }
    ReportMessageInfo info;
    info.from = d_options.email;
    info.to = {plan.uri.address};
    info.receiver = d_options.receiver;
    info.policyDomain = domain;
    info.reportId = report.reportId;
    info.begin = interval.begin;
    info.end = interval.end - 1;
    info.filename = report.filename;
    info.date = d_clock();
    info.records = records;
    info.messages = messages;
    const std::string messagePath = d_options.workDir + "/message.eml";
    {
      std::ifstream attachment(reportPath, std::ios::binary);
      FileSink out(messagePath);
      writeReportMessage(out, info, attachment);
      out.finish();
    }
    const auto messageBytes = std::filesystem::file_size(messagePath);
    // RFC 7489 §6.2 "!size": only in compatibility mode (RFC 9990 dropped it).
    if (d_options.format == ReportFormat::Rfc7489 && plan.uri.maxBytes &&
        messageBytes > *plan.uri.maxBytes) {
      skip(plan.stored, "report of " + std::to_string(messageBytes) +
                            " bytes exceeds the rua size limit of " +
                            std::to_string(*plan.uri.maxBytes));
      continue;
    }
    if (d_options.dryRun) {
      log(0, "would-send " + destWhere + " to=" + logSafe(plan.uri.address) + " file=\"" +
                 logSafe(report.filename, 400) + "\" records=" + std::to_string(records) +
                 " bytes=" + std::to_string(messageBytes));
      ++d_summary.sent;
      continue;
    }
    Delivery delivery = d_mailer->send(d_options.email, info.to, messagePath);
    AttemptOutcome outcome =
        delivery.outcome == Delivery::Outcome::Delivered  ? AttemptOutcome::Delivered
        : delivery.outcome == Delivery::Outcome::Tempfail ? AttemptOutcome::Tempfail
                                                          : AttemptOutcome::Permfail;
    d_store.recordAttempt(plan.stored, d_options.host, d_mailer->transport(), outcome,
                          delivery.detail, d_options.retry);
    if (outcome == AttemptOutcome::Delivered) {
      ++d_summary.sent;
      log(0, "sent " + destWhere + " to=" + logSafe(plan.uri.address) +
                 " records=" + std::to_string(records) + " messages=" + std::to_string(messages));
    } else {
      ++d_summary.failed;
      log(2, std::string(outcome == AttemptOutcome::Tempfail ? "deferred " : "failed ") +
                 destWhere + " to=" + logSafe(plan.uri.address) + " detail=\"" +
                 logSafe(delivery.detail) + "\"");
    }
  }
  std::filesystem::remove(reportPath);
  std::filesystem::remove(d_options.workDir + "/message.eml");
}

ReportRunSummary ReportRun::run()
{
  d_summary = {};
  auto domains = d_store.domainsWithVerdicts(d_options.interval, d_options.onlyDomain);
  d_summary.domains = domains.size();
  std::size_t done = 0;
  for (const auto& domain : domains) {
    try {
      processDomain(domain.policyDomain, d_options.interval);
    } catch (const std::exception& error) {
      // One domain's trouble (a bad row, a full disk) never stops the others.
      ++d_summary.failed;
      log(2, "error domain=" + logSafe(domain.policyDomain) + " reason=\"" + logSafe(error.what()) +
                 "\"");
    }
    if (++done % 100 == 0) {
      log(1, "progress domains=" + std::to_string(done) + "/" + std::to_string(domains.size()) +
                 " reports=" + std::to_string(d_summary.reports) +
                 " rows=" + std::to_string(d_summary.rows));
    }
  }
  // Earlier reports with deliveries due for a retry.
  if (d_options.outputDir.empty()) {
    for (const auto& report : d_store.reportsWithDueRetries(d_options.onlyDomain)) {
      if (report.interval.begin == d_options.interval.begin &&
          report.interval.end == d_options.interval.end) {
        continue; // handled above
      }
      try {
        log(1, "retry domain=" + logSafe(report.policyDomain) + " report_id=" + report.reportId);
        processDomain(report.policyDomain, report.interval);
      } catch (const std::exception& error) {
        ++d_summary.failed;
        log(2, "error domain=" + logSafe(report.policyDomain) + " reason=\"" +
                   logSafe(error.what()) + "\"");
      }
    }
  }
  return d_summary;
}
} // namespace dmarc
