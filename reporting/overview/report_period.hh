// report_period.hh: the period and time zone of `overview` and `summary`:
// the last N days (today included) or [begin, end), as dates in the site's
// time zone, which the database session is set to so that the views' `day`
// and the period's bounds are that zone's days.
//
// Trusts the command line only as far as it checks it here; the zone name
// is checked against the database's list of zones.
#pragma once

#include <optional>
#include <string>

#include <pqxx/transaction_base>

#include "reporting/report_options.hh"

namespace dmarc
{
// The most days a period may have (ten years).
inline constexpr long g_maxPeriodDays = 3660;

struct PeriodArgs
{
  std::string begin;        // --begin YYYY-MM-DD
  std::string end;          // --end YYYY-MM-DD (excluded)
  std::optional<long> days; // --days N
  std::string timeZone;     // --time-zone; empty: defaultTimeZone()
};

struct Period
{
  std::string firstDay; // YYYY-MM-DD
  std::string endDay;   // YYYY-MM-DD, the day after the last
  std::string timeZone; // IANA name
};

// The site's zone when --time-zone is not given: $TZ (without the POSIX
// leading ':'), else /etc/timezone (Debian), else the zoneinfo name
// /etc/localtime links to, else UTC.
std::string defaultTimeZone();

// Why the arguments do not make a period ("" when they do): --begin and
// --end together or --days, valid dates, end after begin, at most
// g_maxPeriodDays days.
std::string periodArgsError(const PeriodArgs& args);

// --begin, --end, --days and --time-zone of summary and overview; throws
// UsageError for arguments that do not make a period.
PeriodArgs periodArguments(const ReportArguments& args);

// Sets the transaction's TimeZone and works out the period in it, the
// last `defaultDays` days when the arguments name none. std::nullopt when
// the zone is not one the database knows.
std::optional<Period> sessionPeriod(pqxx::transaction_base& tx, const PeriodArgs& args,
                                    long defaultDays);
} // namespace dmarc
