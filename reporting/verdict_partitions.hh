// verdict_partitions.hh: the day partitions of the verdict table
// (sql/0011_verdict_partitions.sql), created ahead of time by
// `dmarc-reports db partitions` and dropped by `dmarc-reports expire`.
// Both go through the schema's SECURITY DEFINER functions, so a member of
// dmarc_reports may run them; each partition is its own short transaction.
//
// Trusts the database.
#pragma once

#include <functional>
#include <string>

#include <pqxx/connection>

namespace dmarc
{
struct PartitionsAdded
{
  int created = 0;             // partitions created by this call
  long long leftInDefault = 0; // rows still in verdict_default afterwards
};

// Creates the partitions of today (UTC) and the next `aheadDays` days, and
// of every day that has rows in the default partition (which move into
// it), skipping those that exist. `progress` gets a line per partition.
PartitionsAdded addVerdictPartitions(pqxx::connection& connection, int aheadDays,
                                     const std::function<void(const std::string&)>& progress);

// Detaches and drops the partition of every day before `cutoffDay`
// (YYYY-MM-DD, UTC), oldest first; returns how many. A drop that cannot
// get its lock within a second is retried a few times, then fails with
// the database's error: DETACH needs verdict for itself for a moment, and
// the milters' inserts queue behind a DETACH that waits.
int dropVerdictPartitionsBefore(pqxx::connection& connection, const std::string& cutoffDay,
                                const std::function<void(const std::string&)>& progress);
} // namespace dmarc
