// posture_rows.hh: the findings of one `check` of a domain, as the rows
// stored in posture_check (sql/0009_posture_checks.sql): one per check
// (DMARC, SPF, MX, MTA-STS, STARTTLS, TLS-RPT) with its worst level, every
// finding's text and what to fix.
//
// Pure. The text is untrusted (it quotes DNS records and server replies);
// it is stored as it is and escaped where it is shown.
#pragma once

#include <string>
#include <vector>

#include "reporting/check/posture_check.hh"

namespace dmarc
{
struct PostureRow
{
  std::string check;  // the Finding's area
  std::string status; // ok, warning or error: the worst finding of the check
  // Every finding of the check, one per line in order, each after its
  // level ("warning: ..."): the problems themselves, in the check's words.
  std::string finding;
  std::string fix; // what to publish instead (postureRemedy); "" when ok
};

// In the order the checks ran; a check that found nothing has no row.
std::vector<PostureRow> postureRows(const DomainPosture& posture);

// What publishing right looks like for `check` of `domain`, in one
// sentence (empty for a check this does not know).
std::string postureRemedy(const std::string& check, const std::string& domain);
} // namespace dmarc
