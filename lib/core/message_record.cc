// message_record.cc: spellings of the store's outcome values (logs).
// Pure: no I/O.
#include "lib/core/message_record.hh"

#include "lib/core/verdict_store.hh"

namespace dmarc
{
std::string_view toString(StoreOutcome outcome)
{
  switch (outcome) {
  case StoreOutcome::Durable:
    return "durable";
  case StoreOutcome::Accepted:
    return "accepted";
  case StoreOutcome::Dropped:
    return "dropped";
  case StoreOutcome::Refused:
    return "refused";
  }
  return "dropped";
}
} // namespace dmarc
