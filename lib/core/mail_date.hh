// mail_date.hh: the RFC 5322 §3.3 date-time of report mail (Date:,
// Arrival-Date:), always in UTC.
// Pure: formats a number; no clock is read here.
#pragma once

#include <ctime>
#include <string>

namespace dmarc
{
// e.g. "Sat, 28 Nov 2026 14:05:00 +0000".
std::string rfc5322Date(std::time_t when);
} // namespace dmarc
