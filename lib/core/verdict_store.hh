// verdict_store.hh: the history sink the milter hands each message's record
// to (STYLE.md convention 3: an interface at every I/O seam). The production
// implementation is lib/adapters/store/verdict_writer.hh (local spool + PostgreSQL);
// tests use tests/unit/fake_verdict_store.hh.
//
// Contract: store() never waits on the network. In the durable mode it
// returns only once the record is on stable storage in the local spool (the
// fsync is shared by the messages that end at the same moment), so the milter
// may answer end-of-message as soon as it returns StoreOutcome::Durable.
#pragma once

#include <string_view>

#include "lib/core/message_record.hh"

namespace dmarc
{
enum class StoreOutcome
{
  Durable,  // in the fsynced spool: will reach the database, whatever happens
  Accepted, // queued (relaxed or memory-only mode): survives a daemon restart only if spooled
  Dropped,  // not kept (spool full under the "accept" action, or queue full without a spool);
            // already logged by the store; the message itself may still be accepted
  Refused,  // spool full under the "tempfail" action: the milter should answer 4xx
};

std::string_view toString(StoreOutcome outcome);

class VerdictStore
{
public:
  VerdictStore() = default;
  VerdictStore(const VerdictStore&) = delete;
  VerdictStore& operator=(const VerdictStore&) = delete;
  virtual ~VerdictStore() = default;

  // Called from any milter thread, concurrently. Takes the record by value
  // (move it in). Assigns record.messageKey when it is empty. Never throws.
  virtual StoreOutcome store(MessageRecord record) noexcept = 0;
};
} // namespace dmarc
