// cmd_overview.cc: the `overview` subcommand; see cmd_overview.hh. Options,
// the time zone and period, then one transaction that builds the page
// (overview_queries) and a rename that publishes it.
#include "reporting/overview/cmd_overview.hh"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <sysexits.h>
#include <unistd.h>
#include <vector>

#include <pqxx/pqxx>

#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/store/pg_connection.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/overview/overview_page.hh"
#include "reporting/overview/overview_queries.hh"
#include "reporting/overview/report_period.hh"
#include "reporting/overview/source_name_cache.hh"
#include "reporting/subcommand.hh"

namespace dmarc
{
namespace
{
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
  std::string output;
  std::string pslFile;
  bool reverseDns = true;
  UnboundResolverOptions dns;
};

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

int overviewCommand(const ReportArguments& args)
{
  OverviewOptions o;
  o.output = args.text(ReportOption::Output);
  if (o.output.empty()) {
    throw UsageError("--output FILE is required (- for standard output)");
  }
  const PeriodArgs periodArgs = periodArguments(args);
  std::vector<std::string> domains;
  for (const auto& domain : args.list(ReportOption::PeriodDomain)) {
    domains.push_back(toLowerAscii(domain));
  }
  o.pslFile = args.text(ReportOption::PslFile);
  o.reverseDns = !args.flag(ReportOption::NoReverseDns);
  o.dns.nameservers = args.list(ReportOption::DnsServer);
  const auto db = connectDatabase(args);
  pqxx::work tx(*db);
  const auto period = sessionPeriod(tx, periodArgs, 30);
  if (!period) {
    throw UsageError(
        "unknown time zone " +
        printableAscii(periodArgs.timeZone.empty() ? defaultTimeZone() : periodArgs.timeZone,
                       s_maxShown) +
        " (an IANA name such as Europe/Berlin)");
  }
  // The page's GROUP BYs hash hundreds of thousands of groups (a year
  // of days times domains); at the default 4 MB they spill to disk and
  // take twice as long (tests/bench/overview_bench.py).
  tx.exec("SET LOCAL work_mem = '64MB'");
  OverviewQuery query{period->firstDay, period->endDay, domains,
                      static_cast<std::size_t>(*args.number(ReportOption::OverviewLimit))};
  const std::string generated =
      tx.exec("SELECT to_char(now(), 'YYYY-MM-DD\"T\"HH24:MI:SSOF')").front()[0].c_str();
  OverviewPage page = buildPage(tx, o, query, generated);
  page.timeZone = period->timeZone;
  const std::string html = renderOverviewPage(page);
  tx.commit(); // the source names looked up
  publish(o.output, html);
  return EX_OK;
}
} // namespace dmarc
