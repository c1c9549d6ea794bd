// verdict_sink.hh: where the VerdictWriter's thread ships batches (the
// database side of the writer). PgVerdictSink is the real one; unit tests
// of the writer use an in-memory sink to script outages.
//
// Contract: insert() is idempotent per messageKey (a replayed record is not
// stored twice) and atomic per call (all rows committed, or none).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "lib/core/error.hh"
#include "lib/core/message_record.hh"

namespace dmarc
{
// The database cannot be reached or the connection broke: retry later.
class SinkUnavailable : public Error
{
public:
  using Error::Error;
};

// The database refused these rows (a constraint, a value it cannot hold):
// retrying the same rows will not help.
class SinkRejected : public Error
{
public:
  using Error::Error;
};

class VerdictSink
{
public:
  VerdictSink() = default;
  VerdictSink(const VerdictSink&) = delete;
  VerdictSink& operator=(const VerdictSink&) = delete;
  virtual ~VerdictSink() = default;

  // (Re)connects if needed. Throws SinkUnavailable.
  virtual void connect() = 0;
  virtual void disconnect() noexcept = 0;
  // Commits all rows in one transaction. Throws SinkUnavailable or SinkRejected.
  virtual void insert(const std::vector<const MessageRecord*>& records) = 0;
  // Which server the open connection reached (host:port), for the log line
  // after an outage: with several hosts, the node that is primary now.
  // Empty when not connected or not known.
  virtual std::string peer() const { return {}; }
};
} // namespace dmarc
