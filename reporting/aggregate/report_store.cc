// report_store.cc: the names of a destination's states (sql/0003).
#include "reporting/aggregate/report_store.hh"

namespace dmarc
{
std::string_view toString(DestinationStatus status)
{
  switch (status) {
  case DestinationStatus::Pending:
    return "pending";
  case DestinationStatus::Delivered:
    return "delivered";
  case DestinationStatus::Skipped:
    return "skipped";
  case DestinationStatus::GaveUp:
    return "gave_up";
  }
  return "pending";
}
} // namespace dmarc
