// cmd_overview.cc: the `overview` subcommand; see cmd_overview.hh. Options,
// the time zone and period, then one transaction that builds the page
// (overview_queries) and a rename that publishes it.
#include "reporting/cmd_overview.hh"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <sysexits.h>
#include <unistd.h>
#include <vector>

#include <pqxx/pqxx>

#include "config.h"
#include "lib/adapters/pg_connection.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/unbound_resolver.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/overview_page.hh"
#include "reporting/overview_queries.hh"
#include "reporting/source_name_cache.hh"

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

// The site's zone when --time-zone is not given: $TZ (without the POSIX
// leading ':'), else /etc/timezone (Debian), else the zoneinfo name
// /etc/localtime links to, else UTC.
std::string defaultTimeZone()
{
  if (const char* tz = std::getenv("TZ"); tz != nullptr && *tz != '\0') {
    return tz[0] == ':' ? tz + 1 : tz;
  }
  std::ifstream file("/etc/timezone");
  std::string line;
  if (file && std::getline(file, line) && !trimSpace(line).empty()) {
    return std::string(trimSpace(line));
  }
  char target[512];
  const ssize_t length = readlink("/etc/localtime", target, sizeof target - 1);
  if (length > 0) {
    const std::string path(target, static_cast<std::size_t>(length));
    const auto at = path.find("zoneinfo/");
    if (at != std::string::npos) {
      return path.substr(at + 9);
    }
  }
  return "UTC";
}

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
} // namespace

int overviewCommand(int argc, char** argv)
{
  std::string database;
  std::string passwordFile;
  std::string output;
  std::string begin;
  std::string end;
  std::string timeZone;
  std::string pslFile = DM_DEFAULT_PSL_FILE;
  std::optional<long> days;
  long limit = 20;
  bool reverseDns = true;
  UnboundResolverOptions dnsOptions;
  OverviewQuery query;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto bad = [&](const std::string& why) {
      std::cerr << "dmarc-reports overview: " << why << "\n" << s_usage;
      return EX_USAGE;
    };
    if (arg == "-h" || arg == "--help") {
      std::cout << s_usage;
      return EX_OK;
    } else if (arg == "--no-reverse-dns") {
      reverseDns = false;
    } else if (arg == "--database" || arg == "--password-file" || arg == "--output" ||
               arg == "--domain" || arg == "--begin" || arg == "--end" || arg == "--days" ||
               arg == "--limit" || arg == "--time-zone" || arg == "--dns-server" ||
               arg == "--psl-file") {
      if (i + 1 >= argc) {
        return bad(arg + " needs a value");
      }
      const std::string value = argv[++i];
      if (arg == "--database") {
        database = value;
      } else if (arg == "--password-file") {
        passwordFile = value;
      } else if (arg == "--output") {
        output = value;
      } else if (arg == "--domain") {
        query.domains.push_back(toLowerAscii(value));
      } else if (arg == "--begin") {
        begin = value;
      } else if (arg == "--end") {
        end = value;
      } else if (arg == "--time-zone") {
        timeZone = value;
      } else if (arg == "--dns-server") {
        dnsOptions.nameservers.push_back(value);
      } else if (arg == "--psl-file") {
        pslFile = value;
      } else {
        char* rest = nullptr;
        const long number = std::strtol(value.c_str(), &rest, 10);
        const long most = arg == "--days" ? 3660 : 1000;
        if (rest == value.c_str() || *rest != '\0' || number < 1 || number > most) {
          return bad(arg + " takes a number from 1 to " + std::to_string(most));
        }
        (arg == "--days" ? days.emplace() : limit) = number;
      }
    } else {
      return bad("unknown argument " + printableAscii(arg, s_maxShown));
    }
  }
  if (output.empty()) {
    std::cerr << "dmarc-reports overview: --output FILE is required (- for standard output)\n"
              << s_usage;
    return EX_USAGE;
  }
  if ((begin.empty() != end.empty()) || (!begin.empty() && days)) {
    std::cerr << "dmarc-reports overview: give --begin and --end together, or --days\n";
    return EX_USAGE;
  }
  if (!begin.empty()) {
    try {
      if (isoDays(begin, end).empty()) {
        throw std::invalid_argument("end not after begin");
      }
      if (isoDays(begin, end).size() > 3660) {
        throw std::invalid_argument("more than 3660 days");
      }
    } catch (const std::invalid_argument& error) {
      std::cerr << "dmarc-reports overview: --begin and --end must be YYYY-MM-DD, end after "
                   "begin, at most 3660 days apart ("
                << printableAscii(error.what(), s_maxShown) << ")\n";
      return EX_USAGE;
    }
  }
  if (timeZone.empty()) {
    timeZone = defaultTimeZone();
  }
  query.limit = static_cast<std::size_t>(limit);
  if (database.empty()) {
    if (const char* fromEnvironment = std::getenv("DMARC_DATABASE")) {
      database = fromEnvironment;
    }
  }
  try {
    const auto db = pgConnect(database, passwordFile, "dmarc-reports overview");
    pqxx::work tx(*db);
    if (tx.exec_params("SELECT 1 FROM pg_timezone_names WHERE name = $1", timeZone).empty()) {
      std::cerr << "dmarc-reports overview: unknown time zone "
                << printableAscii(timeZone, s_maxShown)
                << " (an IANA name such as Europe/Berlin)\n";
      return EX_USAGE;
    }
    // The views' days and the period's bounds are dates in this zone.
    tx.exec_params("SELECT set_config('TimeZone', $1, true)", timeZone);
    const auto now =
        tx.exec("SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SSOF'), (current_date + 1)::text")
            .front();
    if (begin.empty()) {
      query.endDay = now[1].c_str();
      query.firstDay =
          tx.exec_params("SELECT ($1::date - $2::int)::text", query.endDay, days.value_or(30))
              .front()[0]
              .c_str();
    } else {
      query.firstDay = begin;
      query.endDay = end;
    }
    std::unique_ptr<UnboundResolver> resolver;
    std::unique_ptr<PslPublicSuffixList> psl;
    SourceNamer namer;
    if (reverseDns) {
      resolver = std::make_unique<UnboundResolver>(dnsOptions);
      psl = std::make_unique<PslPublicSuffixList>(pslFile);
      namer = [&](const std::vector<std::string>& addresses) {
        return cachedSourceNames(tx, *resolver, *psl, addresses);
      };
    }
    OverviewPage page;
    page.title = "DMARC and TLS overview";
    page.timeZone = timeZone;
    page.generated = now[0].c_str();
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
    const std::string html = renderOverviewPage(page);
    tx.commit(); // the source names looked up
    publish(output, html);
  } catch (const pqxx::broken_connection& error) {
    // 69 as dmarc-reports(8) says for every subcommand but ingest.
    std::cerr << "dmarc-reports overview: " << pgConnectFailure(database, error) << "\n";
    return EX_UNAVAILABLE;
  } catch (const pqxx::sql_error& error) {
    std::cerr << "dmarc-reports overview: database error [" << error.sqlstate()
              << "]: " << pgErrorText(error.what(), database) << "\n";
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
