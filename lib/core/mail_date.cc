// mail_date.cc: RFC 5322 date-time with English day and month names
// (independent of the C locale).
#include "lib/core/mail_date.hh"

#include <array>
#include <cstdio>

namespace dmarc
{
std::string rfc5322Date(std::time_t when)
{
  std::tm utc{};
  gmtime_r(&when, &utc);
  static constexpr std::array<const char*, 7> s_days{"Sun", "Mon", "Tue", "Wed",
                                                     "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> s_months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char text[64];
  std::snprintf(text, sizeof text, "%s, %02d %s %04d %02d:%02d:%02d +0000", s_days[utc.tm_wday],
                utc.tm_mday, s_months[utc.tm_mon], utc.tm_year + 1900, utc.tm_hour, utc.tm_min,
                utc.tm_sec);
  return text;
}
} // namespace dmarc
