// posture_store.cc: see posture_store.hh.
#include "reporting/check/posture_store.hh"

#include <pqxx/pqxx>

#include "lib/adapters/store/pg_verdict_sql.hh"
#include "reporting/check/posture_rows.hh"

namespace dmarc
{
namespace
{
// The table's CHECK allows 65536 characters; findings are a few lines, so
// only a hostile server reply could come near it.
constexpr std::size_t s_maxText = 16384;

std::string bounded(const std::string& text)
{
  std::size_t cut = std::min(text.size(), s_maxText);
  while (cut < text.size() && cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return pgText(std::string_view(text).substr(0, cut));
}
} // namespace

void storePostureRun(pqxx::connection& db, const std::string& host,
                     const std::vector<DomainPosture>& postures)
{
  pqxx::work tx(db);
  for (const auto& posture : postures) {
    if (posture.domain.empty() || posture.domain.size() > 255) {
      continue; // not a domain name; printed, not kept
    }
    for (const auto& row : postureRows(posture)) {
      tx.exec_params("INSERT INTO posture_check (domain, check_name, status, finding, fix,"
                     " checked_at, host) VALUES ($1, $2, $3, $4, $5, now(), $6)",
                     bounded(posture.domain), row.check, row.status, bounded(row.finding),
                     bounded(row.fix), bounded(host));
    }
  }
  tx.commit();
}
} // namespace dmarc
