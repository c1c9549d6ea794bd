// posture_store.hh: storing the results of `dmarc-reports check` in
// posture_check (sql/0009_posture_checks.sql), one run in one transaction,
// so that the overview's Posture section shows the latest of each domain.
//
// Trusts the database; the findings are untrusted text (DNS records, server
// replies): bound and made valid UTF-8 here, escaped where they are shown.
#pragma once

#include <string>
#include <vector>

#include <pqxx/connection>

#include "reporting/check/posture_check.hh"

namespace dmarc
{
// Stores every domain's rows (posture_rows.hh) with one checked_at, the
// transaction's now(), and `host` (the name of the machine that checked).
// Throws pqxx errors; nothing is stored then.
void storePostureRun(pqxx::connection& db, const std::string& host,
                     const std::vector<DomainPosture>& postures);
} // namespace dmarc
