// source_name_cache.hh: source names (source_names.hh) kept in the table
// source_name (sql/0006_overview.sql) for a week, so that a daily page does
// not ask DNS again for the same few hundred addresses, and looked up a few
// at a time when missing.
//
// Trusts the database; DNS answers are checked by lookUpSourceName. DNS
// failures are not stored (the next run asks again).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "lib/core/dns_answer.hh"
#include "lib/core/public_suffix.hh"
#include "reporting/overview/source_names.hh"

namespace dmarc
{
// Names for `addresses` as the cache holds them (a week at most), without
// asking DNS: what `summary` shows.
std::map<std::string, SourceName> storedSourceNames(pqxx::transaction_base& tx,
                                                    const std::vector<std::string>& addresses);

// Names for `addresses` from the cache, asking `resolver` (which must be
// safe to call from several threads at once) for the ones missing or older
// than a week, and storing what it answered in the transaction.
std::map<std::string, SourceName> cachedSourceNames(pqxx::transaction_base& tx,
                                                    DnsResolver& resolver,
                                                    const PublicSuffixList& psl,
                                                    const std::vector<std::string>& addresses);
} // namespace dmarc
