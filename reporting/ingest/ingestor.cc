// ingestor.cc: reading report inputs into the store; see ingestor.hh.
#include "reporting/ingest/ingestor.hh"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sys/stat.h>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"
#include "reporting/ingest/maildir_name.hh"
#include "reporting/ingest/tlsrpt_mail_auth.hh"

namespace dmarc
{
namespace
{
// Mail larger than this is not read at all. A report mail is small: the
// largest aggregate report the parser takes (64 MiB of XML) is a few MiB
// gzipped, and MTAs refuse far smaller mail by default (Postfix's
// message_size_limit is 10 MB). A mail is held in memory with its decoded
// attachments, so this bound is what keeps ingestion under 64 MB of memory
// (report payload files, not mail, are read from disk as they are parsed).
constexpr std::uintmax_t s_maxInputBytes = 20U * 1024U * 1024U;
} // namespace

Ingestor::Ingestor(const IngestOptions& options, IngestStore* store, std::ostream& out,
                   std::ostream& err)
    : d_options(options), d_out(out), d_err(err), d_store(store)
{}

void Ingestor::reject(std::string_view kind, const std::string& source, const std::string& reason)
{
  ++d_counters.rejected;
  d_err << "rejected " << kind << " source=" << printableAscii(source, g_maxShownText) << ": "
        << printableAscii(reason, g_maxShownText) << "\n";
  if (d_store) {
    d_store->recordRejection(kind, source, reason);
  }
}

// The DKIM verifier for TLS-RPT report mail, made on first need: runs
// without such mail start no resolver.
const DkimLibrary& Ingestor::tlsRptDkim()
{
  if (!d_dkim) {
    d_resolver = std::make_unique<UnboundResolver>(d_options.dns);
    DkimSettings settings;
    settings.service = "tlsrpt"; // RFC 8460 §3: keys with s=tlsrpt or s=*
    d_dkim = std::make_unique<DkimLibrary>(*d_resolver, settings);
  }
  return *d_dkim;
}

// RFC 8460 §5.3: TLS-RPT reports that came by mail count only with a
// valid DKIM signature of the reporting domain. Returns false when the
// message must wait for a later run (the reporting domain's key could
// not be fetched); otherwise fills `check` and, when the reports must be
// ignored, `rejection`.
// `arrival`: when the mail arrived; its signatures' x= and t= are judged
// as of then, as a receiver verifying at once would have judged them.
bool Ingestor::authenticateTlsRpt(std::string_view bytes, const ExtractedInput& input,
                                  const std::string& source, std::time_t arrival,
                                  TlsRptDkimCheck& check, std::string& rejection)
{
  const TlsRptMailAuth auth =
      judgeTlsRptSignatures(verifyMessageDkim(tlsRptDkim(), bytes, arrival), input.headerSubmitter);
  if (auth.result == TlsRptMailAuth::Result::TempError && d_options.tlsrptDkim) {
    ++d_counters.deferred;
    d_err << "deferred message source=" << printableAscii(source, g_maxShownText)
          << ": the reporting domain's DKIM key could not be fetched ("
          << printableAscii(auth.detail, g_maxShownText) << "); it is read again later\n";
    return false;
  }
  check.check = auth.result == TlsRptMailAuth::Result::Pass ? "pass" : "fail";
  check.domain = auth.domain;
  check.selector = auth.selector;
  check.detail = auth.detail;
  if (auth.result != TlsRptMailAuth::Result::Pass && d_options.tlsrptDkim) {
    rejection = "RFC 8460 section 5.3 requires a valid DKIM signature of the reporting domain; " +
                auth.detail;
  }
  return true;
}

// Returns false when the input is left for a later run (not handled).
// arrival: when the input arrived (see authenticateTlsRpt()).
bool Ingestor::ingest(std::string_view bytes, const std::string& source, bool isMessage,
                      std::time_t arrival)
{
  return ingestInput(isMessage ? extractFromMessage(bytes, source) : extractFromFile(bytes, source),
                     bytes, source, arrival);
}

// `bytes`: the mail the input came in (its DKIM signatures count for
// TLS-RPT reports), or empty for a report file.
bool Ingestor::ingestInput(const ExtractedInput& input, std::string_view bytes,
                           const std::string& source, std::time_t arrival)
{
  if (!input.ok) {
    reject("message", source, input.error);
    return true;
  }
  TlsRptDkimCheck dkim; // "file" unless the reports came by mail
  std::string tlsRptRejection;
  const bool tlsRptMail =
      input.fromMessage &&
      std::any_of(input.reports.begin(), input.reports.end(), [](const ExtractedReport& report) {
        return report.ok && report.kind == ExtractedKind::TlsRpt;
      });
  if (tlsRptMail && !authenticateTlsRpt(bytes, input, source, arrival, dkim, tlsRptRejection)) {
    return false;
  }
  for (const auto& report : input.reports) {
    if (!report.ok) {
      reject(rejectionKind(report.kind), report.source, report.error);
      continue;
    }
    if (report.kind == ExtractedKind::TlsRpt && !tlsRptRejection.empty()) {
      reject("tlsrpt", report.source, tlsRptRejection);
      continue;
    }
    std::string what;
    IngestStoreResult stored;
    if (!describeAndStore(report, input, dkim, what, stored)) {
      continue;
    }
    if (stored.outcome == IngestOutcome::Duplicate) {
      ++d_counters.duplicates;
      d_out << "duplicate " << what << " source=" << printableAscii(report.source, g_maxShownText)
            << "\n";
    } else {
      ++d_counters.stored;
      d_out << (d_options.dryRun ? "parsed " : "stored ") << what
            << " source=" << printableAscii(report.source, g_maxShownText) << "\n";
    }
  }
  return true;
}

// The kind an ingest_rejection row has (sql/0004 knows dmarc, tlsrpt and
// message): a failure report is a whole mail.
std::string_view Ingestor::rejectionKind(ExtractedKind kind)
{
  return kind == ExtractedKind::TlsRpt    ? "tlsrpt"
         : kind == ExtractedKind::Failure ? "message"
                                          : "dmarc";
}

// The log text of one parsed report, and the report stored (unless a dry
// run); false when the database refused it (already rejected).
bool Ingestor::describeAndStore(const ExtractedReport& report, const ExtractedInput& input,
                                const TlsRptDkimCheck& dkim, std::string& what,
                                IngestStoreResult& stored)
{
  if (report.kind == ExtractedKind::Failure) {
    what = "failure reporter=" + printableAscii(report.failure.reporter, g_maxShownText) +
           " domain=" + printableAscii(report.failure.reportedDomain, g_maxShownText) +
           " type=" + printableAscii(report.failure.feedbackType, g_maxShownText);
    if (d_store && !store([&] { stored = d_store->storeFailure(report.failure); }, report)) {
      return false;
    }
  } else if (report.kind == ExtractedKind::Dmarc) {
    what = "dmarc org=" + printableAscii(report.dmarc.orgName, g_maxShownText) +
           " report_id=" + printableAscii(report.dmarc.reportId, g_maxShownText) +
           " domain=" + printableAscii(report.dmarc.policy.domain, g_maxShownText) +
           " records=" + std::to_string(report.dmarc.recordCount) +
           " messages=" + std::to_string(report.dmarc.messageCount);
    if (d_store && !store(
                       [&] {
                         stored =
                             d_store->storeDmarc(report.dmarc, report.source, report.replayRecords);
                       },
                       report)) {
      return false;
    }
  } else {
    std::size_t failures = 0;
    for (const auto& policy : report.tlsrpt.policies) {
      failures += policy.failures.size();
    }
    what = "tlsrpt org=" + printableAscii(report.tlsrpt.organizationName, g_maxShownText) +
           " report_id=" + printableAscii(report.tlsrpt.reportId, g_maxShownText) +
           " policies=" + std::to_string(report.tlsrpt.policies.size()) +
           " failure_details=" + std::to_string(failures) + " dkim=" + dkim.check;
    if (d_store && !store(
                       [&] {
                         stored =
                             d_store->storeTlsRpt(report.tlsrpt, report.source, input.headerDomain,
                                                  input.headerSubmitter, dkim);
                       },
                       report)) {
      return false;
    }
  }
  return true;
}

// Runs one store call; a report the database refuses (a constraint, a
// value out of range) is rejected alone, its transaction rolled back.
// A lost connection is not caught here: the whole run tempfails.
template <typename StoreCall>
bool Ingestor::store(StoreCall&& call, const ExtractedReport& report)
{
  try {
    call();
    return true;
  } catch (const pqxx::sql_error& error) {
    reject(rejectionKind(report.kind), report.source,
           "database refused the report: " + pgErrorText(error.what()));
    return false;
  }
}

// When a file's mail arrived: its modification time, which the MDA set
// when it delivered it (a Maildir rename keeps it), never later than now.
// Now when the time cannot be read. A mail read days after it arrived
// (a Maildir emptied by a weekly run, a backlog) keeps the signature that
// was valid when it came; one that was already expired stays expired.
std::time_t Ingestor::arrivalOf(const std::filesystem::path& path)
{
  const std::time_t now = std::time(nullptr);
  struct stat status; // filled by stat(2)
  if (::stat(path.c_str(), &status) != 0) {
    return now;
  }
  return std::min<std::time_t>(status.st_mtime, now);
}

// Returns false when the input could not be read or is left for a later
// run; true when it was handled (stored, duplicate or rejected).
bool Ingestor::ingestPath(const std::filesystem::path& path, bool isMessage)
{
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    ++d_counters.unreadable;
    d_err << "cannot read " << path.string() << ": " << ec.message() << "\n";
    return false;
  }
  if (size > s_maxInputBytes && isMessage) {
    reject("message", path.string(),
           "input larger than " + std::to_string(s_maxInputBytes) + " bytes");
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ++d_counters.unreadable;
    d_err << "cannot open " << path.string() << "\n";
    return false;
  }
  if (!isMessage) {
    // A report file (not a mail) is parsed as it is read from disk.
    std::array<char, 128> head{};
    in.read(head.data(), head.size());
    const std::string_view start(head.data(), static_cast<std::size_t>(in.gcount()));
    if (!isReportMessage(start, path.string())) {
      return ingestInput(extractFromPayloadFile(path.string()), {}, path.string(), arrivalOf(path));
    }
    in.seekg(0);
  }
  std::string bytes;
  bytes.reserve(size);
  std::array<char, 65536> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    bytes.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > s_maxInputBytes) { // the file grew since its size was read
      reject("message", path.string(),
             "input larger than " + std::to_string(s_maxInputBytes) + " bytes");
      return true;
    }
  }
  return ingest(bytes, path.string(), isMessage, arrivalOf(path));
}

void Ingestor::ingestMaildir(const std::string& directory)
{
  // Maildir: every file in new/ and cur/ is one message (tmp/ is being
  // written; dot files are not messages). A message handled (stored,
  // duplicate or rejected) moves to cur/ with the S (seen) flag, and F
  // (flagged) as well when something in it was rejected, so that a person
  // looks at it; messages in cur/ already seen are skipped. A message
  // that could not be read, or whose run ended on a database failure,
  // stays where it is and is read again next time (a duplicate then).
  const std::filesystem::path cur = std::filesystem::path(directory) / "cur";
  for (const char* sub : {"new", "cur"}) {
    const std::filesystem::path folder = std::filesystem::path(directory) / sub;
    const bool inCur = folder == cur;
    std::error_code ec;
    std::vector<std::filesystem::path> entries;
    for (std::filesystem::directory_iterator it(folder, ec), end; !ec && it != end;
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.starts_with(".") || !it->is_regular_file()) {
        continue;
      }
      if (inCur && maildirHasFlag(name, 'S')) {
        ++d_counters.skipped;
        continue;
      }
      entries.push_back(it->path());
    }
    if (ec) {
      ++d_counters.unreadable;
      d_err << "cannot read Maildir folder " << folder.string() << ": " << ec.message() << "\n";
      continue;
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
      const int rejectedBefore = d_counters.rejected;
      if (!ingestPath(entry, true) || d_options.dryRun) {
        continue;
      }
      markHandled(entry, cur, d_counters.rejected > rejectedBefore ? "FS" : "S");
    }
  }
}

// rename(2) within one Maildir is atomic: the message is in new/ or in
// cur/ under its new name, never in both or neither, whatever happens to
// this process. Maildir names are unique, so nothing is overwritten.
void Ingestor::markHandled(const std::filesystem::path& file, const std::filesystem::path& cur,
                           std::string_view flags)
{
  const std::filesystem::path target = cur / maildirWithFlags(file.filename().string(), flags);
  if (::rename(file.c_str(), target.c_str()) != 0) {
    const int error = errno;
    ++d_counters.unmoved;
    d_err << "cannot move " << printableAscii(file.string(), g_maxShownText) << " to "
          << printableAscii(target.string(), g_maxShownText) << ": " << std::strerror(error)
          << "\n";
  } else if (d_options.verbose) {
    d_err << "moved " << printableAscii(file.string(), g_maxShownText) << " to "
          << printableAscii(target.string(), g_maxShownText) << "\n";
  }
}

// One message from the MTA on standard input, read in chunks up to the
// bound; the reservation is address space only, touched as the mail
// arrives. False when the message is larger than the bound (rejected).
bool Ingestor::ingestStdin(std::istream& in)
{
  std::string message;
  message.reserve(s_maxInputBytes + 65536);
  std::array<char, 65536> buffer{};
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    message.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    if (message.size() > s_maxInputBytes) {
      reject("message", "<stdin>",
             "input larger than " + std::to_string(s_maxInputBytes) + " bytes");
      return false;
    }
  }
  (void)ingest(message, "<stdin>", true, std::time(nullptr)); // delivered now
  return true;
}
} // namespace dmarc
