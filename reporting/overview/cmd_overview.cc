// cmd_overview.cc: the `overview` subcommand; see cmd_overview.hh. Options,
// the time zone and period, then one transaction that builds the page
// (overview_queries) and a rename that publishes it.
#include "reporting/overview/cmd_overview.hh"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <set>
#include <string>
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
#include "reporting/overview/overview_page.hh"
#include "reporting/overview/overview_queries.hh"
#include "reporting/overview/report_period.hh"
#include "reporting/overview/source_name_cache.hh"

namespace dmarc
{
namespace
{
const char* const s_usage =
    "usage: dmarc-reports overview --output FILE [--database CONNINFO] [--password-file FILE]\n"
    "                              [--domain DOMAIN]... [--days N | --begin YYYY-MM-DD --end "
    "YYYY-MM-DD]\n"
    "                              [--time-zone ZONE] [--limit N] [--no-reverse-dns]\n"
    "                              [--dns-server ADDR[@PORT]]... [--psl-file FILE]\n"
    "Writes one HTML page (FILE, or - for standard output). Period: the last --days days\n"
    "(default 30, today included) or [begin, end), in the time zone ZONE (default: $TZ,\n"
    "else the system's zone, else UTC).\n";

constexpr std::size_t s_maxShown = 200;

// Writes next to the target and renames over it, so that a web server never
// serves half a page.
void publish(const std::string& output, const std::string& html)
{
  if (output == "-") {
    std::cout << html;
    std::cout.flush();
    if (!std::cout) {
      throw Error("cannot write the page to standard output");
    }
    return;
  }
  const std::string temporary = output + ".tmp." + std::to_string(getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error("cannot create " + temporary + ": " + std::strerror(errno));
  }
  std::size_t written = 0;
  while (written < html.size()) {
    const ssize_t n = ::write(fd, html.data() + written, html.size() - written);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      const int saved = errno;
      ::close(fd);
      ::unlink(temporary.c_str());
      throw Error("cannot write " + temporary + ": " + std::strerror(saved));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0 || std::rename(temporary.c_str(), output.c_str()) != 0) {
    const int saved = errno;
    ::unlink(temporary.c_str());
    throw Error("cannot write " + output + ": " + std::strerror(saved));
  }
}
struct OverviewOptions
{
  std::string database;
  std::string passwordFile;
  std::string output;
  std::string pslFile = DM_DEFAULT_PSL_FILE;
  std::vector<std::string> domains;
  PeriodArgs period;
  long limit = 20;
  bool reverseDns = true;
  UnboundResolverOptions dns;
};

// An option that takes a value; why it is bad, or "".
std::string setValue(OverviewOptions& o, const std::string& arg, const std::string& value)
{
  if (arg == "--database") {
    o.database = value;
  } else if (arg == "--password-file") {
    o.passwordFile = value;
  } else if (arg == "--output") {
    o.output = value;
  } else if (arg == "--domain") {
    o.domains.push_back(toLowerAscii(value));
  } else if (arg == "--begin") {
    o.period.begin = value;
  } else if (arg == "--end") {
    o.period.end = value;
  } else if (arg == "--time-zone") {
    o.period.timeZone = value;
  } else if (arg == "--dns-server") {
    o.dns.nameservers.push_back(value);
  } else if (arg == "--psl-file") {
    o.pslFile = value;
  } else {
    char* rest = nullptr;
    const long number = std::strtol(value.c_str(), &rest, 10);
    const long most = arg == "--days" ? g_maxPeriodDays : 1000;
    if (rest == value.c_str() || *rest != '\0' || number < 1 || number > most) {
      return arg + " takes a number from 1 to " + std::to_string(most);
    }
    (arg == "--days" ? o.period.days.emplace() : o.limit) = number;
  }
  return "";
}

// The command line; an exit status when it ends the run (help, usage).
std::optional<int> parseOptions(int argc, char** argv, OverviewOptions& o)
{
  auto bad = [](const std::string& why) {
    std::cerr << "dmarc-reports overview: " << why << "\n" << s_usage;
    return EX_USAGE;
  };
  static const std::set<std::string> withValue = {
      "--database", "--password-file", "--output",    "--domain",     "--begin",   "--end",
      "--days",     "--limit",         "--time-zone", "--dns-server", "--psl-file"};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << s_usage;
      return EX_OK;
    } else if (arg == "--no-reverse-dns") {
      o.reverseDns = false;
    } else if (withValue.count(arg) != 0) {
      if (i + 1 >= argc) {
        return bad(arg + " needs a value");
      }
      if (const std::string why = setValue(o, arg, argv[++i]); !why.empty()) {
        return bad(why);
      }
    } else {
      return bad("unknown argument " + printableAscii(arg, s_maxShown));
    }
  }
  if (o.output.empty()) {
    return bad("--output FILE is required (- for standard output)");
  }
  if (const std::string why = periodArgsError(o.period); !why.empty()) {
    return bad(why);
  }
  return std::nullopt;
}

OverviewPage buildPage(pqxx::transaction_base& tx, const OverviewOptions& o,
                       const OverviewQuery& query, const std::string& generated)
{
  std::unique_ptr<UnboundResolver> resolver;
  std::unique_ptr<PslPublicSuffixList> psl;
  SourceNamer namer;
  if (o.reverseDns) {
    resolver = std::make_unique<UnboundResolver>(o.dns);
    psl = std::make_unique<PslPublicSuffixList>(o.pslFile);
    namer = [&](const std::vector<std::string>& addresses) {
      return cachedSourceNames(tx, *resolver, *psl, addresses);
    };
  }
  OverviewPage page;
  page.title = "DMARC and TLS overview";
  page.generated = generated;
  const auto shownDays = isoDays(query.firstDay, query.endDay);
  page.period = query.firstDay + " to " + shownDays.back() + " (" +
                std::to_string(shownDays.size()) + " days)";
  if (query.domains.empty()) {
    page.domains = "All domains";
  } else {
    for (const auto& domain : query.domains) {
      page.domains += (page.domains.empty() ? "" : ", ") + domain;
    }
  }
  page.sections.push_back(reportsSection(tx, query, namer));
  page.sections.push_back(inboundSection(tx, query));
  page.sections.push_back(transportSection(tx, query));
  page.sections.push_back(postureSection(tx, query));
  return page;
}
} // namespace

int overviewCommand(int argc, char** argv)
{
  OverviewOptions o;
  if (const auto stop = parseOptions(argc, argv, o)) {
    return *stop;
  }
  if (o.database.empty()) {
    if (const char* fromEnvironment = std::getenv("DMARC_DATABASE")) {
      o.database = fromEnvironment;
    }
  }
  try {
    const auto db = pgConnect(o.database, o.passwordFile, "dmarc-reports overview");
    pqxx::work tx(*db);
    const auto period = sessionPeriod(tx, o.period, 30);
    if (!period) {
      std::cerr << "dmarc-reports overview: unknown time zone "
                << printableAscii(o.period.timeZone.empty() ? defaultTimeZone() : o.period.timeZone,
                                  s_maxShown)
                << " (an IANA name such as Europe/Berlin)\n";
      return EX_USAGE;
    }
    // The page's GROUP BYs hash hundreds of thousands of groups (a year
    // of days times domains); at the default 4 MB they spill to disk and
    // take twice as long (tests/bench/overview_bench.py).
    tx.exec("SET LOCAL work_mem = '64MB'");
    OverviewQuery query{period->firstDay, period->endDay, o.domains,
                        static_cast<std::size_t>(o.limit)};
    const std::string generated =
        tx.exec("SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SSOF')").front()[0].c_str();
    OverviewPage page = buildPage(tx, o, query, generated);
    page.timeZone = period->timeZone;
    const std::string html = renderOverviewPage(page);
    tx.commit(); // the source names looked up
    publish(o.output, html);
  } catch (const pqxx::broken_connection& error) {
    // 69 as dmarc-reports(8) says for every subcommand but ingest.
    std::cerr << "dmarc-reports overview: " << pgConnectFailure(o.database, error) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports overview: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), o.database) << "\n";
    return EX_SOFTWARE;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports overview: " << error.what() << "\n";
    return EX_CONFIG;
  } catch (const Error& error) {
    std::cerr << "dmarc-reports overview: " << error.what() << "\n";
    return EX_CANTCREAT;
  }
  return EX_OK;
}
} // namespace dmarc
