// source_name_cache.cc: see source_name_cache.hh.
#include "reporting/overview/source_name_cache.hh"

#include <atomic>
#include <thread>

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_verdict_sql.hh"

namespace dmarc
{
namespace
{
// Lookups in flight at once: a PTR and an A/AAAA query each, so that a few
// hundred new addresses take seconds, not minutes, when some time out.
constexpr std::size_t s_lookupThreads = 16;
} // namespace

std::map<std::string, SourceName> storedSourceNames(pqxx::transaction_base& tx,
                                                    const std::vector<std::string>& addresses)
{
  std::map<std::string, SourceName> names;
  if (addresses.empty()) {
    return names;
  }
  for (const auto& row : tx.exec_params(
           "SELECT host(address), ptr_name, confirmed, organisation FROM source_name"
           " WHERE address = ANY($1::inet[]) AND looked_up_at > now() - interval '7 days'",
           pgArrayLiteral(addresses))) {
    names[row[0].c_str()] = {row[1].c_str(), row[2].as<bool>(), row[3].c_str(), false};
  }
  return names;
}

std::map<std::string, SourceName> cachedSourceNames(pqxx::transaction_base& tx,
                                                    DnsResolver& resolver,
                                                    const PublicSuffixList& psl,
                                                    const std::vector<std::string>& addresses)
{
  std::map<std::string, SourceName> names = storedSourceNames(tx, addresses);
  std::vector<std::string> missing;
  for (const auto& address : addresses) {
    if (!names.count(address)) {
      missing.push_back(address);
    }
  }
  std::vector<SourceName> found(missing.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> workers;
  for (std::size_t i = 0; i < std::min(s_lookupThreads, missing.size()); ++i) {
    workers.emplace_back([&] {
      for (std::size_t k = next++; k < missing.size(); k = next++) {
        try {
          found[k] = lookUpSourceName(resolver, psl, missing[k]);
        } catch (const std::exception&) {
          found[k].failed = true; // stays an address this time
        }
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  for (std::size_t k = 0; k < missing.size(); ++k) {
    if (found[k].failed) {
      continue;
    }
    tx.exec_params("INSERT INTO source_name (address, ptr_name, confirmed, organisation)"
                   " VALUES ($1::inet, $2, $3, $4) ON CONFLICT (address) DO UPDATE SET"
                   " ptr_name = EXCLUDED.ptr_name, confirmed = EXCLUDED.confirmed,"
                   " organisation = EXCLUDED.organisation, looked_up_at = now()",
                   missing[k], found[k].ptrName, found[k].confirmed, found[k].organisation);
    names[missing[k]] = found[k];
  }
  return names;
}
} // namespace dmarc
