// report_run.cc: the send run: plan, build once, deliver, record.
#include "reporting/aggregate/report_run.hh"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/version.hh"
#include "reporting/aggregate/gzip_sink.hh"
#include "reporting/aggregate/report_message.hh"
#include "reporting/aggregate/report_xml_writer.hh"
#include "reporting/check/destination_check.hh"
#include "reporting/report_naming.hh"
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

// Domains looked up, reports created and figures recorded per round trip
// or transaction.
constexpr std::size_t s_batch = 1000;
} // namespace

std::string logSafe(std::string_view text, std::size_t max)
{
  std::string out;
  // Multi-line texts (libpq's and the server's errors) stay readable on one
  // line: line breaks become "; ", and none is left dangling at the end.
  const char* pending = "";
  for (char c : text.substr(0, max)) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      pending = out.empty() ? "" : "; ";
      continue;
    }
    if (c == '\r' || c == '\t') {
      if (*pending == '\0' && !out.empty()) {
        pending = " ";
      }
      continue;
    }
    out += pending;
    pending = "";
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
                     Mailer* mailer, ReportPoster* poster, RunLog log,
                     std::function<std::time_t()> clock, std::function<std::string()> randomSuffix)
    : d_options(std::move(options)), d_store(store), d_resolver(resolver), d_mailer(mailer),
      d_poster(poster), d_log(std::move(log)), d_clock(std::move(clock)),
      d_randomSuffix(std::move(randomSuffix))
{
  d_options.ownAddresses.push_back(d_options.email);
  for (auto& address : d_options.ownAddresses) {
    address = toLowerAscii(address);
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
  std::string wanted = toLowerAscii(address);
  for (const auto& own : d_options.ownAddresses) {
    if (own == wanted) {
      return true;
    }
  }
  return false;
}

ReportMetadata ReportRun::metadataFor(const StoredReport& report) const
{
  ReportMetadata meta;
  meta.orgName = d_options.orgName.empty() ? d_options.receiver : d_options.orgName;
  meta.email = d_options.email;
  meta.extraContactInfo = d_options.extraContactInfo;
  meta.reportId = report.reportId;
  meta.begin = report.interval.begin;
  meta.end = report.interval.end - 1; // inclusive, as in the RFC 9990 sample
  meta.generator = std::string(g_productName) + " " + g_productVersion;
  return meta;
}

void ReportRun::skip(const StoredDestination& destination, const std::string& where,
                     const std::string& reason)
{
  log(0, "skip " + where + " rua=\"" + logSafe(destination.uri) + "\" reason=\"" + logSafe(reason) +
             "\"");
  ++d_summary.skipped;
  if (!d_options.dryRun && destination.id != 0) {
    d_store.skipDestination(destination.id, reason);
  }
}

void ReportRun::giveUpExpired(const std::optional<StoredReport>& existing)
{
  if (!existing || d_options.dryRun) {
    return;
  }
  for (const auto& dest : d_store.destinations(existing->id)) {
    if (dest.status == DestinationStatus::Pending) {
      d_store.giveUpDestination(dest, "the verdicts of the interval are gone", d_options.retry);
      ++d_summary.failed;
    }
  }
}

std::optional<StoredReport> ReportRun::reportFor(const std::string& domain,
                                                 const ReportInterval& interval,
                                                 const std::optional<StoredReport>& existing)
{
  if (existing) {
    return *existing;
  }
  if (d_options.dryRun) {
    StoredReport report;
    report.policyDomain = domain;
    report.interval = interval;
    report.format = d_options.format;
    report.reportId = "dryrun";
    report.filename = reportFilename(d_options.receiver, domain, interval.begin, interval.end - 1,
                                     report.reportId);
    return report;
  }
  return std::nullopt;
}

std::vector<ReportRun::Known> ReportRun::lookUp(const std::vector<std::string>& domains,
                                                const ReportInterval& interval)
{
  std::vector<std::string> plain;
  for (const auto& domain : domains) {
    if (isPlainDomainName(domain)) {
      plain.push_back(domain);
    }
  }
  auto existing = d_store.findReports(plain, interval);
  auto policies = d_store.latestPolicies(plain, interval);
  // A new report for a domain with verdicts and somewhere to send (or
  // write) it; never in a dry run. Random suffixes in domain order, as
  // when each was created on its own.
  std::vector<NewReport> fresh;
  std::vector<std::size_t> freshAt;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (!existing[i] && policies[i] && !d_options.dryRun &&
        (!d_options.outputDir.empty() || !policies[i]->rua.empty())) {
      fresh.push_back({plain[i], d_randomSuffix()});
      freshAt.push_back(i);
    }
  }
  auto created =
      d_store.createReports(fresh, interval, d_options.format, d_options.receiver, d_options.host);
  for (std::size_t j = 0; j < created.size() && j < freshAt.size(); ++j) {
    existing[freshAt[j]] = std::move(created[j]);
  }
  std::vector<Known> known(domains.size());
  for (std::size_t i = 0, p = 0; i < domains.size() && p < plain.size(); ++i) {
    if (domains[i] == plain[p]) {
      known[i] = {std::move(existing[p]), std::move(policies[p])};
      ++p;
    }
  }
  return known;
}

std::vector<StoredDestination> ReportRun::destinationsFor(const Planned& planned)
{
  if (!d_options.dryRun) {
    for (const auto& text : planned.policy.rua) {
      // The address column names what is delivered to: the mail address,
      // or the https URI (the identity the suppression list counts).
      auto uri = parseRuaUri(text);
      d_store.addDestination(planned.report.id, text,
                             !uri                                    ? ""
                             : uri->scheme == RuaUri::Scheme::Mailto ? uri->address
                                                                     : toLowerAscii(uri->uri));
    }
  }
  std::vector<StoredDestination> destinations;
  if (planned.report.id != 0) {
    destinations = d_store.destinations(planned.report.id);
  }
  if (destinations.empty()) {
    for (const auto& text : planned.policy.rua) {
      StoredDestination dest;
      dest.uri = text;
      dest.due = true;
      destinations.push_back(dest);
    }
  }
  return destinations;
}

std::optional<RuaUri> ReportRun::admit(StoredDestination& dest, const Planned& planned,
                                       const std::string& reportWhere)
{
  if (dest.status != DestinationStatus::Pending) {
    log(1, "done " + reportWhere + " rua=\"" + logSafe(dest.uri) +
               "\" status=" + std::string(toString(dest.status)));
    return std::nullopt;
  }
  if (!dest.due) {
    ++d_summary.postponed;
    log(1, "not-due " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\"");
    return std::nullopt;
  }
  if (planned.report.ageSeconds > d_options.retry.giveUpAge.count()) {
    log(2, "give-up " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\" reason=\"" +
               logSafe(dest.reason) + "\"");
    ++d_summary.failed;
    if (!d_options.dryRun) {
      d_store.giveUpDestination(
          dest, "gave up after " + std::to_string(dest.attempts) + " attempts: " + dest.reason,
          d_options.retry);
    }
    return std::nullopt;
  }
  auto uri = parseRuaUri(dest.uri);
  if (!uri) {
    skip(dest, reportWhere, "malformed rua URI");
    return std::nullopt;
  }
  if (uri->scheme == RuaUri::Scheme::Https) {
    if (d_poster == nullptr) {
      skip(dest, reportWhere, "https rua recorded, not enabled");
      return std::nullopt;
    }
    if (dest.address.empty()) {
      dest.address = toLowerAscii(uri->uri); // recorded before https was enabled
    }
  }
  if (isOwnAddress(uri->address)) {
    skip(dest, reportWhere, "our own reporting address");
    return std::nullopt;
  }
  if (d_store.isSuppressed(uri->scheme == RuaUri::Scheme::Https ? dest.address : uri->address)) {
    skip(dest, reportWhere, "suppressed after repeated failures");
    return std::nullopt;
  }
  return uri;
}

std::optional<ReportRun::Target>
ReportRun::verify(const StoredDestination& dest, RuaUri uri, const std::string& domain,
                  const Planned& planned, const std::map<std::string, std::uint64_t>& sizeLimits,
                  const std::string& reportWhere)
{
  if (auto limit = sizeLimits.find(uri.uri); limit != sizeLimits.end() && !uri.maxBytes) {
    uri.maxBytes = limit->second;
  }
  DestinationCheck check;
  if (d_resolver != nullptr) {
    check = checkDestination(*d_resolver, domain, planned.policy.orgDomain, uri);
  } else {
    check.status = DestinationCheck::Status::TempError;
    check.reason = "no DNS resolver";
  }
  if (check.status == DestinationCheck::Status::NotAuthorized) {
    skip(dest, reportWhere, "external destination not verified: " + check.reason);
    return std::nullopt;
  }
  if (check.status == DestinationCheck::Status::TempError) {
    log(2, "postpone " + reportWhere + " rua=\"" + logSafe(dest.uri) + "\" reason=\"" +
               logSafe(check.reason) + "\"");
    ++d_summary.postponed;
    if (!d_options.dryRun && dest.id != 0) {
      d_store.postpone(dest, check.reason, d_options.retry);
    }
    return std::nullopt;
  }
  // A destination of ours (the same address twice through a replacement)
  // is checked again after the replacement.
  if (isOwnAddress(check.destination.address)) {
    skip(dest, reportWhere, "our own reporting address");
    return std::nullopt;
  }
  if (check.destination.scheme == RuaUri::Scheme::Https && d_poster == nullptr) {
    skip(dest, reportWhere, "https rua recorded, not enabled");
    return std::nullopt;
  }
  log(1, "verified " + reportWhere + " rua=\"" + logSafe(dest.uri) +
             "\" check=" + std::string(toString(check.status)));
  return Target{dest, check.destination};
}

std::optional<ReportRun::Planned> ReportRun::plan(const std::string& domain,
                                                  const ReportInterval& interval, Known known)
{
  const std::string where = "domain=" + logSafe(domain);
  if (!isPlainDomainName(domain)) {
    log(2, "skip " + where + " reason=\"not a plain domain name\"");
    ++d_summary.skipped;
    return std::nullopt;
  }
  if (!known.policy) {
    // The verdicts of an old report are gone (expired): nothing to rebuild.
    giveUpExpired(known.existing);
    return std::nullopt;
  }

  // Report identity: reused when the report exists (a re-send keeps its
  // Report-ID, filename and format), created by lookUp otherwise; never in
  // a dry run.
  Planned planned;
  planned.policy = std::move(*known.policy);
  auto report = reportFor(domain, interval, known.existing);
  if (!report) {
    log(1, "no-rua " + where);
    return std::nullopt;
  }
  planned.report = std::move(*report);
  const std::string reportWhere = where + " report_id=" + planned.report.reportId;

  if (!d_options.outputDir.empty()) {
    // A dry run writes the same file too (the report as it would be sent,
    // its Report-ID "dryrun" unless the report already exists), so that
    // tomorrow's reports can be read without recording anything.
    planned.path = d_options.outputDir + "/" + planned.report.filename;
    return planned;
  }

  // Destinations: the published rua, recorded on the first build (or added
  // to a report first written by --output-dir); known ones keep their state.
  std::map<std::string, std::uint64_t> sizeLimits;
  for (const auto& uri : ruaUrisFromRecord(planned.policy.record)) {
    if (uri.maxBytes) {
      sizeLimits[uri.uri] = *uri.maxBytes;
    }
  }
  for (auto dest : destinationsFor(planned)) {
    if (auto uri = admit(dest, planned, reportWhere)) {
      if (auto target = verify(dest, *uri, domain, planned, sizeLimits, reportWhere)) {
        planned.deliveries.push_back(std::move(*target));
      }
    }
  }
  if (planned.deliveries.empty()) {
    return std::nullopt;
  }
  planned.path = d_options.workDir + "/" + planned.report.filename;
  return planned;
}

void ReportRun::build(std::vector<Planned>& planned, const ReportInterval& interval,
                      const std::string& onlyDomain, std::size_t totalDomains)
{
  if (planned.empty()) {
    return;
  }
  std::map<std::string, Planned*> byDomain;
  for (auto& p : planned) {
    byDomain[p.report.policyDomain] = &p;
  }
  // One report open at a time: rows arrive ordered by domain.
  struct Open
  {
    Planned* planned;
    std::string partial;
    std::unique_ptr<FileSink> file;
    std::unique_ptr<GzipSink> gzip;
    std::unique_ptr<ReportXmlWriter> writer;
  };
  std::optional<Open> open;
  auto close = [&]() {
    if (!open) {
      return;
    }
    open->writer->finish();
    open->gzip->finish();
    open->planned->records = open->writer->records();
    open->planned->messages = open->writer->messages();
    std::filesystem::rename(open->partial, open->planned->path);
    ++d_summary.reports;
    d_summary.rows += open->planned->records;
    d_summary.messages += open->planned->messages;
    log(1, "built domain=" + logSafe(open->planned->report.policyDomain) +
               " report_id=" + open->planned->report.reportId +
               " records=" + std::to_string(open->planned->records) +
               " messages=" + std::to_string(open->planned->messages));
    if (d_summary.reports % 100 == 0) {
      log(1, "progress reports=" + std::to_string(d_summary.reports) + "/" +
                 std::to_string(planned.size()) + " rows=" + std::to_string(d_summary.rows));
    }
    open.reset();
  };
  // One scan of the whole interval when many domains need a report; one
  // indexed query per domain when only a few do (a rerun with a handful of
  // retries must not read every row of the day).
  std::vector<std::string> filters{onlyDomain};
  if (onlyDomain.empty() && planned.size() * 10 < totalDomains) {
    filters.clear();
    for (const auto& p : planned) {
      filters.push_back(p.report.policyDomain);
    }
  }
  std::string current;
  Planned* target = nullptr;
  for (const auto& filter : filters) {
    d_store.streamRows(interval, filter, [&](const std::string& domain, ReportRow&& row) {
      if (domain != current) {
        close();
        current = domain;
        auto found = byDomain.find(domain);
        target = found == byDomain.end() ? nullptr : found->second;
        if (target != nullptr) {
          Open next;
          next.planned = target;
          next.partial = target->path + ".part";
          next.file = std::make_unique<FileSink>(next.partial);
          next.gzip = std::make_unique<GzipSink>(*next.file);
          next.writer = std::make_unique<ReportXmlWriter>(*next.gzip, target->report.format);
          next.writer->begin(metadataFor(target->report), target->policy.published);
          open = std::move(next);
        }
      }
      if (target != nullptr) {
        open->writer->addRecord(std::move(row));
      }
    });
  }
  close();
}

void ReportRun::recordStats(const std::vector<Planned>& planned)
{
  if (d_options.dryRun) {
    return;
  }
  std::vector<ReportStats> stats;
  for (const auto& p : planned) {
    if (p.report.id == 0) {
      continue;
    }
    stats.push_back({p.report.id, p.records, p.messages,
                     std::filesystem::exists(p.path) ? std::filesystem::file_size(p.path) : 0});
    if (stats.size() == s_batch) {
      d_store.recordReportStats(stats);
      stats.clear();
    }
  }
  d_store.recordReportStats(stats);
}

void ReportRun::deliver(Planned& planned)
{
  const std::string reportWhere =
      "domain=" + logSafe(planned.report.policyDomain) + " report_id=" + planned.report.reportId;
  if (!d_options.outputDir.empty()) {
    log(d_options.dryRun ? 0 : 1, std::string(d_options.dryRun ? "wrote (dry run) " : "wrote ") +
                                      reportWhere + " file=\"" + logSafe(planned.path, 400) +
                                      "\" records=" + std::to_string(planned.records));
    return;
  }
  for (const auto& delivery : planned.deliveries) {
    const std::string destWhere = reportWhere + " rua=\"" + logSafe(delivery.stored.uri) + "\"";
    if (planned.records == 0 || !std::filesystem::exists(planned.path)) {
      skip(delivery.stored, reportWhere, "no reportable rows");
      continue;
    }
    if (delivery.uri.scheme == RuaUri::Scheme::Https) {
      post(planned, delivery, reportWhere);
      continue;
    }
    ReportMessageInfo info;
    info.from = d_options.email;
    info.to = {delivery.uri.address};
    info.receiver = d_options.receiver;
    info.policyDomain = planned.report.policyDomain;
    info.reportId = planned.report.reportId;
    info.begin = planned.report.interval.begin;
    info.end = planned.report.interval.end - 1;
    info.filename = planned.report.filename;
    info.date = d_clock();
    info.records = planned.records;
    info.messages = planned.messages;
    const std::string messagePath = d_options.workDir + "/message.eml";
    {
      std::ifstream attachment(planned.path, std::ios::binary);
      FileSink out(messagePath);
      writeReportMessage(out, info, attachment);
      out.finish();
    }
    const auto messageBytes = std::filesystem::file_size(messagePath);
    // RFC 7489 §6.2 "!size": only in compatibility mode (RFC 9990 dropped it).
    if (planned.report.format == ReportFormat::Rfc7489 && delivery.uri.maxBytes &&
        messageBytes > *delivery.uri.maxBytes) {
      const std::string reason = "report of " + std::to_string(messageBytes) +
                                 " bytes exceeds the rua size limit of " +
                                 std::to_string(*delivery.uri.maxBytes);
      if (!d_options.dryRun) {
        // RFC 7489 §7.2.2: tell the destination, briefly, instead.
        {
          FileSink notice(messagePath);
          writeSizeErrorMessage(notice, info, messageBytes, *delivery.uri.maxBytes);
          notice.finish();
        }
        auto sent = d_mailer->send(d_options.email, info.to, messagePath);
        log(1, "size-notice " + destWhere + " outcome=" +
                   (sent.outcome == Delivery::Outcome::Delivered ? "sent" : "failed") +
                   " detail=\"" + logSafe(sent.detail) + "\"");
      }
      skip(delivery.stored, reportWhere, reason);
      continue;
    }
    if (d_options.dryRun) {
      log(0, "would-send " + destWhere + " to=" + logSafe(delivery.uri.address) + " file=\"" +
                 logSafe(planned.report.filename, 400) + "\" records=" +
                 std::to_string(planned.records) + " bytes=" + std::to_string(messageBytes));
      ++d_summary.sent;
      continue;
    }
    recordOutcome(delivery, d_mailer->transport(),
                  d_mailer->send(d_options.email, info.to, messagePath), destWhere,
                  delivery.uri.address, planned);
  }
  std::error_code ignored;
  std::filesystem::remove(planned.path, ignored);
  std::filesystem::remove(d_options.workDir + "/message.eml", ignored);
}

void ReportRun::post(const Planned& planned, const Target& delivery, const std::string& reportWhere)
{
  const std::string destWhere = reportWhere + " rua=\"" + logSafe(delivery.stored.uri) + "\"";
  const auto bytes = std::filesystem::file_size(planned.path);
  // RFC 7489 §6.2 "!size" in compatibility mode: what travels is the gzip
  // file itself. The §7.2.2 notice is a mail and has no address here.
  if (planned.report.format == ReportFormat::Rfc7489 && delivery.uri.maxBytes &&
      bytes > *delivery.uri.maxBytes) {
    skip(delivery.stored, reportWhere,
         "report of " + std::to_string(bytes) + " bytes exceeds the rua size limit of " +
             std::to_string(*delivery.uri.maxBytes));
    return;
  }
  if (d_options.dryRun) {
    log(0, "would-post " + destWhere + " file=\"" + logSafe(planned.report.filename, 400) +
               "\" records=" + std::to_string(planned.records) + " bytes=" + std::to_string(bytes));
    ++d_summary.sent;
    return;
  }
  ReportUpload upload;
  upload.path = planned.path;
  upload.filename = planned.report.filename;
  upload.subject =
      reportSubject(planned.report.policyDomain, d_options.receiver, planned.report.reportId);
  recordOutcome(delivery, d_poster->transport(), d_poster->post(delivery.uri, upload), destWhere,
                delivery.uri.uri, planned);
}

void ReportRun::recordOutcome(const Target& delivery, const std::string& transport,
                              const Delivery& result, const std::string& destWhere,
                              const std::string& recipient, const Planned& planned)
{
  const AttemptOutcome outcome =
      result.outcome == Delivery::Outcome::Delivered  ? AttemptOutcome::Delivered
      : result.outcome == Delivery::Outcome::Tempfail ? AttemptOutcome::Tempfail
                                                      : AttemptOutcome::Permfail;
  d_store.recordAttempt(delivery.stored, d_options.host, transport, outcome, result.detail,
                        d_options.retry);
  if (outcome == AttemptOutcome::Delivered) {
    ++d_summary.sent;
    log(0, "sent " + destWhere + " to=" + logSafe(recipient) + " records=" +
               std::to_string(planned.records) + " messages=" + std::to_string(planned.messages));
  } else {
    ++d_summary.failed;
    log(2, std::string(outcome == AttemptOutcome::Tempfail ? "deferred " : "failed ") + destWhere +
               " to=" + logSafe(recipient) + " detail=\"" + logSafe(result.detail) + "\"");
  }
}

std::vector<ReportRun::Pass> ReportRun::passes()
{
  std::vector<Pass> passes;
  Pass main{d_options.interval, {}, d_options.onlyDomain};
  for (const auto& activity :
       d_store.domainsWithVerdicts(d_options.interval, d_options.onlyDomain)) {
    main.domains.push_back(activity.policyDomain);
  }
  d_summary.domains = main.domains.size();
  passes.push_back(std::move(main));
  if (d_options.outputDir.empty()) {
    for (const auto& report : d_store.reportsWithDueRetries(d_options.onlyDomain)) {
      if (report.interval.begin == d_options.interval.begin &&
          report.interval.end == d_options.interval.end) {
        continue; // the main pass has it
      }
      log(1, "retry domain=" + logSafe(report.policyDomain) + " report_id=" + report.reportId);
      passes.push_back({report.interval, {report.policyDomain}, report.policyDomain});
    }
  }
  return passes;
}

std::vector<ReportRun::Planned> ReportRun::planPass(const Pass& pass)
{
  std::vector<Planned> planned;
  std::size_t done = 0;
  // One domain's trouble (a bad row, a DNS oddity) never stops the others.
  const auto failed = [&](const std::string& domain, const std::string& reason) {
    ++d_summary.failed;
    log(2, "error domain=" + logSafe(domain) + " reason=\"" + logSafe(reason) + "\"");
  };
  for (std::size_t first = 0; first < pass.domains.size(); first += s_batch) {
    const auto begin = pass.domains.begin() + static_cast<std::ptrdiff_t>(first);
    const std::vector<std::string> batch(
        begin, begin + static_cast<std::ptrdiff_t>(std::min(s_batch, pass.domains.size() - first)));
    std::vector<Known> known(batch.size());
    std::string batchError;
    try {
      known = lookUp(batch, pass.interval);
    } catch (const std::exception& error) {
      batchError = error.what();
    }
    for (std::size_t i = 0; i < batch.size(); ++i) {
      try {
        if (batchError.empty() || !isPlainDomainName(batch[i])) {
          if (auto p = plan(batch[i], pass.interval, std::move(known[i]))) {
            planned.push_back(std::move(*p));
          }
        } else {
          failed(batch[i], batchError);
        }
      } catch (const std::exception& error) {
        failed(batch[i], error.what());
      }
      if (d_options.progress) {
        d_options.progress(d_summary, done + 1, pass.domains.size());
      }
      if (++done % 100 == 0) {
        log(1,
            "progress planned=" + std::to_string(done) + "/" + std::to_string(pass.domains.size()));
      }
    }
  }
  return planned;
}

bool ReportRun::buildPass(std::vector<Planned>& planned, const Pass& pass)
{
  try {
    build(planned, pass.interval, pass.onlyDomain, pass.domains.size());
    return true;
  } catch (const std::exception& error) {
    // A build failure (disk full, lost connection) leaves every report of
    // the pass unsent; they stay pending and the next run retries them.
    ++d_summary.failed;
    log(2, "error building reports reason=\"" + logSafe(error.what()) + "\"");
    for (const auto& p : planned) {
      std::error_code ignored;
      std::filesystem::remove(p.path + ".part", ignored);
      if (d_options.outputDir.empty()) {
        std::filesystem::remove(p.path, ignored);
      }
    }
    return false;
  }
}

ReportRunSummary ReportRun::run()
{
  d_summary = {};
  // Each interval: plan every domain, build all reports in one pass over
  // the rows, then deliver. The run's own interval first, then earlier
  // reports with deliveries due for a retry (one domain each).
  for (const auto& pass : passes()) {
    auto planned = planPass(pass);
    if (!buildPass(planned, pass)) {
      continue;
    }
    try {
      recordStats(planned);
    } catch (const std::exception& error) {
      // Only the figures are missing; the reports still go out.
      ++d_summary.failed;
      log(2, "error recording report figures reason=\"" + logSafe(error.what()) + "\"");
    }
    for (auto& p : planned) {
      try {
        deliver(p);
      } catch (const std::exception& error) {
        ++d_summary.failed;
        log(2, "error domain=" + logSafe(p.report.policyDomain) + " reason=\"" +
                   logSafe(error.what()) + "\"");
      }
      if (d_options.progress) {
        d_options.progress(d_summary, pass.domains.size(), pass.domains.size());
      }
    }
  }
  return d_summary;
}
} // namespace dmarc
