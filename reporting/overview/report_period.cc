// report_period.cc: see report_period.hh.
#include "reporting/overview/report_period.hh"

#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <unistd.h>

#include <pqxx/pqxx>

#include "lib/core/ascii_text.hh"
#include "reporting/overview/overview_model.hh"

namespace dmarc
{
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

PeriodArgs periodArguments(const ReportArguments& args)
{
  PeriodArgs period;
  period.begin = args.text(ReportOption::PeriodBegin);
  period.end = args.text(ReportOption::PeriodEnd);
  period.days = args.number(ReportOption::Days);
  period.timeZone = args.text(ReportOption::TimeZone);
  if (const std::string why = periodArgsError(period); !why.empty()) {
    throw UsageError(why);
  }
  return period;
}

std::string periodArgsError(const PeriodArgs& args)
{
  if ((args.begin.empty() != args.end.empty()) || (!args.begin.empty() && args.days)) {
    return "give --begin and --end together, or --days";
  }
  if (args.days && (*args.days < 1 || *args.days > g_maxPeriodDays)) {
    return "--days takes a number from 1 to " + std::to_string(g_maxPeriodDays);
  }
  if (args.begin.empty()) {
    return "";
  }
  try {
    const auto days = isoDays(args.begin, args.end);
    if (days.empty()) {
      throw std::invalid_argument("end not after begin");
    }
    if (days.size() > static_cast<std::size_t>(g_maxPeriodDays)) {
      throw std::invalid_argument("more than " + std::to_string(g_maxPeriodDays) + " days");
    }
  } catch (const std::invalid_argument& error) {
    return "--begin and --end must be YYYY-MM-DD, end after begin, at most " +
           std::to_string(g_maxPeriodDays) + " days apart (" + printableAscii(error.what(), 200) +
           ")";
  }
  return "";
}

std::optional<Period> sessionPeriod(pqxx::transaction_base& tx, const PeriodArgs& args,
                                    long defaultDays)
{
  Period period;
  period.timeZone = args.timeZone.empty() ? defaultTimeZone() : args.timeZone;
  if (tx.exec_params("SELECT 1 FROM pg_timezone_names WHERE name = $1", period.timeZone).empty()) {
    return std::nullopt;
  }
  tx.exec_params("SELECT set_config('TimeZone', $1, true)", period.timeZone);
  if (!args.begin.empty()) {
    period.firstDay = args.begin;
    period.endDay = args.end;
    return period;
  }
  const auto row =
      tx.exec_params("SELECT (current_date + 1)::text, (current_date + 1 - $1::int)::text",
                     args.days.value_or(defaultDays))
          .front();
  period.endDay = row[0].c_str();
  period.firstDay = row[1].c_str();
  return period;
}
} // namespace dmarc
