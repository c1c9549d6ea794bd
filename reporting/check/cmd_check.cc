// cmd_check.cc: the `check` subcommand; see cmd_check.hh and posture_check.hh.
#include "reporting/check/cmd_check.hh"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <sysexits.h>
#include <unistd.h>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/check/posture_check.hh"
#include "reporting/check/posture_store.hh"
#include "reporting/subcommand.hh"

namespace dmarc
{
namespace
{
// Untrusted text (from DNS, servers) shown on the terminal is bounded.
constexpr std::size_t s_maxShownText = 2000;

// A finding for the terminal: printable ASCII only (it quotes records and
// server replies), but the section sign of our own RFC references is
// spelled out first instead of turning into "??".
std::string shownFinding(std::string_view message)
{
  std::string text;
  text.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message.substr(i, 2) == "\xC2\xA7") {
      text += "section ";
      ++i;
    } else {
      text.push_back(message[i]);
    }
  }
  return printableAscii(text, s_maxShownText);
}

std::string hostName()
{
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0) {
    return "unknown";
  }
  return printableAscii(name.data(), 255);
}

// Stores the run when a database is configured. The findings are printed
// first either way: a database that cannot be reached must not hide them.
// Returns 0, or the exit status of the failure (which it has reported).
int storeRun(const ReportArguments& args, const std::vector<DomainPosture>& postures)
{
  const std::string& database = args.text(ReportOption::Database);
  try {
    const auto db = connectDatabase(args);
    storePostureRun(*db, hostName(), postures);
  } catch (const DatabaseUnreachable& error) {
    std::cerr << "dmarc-reports check: results not stored: " << error.what() << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports check: results not stored: lost the database connection: "
              << pgErrorText(error.what(), database) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports check: results not stored: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
    return EX_SOFTWARE;
  }
  return 0;
}

void printPosture(const DomainPosture& posture, bool suggest)
{
  std::cout << posture.domain << "\n";
  for (const auto& finding : posture.findings) {
    const std::string level(toString(finding.level));
    std::cout << "  " << level << std::string(8 - level.size(), ' ') << finding.area
              << std::string(finding.area.size() < 9 ? 9 - finding.area.size() : 1, ' ')
              << shownFinding(finding.message) << "\n";
  }
  if (suggest) {
    // The id only has to change when the policy does: a UTC timestamp.
    std::array<char, 32> id{};
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(id.data(), id.size(), "%Y%m%d%H%M%S", &utc);
    std::cout << "\n" << suggestPublication(posture.domain, posture.mxHosts, id.data()) << "\n";
  }
}
} // namespace

int checkCommand(const ReportArguments& args)
{
  const std::vector<std::string>& domains = args.operands();
  if (domains.empty()) {
    throw UsageError("no DOMAIN given");
  }
  UnboundResolverOptions dns;
  dns.nameservers = args.list(ReportOption::DnsServer);
  TlsProbeOptions tls;
  tls.caFile = args.text(ReportOption::CaFile);
  tls.timeout = std::chrono::seconds(*args.number(ReportOption::Timeout));
  dns.queryTimeout = std::min<std::chrono::milliseconds>(dns.queryTimeout, tls.timeout);
  PostureOptions posture;
  posture.httpsPort = static_cast<std::uint16_t>(*args.number(ReportOption::HttpsPort));
  posture.smtpPort = static_cast<std::uint16_t>(*args.number(ReportOption::SmtpPort));
  posture.checkStarttls = !args.flag(ReportOption::NoStarttls);

  UnboundResolver resolver(dns);
  const PslPublicSuffixList psl(args.text(ReportOption::PslFile));
  CurlHttpsFetcher fetcher(tls);
  CurlStarttlsProber prober(tls, args.text(ReportOption::CheckHelo));
  PostureChecker checker(resolver, psl, fetcher, prober, posture);
  Finding::Level worst = Finding::Level::Ok;
  std::vector<DomainPosture> postures;
  for (const auto& domain : domains) {
    postures.push_back(checker.check(domain));
    printPosture(postures.back(), args.flag(ReportOption::Suggest));
    worst = std::max(worst, postures.back().worst());
  }
  // libpq's PG* variables alone do not count: checking a domain by hand
  // stores nothing by surprise.
  if (!args.flag(ReportOption::NoStore) && !args.text(ReportOption::Database).empty()) {
    if (const int failed = storeRun(args, postures)) {
      return failed;
    }
  }
  return worst == Finding::Level::Error ? 2 : worst == Finding::Level::Warning ? 1 : 0;
}
} // namespace dmarc
