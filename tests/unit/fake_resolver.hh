// fake_resolver.hh: an in-memory DnsResolver for unit tests. Records are
// added per (name, type); a name with any record answers NoData for other
// types, a name marked as failing answers Failure, anything else NxDomain.
// Every query is counted, so tests can check lookup limits.
#pragma once

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lib/core/dns_answer.hh"

namespace dmarc::test
{
class FakeResolver : public DnsResolver
{
public:
  void add(std::string name, DnsType type, std::string record)
  {
    d_records[{lower(std::move(name)), type}].push_back(std::move(record));
  }
  // The name exists (answers NoData) without any record of its own.
  void addEmpty(std::string name) { d_empty.insert(lower(std::move(name))); }
  // Every query for this name fails (SERVFAIL or timeout).
  void fail(std::string name) { d_failing.insert(lower(std::move(name))); }
  void clear()
  {
    d_records.clear();
    d_failing.clear();
    d_empty.clear();
    d_queries.clear();
  }

  DnsAnswer query(std::string_view name, DnsType type) override
  {
    std::string key = lower(std::string(name));
    while (!key.empty() && key.back() == '.') {
      key.pop_back();
    }
    d_queries.emplace_back(key, type);
    DnsAnswer answer;
    if (d_failing.count(key) != 0) {
      answer.status = DnsStatus::Failure;
      answer.error = "SERVFAIL (fake)";
      return answer;
    }
    auto found = d_records.find({key, type});
    if (found != d_records.end()) {
      answer.status = DnsStatus::Data;
      answer.records = found->second;
      return answer;
    }
    answer.status = nameExists(key) ? DnsStatus::NoData : DnsStatus::NxDomain;
    return answer;
  }

  const std::vector<std::pair<std::string, DnsType>>& queries() const { return d_queries; }

private:
  static std::string lower(std::string text)
  {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  }

  // RFC 8020: a name exists when it, or any name below it, has records.
  bool nameExists(const std::string& name) const
  {
    auto below = [&name](const std::string& other) {
      return other == name || (other.size() > name.size() && other.ends_with(name) &&
                               other[other.size() - name.size() - 1] == '.');
    };
    for (const auto& entry : d_records) {
      if (below(entry.first.first)) {
        return true;
      }
    }
    return std::any_of(d_empty.begin(), d_empty.end(), below);
  }

  std::map<std::pair<std::string, DnsType>, std::vector<std::string>> d_records;
  std::set<std::string> d_failing;
  std::set<std::string> d_empty;
  std::vector<std::pair<std::string, DnsType>> d_queries;
};
} // namespace dmarc::test
