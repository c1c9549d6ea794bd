// ingestor.hh: one `dmarc-reports ingest` run over its inputs: report files,
// report mail (standard input or Maildir folders), each report extracted,
// parsed and handed to the store, every rejection counted and recorded.
// TLS-RPT reports that came by mail count only with a valid DKIM signature
// of the reporting domain (RFC 8460 section 5.3). A Maildir message that was
// handled moves to cur/ (seen; flagged too when something in it was
// rejected).
//
// The store comes in through the constructor (nullptr in a dry run), so the
// run is unit-tested against an in-memory store.
#pragma once

#include <cstddef>
#include <ctime>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "reporting/ingest/ingest_store.hh"
#include "reporting/ingest/report_extractor.hh"

namespace dmarc
{
// Untrusted text for our output: printable ASCII, capped so a hostile
// report id cannot flood the terminal or a log.
constexpr std::size_t g_maxShownText = 300;

struct IngestOptions
{
  std::string database;
  std::string passwordFile;
  bool dryRun = false;
  bool verbose = false;
  std::vector<std::string> files;
  std::vector<std::string> maildirs;
  UnboundResolverOptions dns; // for the DKIM keys of TLS-RPT report mail
  bool tlsrptDkim = true;     // RFC 8460 §5.3: ignore TLS-RPT mail without DKIM
};

struct IngestCounters
{
  int stored = 0;
  int duplicates = 0;
  int rejected = 0;
  int unreadable = 0;
  int skipped = 0;  // Maildir messages seen by an earlier run
  int unmoved = 0;  // handled Maildir messages that could not be moved to cur/
  int deferred = 0; // messages left for a later run (DKIM key lookup failed)
};

class Ingestor
{
public:
  // store: nullptr in a dry run (nothing is written).
  Ingestor(const IngestOptions& options, IngestStore* store, std::ostream& out, std::ostream& err);

  // Returns false when the input could not be read or is left for a later
  // run; true when it was handled (stored, duplicate or rejected).
  bool ingestPath(const std::filesystem::path& path, bool isMessage);
  // Every message in new/ and cur/ not seen before.
  void ingestMaildir(const std::string& directory);
  // One message from the MTA; false when it is larger than the bound.
  bool ingestStdin(std::istream& in);

  const IngestCounters& counters() const { return d_counters; }

private:
  void reject(std::string_view kind, const std::string& source, const std::string& reason);
  const DkimLibrary& tlsRptDkim();
  bool authenticateTlsRpt(std::string_view bytes, const ExtractedInput& input,
                          const std::string& source, std::time_t arrival, TlsRptDkimCheck& check,
                          std::string& rejection);
  bool ingest(std::string_view bytes, const std::string& source, bool isMessage,
              std::time_t arrival);
  bool ingestInput(const ExtractedInput& input, std::string_view bytes, const std::string& source,
                   std::time_t arrival);
  static std::string_view rejectionKind(ExtractedKind kind);
  bool describeAndStore(const ExtractedReport& report, const ExtractedInput& input,
                        const TlsRptDkimCheck& dkim, std::string& what, IngestStoreResult& stored);
  template <typename StoreCall>
  bool store(StoreCall&& call, const ExtractedReport& report);
  static std::time_t arrivalOf(const std::filesystem::path& path);
  void markHandled(const std::filesystem::path& file, const std::filesystem::path& cur,
                   std::string_view flags);

  const IngestOptions& d_options;
  std::ostream& d_out;
  std::ostream& d_err;
  IngestStore* d_store;
  std::unique_ptr<UnboundResolver> d_resolver; // declared before d_dkim, which uses it
  std::unique_ptr<DkimLibrary> d_dkim;
  IngestCounters d_counters;
};
} // namespace dmarc
