// overview_queries.hh: the overview page built from the database: one
// function per section, each a few GROUP BYs over the views of
// sql/0006_overview.sql (so that the page and a Grafana panel count the
// same way), turned into figures by overview_model.
//
// Trusts the database schema; every value read is untrusted text for the
// page (the page writer escapes it). The transaction must have its TimeZone
// set to the site's zone: the views' `day` and the period bounds are dates
// in that zone.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <pqxx/transaction_base>

#include "reporting/overview/overview_model.hh"
#include "reporting/overview/source_names.hh"

namespace dmarc
{
struct OverviewQuery
{
  std::string firstDay;             // YYYY-MM-DD, first day of the period
  std::string endDay;               // YYYY-MM-DD, first day after it
  std::vector<std::string> domains; // our domains to show; empty: all
  std::size_t limit = 20;           // rows of each "top" table and chart
};

// Names for source addresses (given largest volume first); addresses it
// does not name stay addresses. The overview passes one that asks DNS
// through a cache, or none (--no-reverse-dns).
using SourceNamer =
    std::function<std::map<std::string, SourceName>(const std::vector<std::string>& addresses)>;

// How many of the largest sources are named by reverse DNS: the page shows
// the top few; naming thousands would make a run's time depend on DNS.
inline constexpr std::size_t g_maxNamedSources = 200;

Section reportsSection(pqxx::transaction_base& tx, const OverviewQuery& query,
                       const SourceNamer& namer);
Section inboundSection(pqxx::transaction_base& tx, const OverviewQuery& query);
Section transportSection(pqxx::transaction_base& tx, const OverviewQuery& query);
Section postureSection(pqxx::transaction_base& tx, const OverviewQuery& query);

// The "Volume by sending source" figure of reportsSection alone: sources
// grouped by organisation by `namer` (`summary` names them from the cache).
Figure sendingSourcesFigure(pqxx::transaction_base& tx, const OverviewQuery& query,
                            const SourceNamer& namer);
} // namespace dmarc
