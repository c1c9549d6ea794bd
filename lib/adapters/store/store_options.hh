// store_options.hh: the settings of the history store (VerdictWriter), as a
// plain struct. The milter's config table owns the key names, defaults shown
// to users and bounds; it fills this struct. The defaults here are only the
// values a default-constructed struct has (tests rely on them).
//
// Trust: the connection string and the password file come from the
// administrator; the password is never logged (see pg_connection.hh).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace dmarc
{
enum class StoreDurability
{
  Fsync,   // spool write + fsync (group commit) before store() returns (default)
  Relaxed, // spool write only; the writer thread fsyncs at least every relaxedSyncInterval
  Memory,  // no spool at all: a crash or a long database outage loses verdicts
};

// What happens when the spool holds spoolLimitBytes.
enum class SpoolFullAction
{
  Accept,   // keep filtering mail, log each verdict that is not kept
  Tempfail, // store() returns Refused: the milter answers 4xx
};

enum class StoreLogLevel
{
  Debug,
  Info,
  Notice, // once-per-run summaries (the group-commit figures at stop)
  Warning,
  Error,
};

// Where the store's log lines go (the milter's Logger). Called from the
// writer thread and from store() callers; must be thread-safe. Lines are
// already sanitised (no untrusted text) and never contain the password.
using StoreLogFunction = std::function<void(StoreLogLevel, std::string_view)>;

struct StoreOptions
{
  // libpq connection string ("host=/run/postgresql dbname=dmarc user=mx1" or a
  // postgresql:// URI). Required.
  std::string connection;
  // File whose first line is the password (appended to the connection
  // string). Empty: libpq's own PGPASSFILE / ~/.pgpass lookup applies.
  std::string passwordFile;

  // This host's name, recorded as reporting_host when a record has none.
  std::string reportingHost;

  StoreDurability durability = StoreDurability::Fsync;
  // Directory of the spool segment files (created if missing, mode 0700).
  // Required unless durability is Memory. One writer per directory (locked).
  std::string spoolDirectory;
  std::chrono::milliseconds relaxedSyncInterval{1000};

  std::size_t spoolLimitBytes = std::size_t{1} << 30; // 1 GiB
  SpoolFullAction spoolFullAction = SpoolFullAction::Accept;
  // Warnings are logged when the spool crosses 50%, 75% and 90% of the limit.
  std::size_t segmentBytes = std::size_t{16} << 20; // a segment is closed past this size

  std::size_t queueCapacity = 50000; // records held in memory for the writer
  std::size_t batchSize = 500;       // rows per database transaction
  // How long the writer lets a batch that is not full gather more verdicts
  // before it ships it (counted from the oldest verdict in it). Each
  // transaction costs the database and the writer the same whatever its
  // size; shipping whatever had come in made batches of a few rows at a few
  // thousand messages a second, the database's CPU taken from the milter
  // when both share a host. The verdicts are in the spool meanwhile (or, in
  // memory mode, where they always are until committed).
  std::chrono::milliseconds batchLinger{20};

  std::chrono::milliseconds reconnectMin{100};
  std::chrono::milliseconds reconnectMax{30000};

  StoreLogFunction log; // empty: no logging
};
} // namespace dmarc
