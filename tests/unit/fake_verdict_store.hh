// fake_verdict_store.hh: an in-memory VerdictStore for unit tests of code
// that hands records to the history store (the milter session). It keeps
// every record and answers a configurable outcome. Not thread-hostile:
// store() takes a lock, like the real store may be called concurrently.
#pragma once

#include <mutex>
#include <vector>

#include "lib/core/verdict_store.hh"

namespace dmarc
{
class FakeVerdictStore : public VerdictStore
{
public:
  StoreOutcome store(MessageRecord record) noexcept override
  {
    std::lock_guard lock(d_mutex);
    if (record.messageKey.empty()) {
      record.messageKey = "00000000-0000-4000-8000-" +
                          std::string(12 - std::to_string(d_records.size()).size(), '0') +
                          std::to_string(d_records.size());
    }
    if (d_outcome == StoreOutcome::Durable || d_outcome == StoreOutcome::Accepted) {
      d_records.push_back(std::move(record));
    }
    return d_outcome;
  }

  void setOutcome(StoreOutcome outcome)
  {
    std::lock_guard lock(d_mutex);
    d_outcome = outcome;
  }

  std::vector<MessageRecord> records() const
  {
    std::lock_guard lock(d_mutex);
    return d_records;
  }

private:
  mutable std::mutex d_mutex;
  StoreOutcome d_outcome = StoreOutcome::Durable;
  std::vector<MessageRecord> d_records;
};
} // namespace dmarc
