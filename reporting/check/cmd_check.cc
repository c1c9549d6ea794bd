// cmd_check.cc: the `check` subcommand; see cmd_check.hh and posture_check.hh.
#include "reporting/check/cmd_check.hh"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <sysexits.h>
#include <unistd.h>
#include <vector>

#include <pqxx/pqxx>

#include "config.h"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/check/posture_check.hh"
#include "reporting/check/posture_store.hh"

namespace dmarc
{
namespace
{
const char* const s_usage =
    "usage: dmarc-reports check [--dns-server ADDR[@PORT]]... [--ca-file FILE] [--psl-file FILE]\n"
    "                           [--https-port N] [--smtp-port N] [--timeout SECONDS] [--helo "
    "NAME]\n"
    "                           [--no-starttls] [--suggest] [--database CONNINFO]\n"
    "                           [--password-file FILE] [--no-store] DOMAIN...\n"
    "Stores the results for the overview page when a database is given (--database or\n"
    "$DMARC_DATABASE) and --no-store is not; otherwise only prints them.\n";

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

bool parsePort(const std::string& text, std::uint16_t& port)
{
  try {
    std::size_t used = 0;
    const long value = std::stol(text, &used);
    if (used != text.size() || value < 1 || value > 65535) {
      return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
  } catch (const std::exception&) {
    return false;
  }
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
int storeRun(const std::string& database, const std::string& passwordFile,
             const std::vector<DomainPosture>& postures)
{
  try {
    const auto db = pgConnect(database, passwordFile, "dmarc-reports check");
    storePostureRun(*db, hostName(), postures);
  } catch (const pqxx::broken_connection& error) {
    std::cerr << "dmarc-reports check: results not stored: " << pgConnectFailure(database, error)
              << "\n";
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
struct CheckOptions
{
  UnboundResolverOptions dns;
  TlsProbeOptions tls;
  PostureOptions posture;
  std::string pslFile = DM_DEFAULT_PSL_FILE;
  std::string helo = "dmarc-reports.invalid";
  bool suggest = false;
  bool store = true;
  std::string database; // empty: $DMARC_DATABASE, else print only
  std::string passwordFile;
  std::vector<std::string> domains;
};

// An option that takes a value; false with `why` set for a bad value.
bool setValue(CheckOptions& o, const std::string& arg, const std::string& value, std::string& why)
{
  if (arg == "--database") {
    o.database = value;
  } else if (arg == "--password-file") {
    o.passwordFile = value;
  } else if (arg == "--dns-server") {
    o.dns.nameservers.push_back(value);
  } else if (arg == "--ca-file") {
    o.tls.caFile = value;
  } else if (arg == "--psl-file") {
    o.pslFile = value;
  } else if (arg == "--helo") {
    o.helo = value;
  } else if (arg == "--timeout") {
    std::uint16_t seconds = 0;
    if (!parsePort(value, seconds) || seconds > 600) {
      why = "--timeout takes 1 to 600 seconds";
      return false;
    }
    o.tls.timeout = std::chrono::seconds(seconds);
    o.dns.queryTimeout = std::min<std::chrono::milliseconds>(o.dns.queryTimeout, o.tls.timeout);
  } else if (!parsePort(value, arg == "--https-port" ? o.posture.httpsPort : o.posture.smtpPort)) {
    why = arg + " takes a port number 1-65535";
    return false;
  }
  return true;
}

// The exit status when the command line ends the run (help, usage error).
std::optional<int> parseOptions(int argc, char** argv, CheckOptions& o)
{
  static const std::set<std::string> withValue = {"--dns-server", "--ca-file",   "--psl-file",
                                                  "--https-port", "--smtp-port", "--timeout",
                                                  "--helo",       "--database",  "--password-file"};
  auto bad = [](const std::string& why) {
    std::cerr << "dmarc-reports check: " << why << "\n" << s_usage;
    return EX_USAGE;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (withValue.count(arg) != 0) {
      if (i + 1 >= argc) {
        return bad(arg + " needs a value");
      }
      std::string why;
      if (!setValue(o, arg, argv[++i], why)) {
        return bad(why);
      }
    } else if (arg == "--no-starttls") {
      o.posture.checkStarttls = false;
    } else if (arg == "--suggest") {
      o.suggest = true;
    } else if (arg == "--no-store") {
      o.store = false;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << s_usage;
      return EX_OK;
    } else if (!arg.empty() && arg[0] == '-') {
      return bad("unknown option " + printableAscii(arg, s_maxShownText));
    } else {
      o.domains.push_back(arg);
    }
  }
  if (o.domains.empty()) {
    return bad("no DOMAIN given");
  }
  return std::nullopt;
}
} // namespace

int checkCommand(int argc, char** argv)
{
  CheckOptions o;
  if (const auto stop = parseOptions(argc, argv, o)) {
    return *stop;
  }
  try {
    UnboundResolver resolver(o.dns);
    const PslPublicSuffixList psl(o.pslFile);
    CurlHttpsFetcher fetcher(o.tls);
    CurlStarttlsProber prober(o.tls, o.helo);
    PostureChecker checker(resolver, psl, fetcher, prober, o.posture);
    Finding::Level worst = Finding::Level::Ok;
    std::vector<DomainPosture> postures;
    for (const auto& domain : o.domains) {
      postures.push_back(checker.check(domain));
      printPosture(postures.back(), o.suggest);
      worst = std::max(worst, postures.back().worst());
    }
    if (o.database.empty()) {
      if (const char* fromEnvironment = std::getenv("DMARC_DATABASE")) {
        o.database = fromEnvironment;
      }
    }
    if (o.store && !o.database.empty()) {
      if (const int failed = storeRun(o.database, o.passwordFile, postures)) {
        return failed;
      }
    }
    return worst == Finding::Level::Error ? 2 : worst == Finding::Level::Warning ? 1 : 0;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports check: " << error.what() << "\n";
    return EX_CONFIG;
  }
}
} // namespace dmarc
