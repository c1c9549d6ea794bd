// report_model.cc: shaping grouped rows for the RFC 9990 / RFC 7489 schemas.
// Pure: no I/O (inet_pton/inet_ntop are conversions, not I/O).
#include "reporting/aggregate/report_model.hh"

#include <algorithm>
#include <arpa/inet.h>
#include <array>
#include <cstdio>

#include "reporting/report_naming.hh"

namespace dmarc
{
namespace
{
// Rank for the RFC 9990 signature order: 0 strictly aligned pass, 1 relaxed
// aligned pass, 2 other pass, 3 everything else. Relaxed alignment proper
// needs the Organizational Domain; the stored rows carry no PSL, so a d= that
// is the From domain's parent or child stands in for it. The order is
// advisory ("SHOULD"); the set of signatures reported is the same.
int dkimRank(const DkimSignatureOutcome& sig, const std::string& headerFrom)
{
  if (sig.result != DkimResult::Pass) {
    return 3;
  }
  if (sig.domain == headerFrom) {
    return 0;
  }
  if (isSameOrBelowDomain(sig.domain, headerFrom) || isSameOrBelowDomain(headerFrom, sig.domain)) {
    return 1;
  }
  return 2;
}

Override mapReason(const Override& in, ReportFormat format)
{
  Override out = in;
  if (format == ReportFormat::Rfc9990) {
    // RFC 9990 removed forwarded and sampled_out. pct sampling became t=y.
    if (in.reason == OverrideReason::Forwarded) {
      out.reason = OverrideReason::Other;
      out.comment = in.comment.empty() ? "forwarded" : "forwarded: " + in.comment;
    } else if (in.reason == OverrideReason::SampledOut) {
      out.reason = OverrideReason::PolicyTestMode;
    }
  } else if (in.reason == OverrideReason::PolicyTestMode) {
    // RFC 7489 has no t=y; its nearest is pct sampling.
    out.reason = OverrideReason::SampledOut;
  }
  return out;
}
} // namespace

void normaliseRow(ReportRow& row, ReportFormat format, AlignmentMode adkim)
{
  std::stable_sort(row.dkim.begin(), row.dkim.end(),
                   [&row, adkim](const DkimSignatureOutcome& a, const DkimSignatureOutcome& b) {
                     int ra = dkimRank(a, row.headerFrom);
                     int rb = dkimRank(b, row.headerFrom);
                     // Under adkim=s a relaxed match is not aligned at all.
                     if (adkim == AlignmentMode::Strict) {
                       ra = ra == 1 ? 2 : ra;
                       rb = rb == 1 ? 2 : rb;
                     }
                     return ra < rb;
                   });
  if (row.dkim.size() > g_maxDkimPerRow) {
    row.dkim.resize(g_maxDkimPerRow);
  }
  if (format == ReportFormat::Rfc9990 && row.spf && row.spf->scope != SpfScope::Mfrom) {
    row.spf.reset(); // RFC 9990 SPFDomainScope is only "mfrom"
  }
  if (format == ReportFormat::Rfc7489 && row.disposition == Disposition::Pass) {
    row.disposition = Disposition::None;
  }
  if (row.disposition == Disposition::Tempfail) {
    row.disposition = Disposition::None; // not a report value; callers filter these
  }
  if (row.reasons.size() > g_maxReasonsPerRow) {
    row.reasons.resize(g_maxReasonsPerRow);
  }
  for (auto& reason : row.reasons) {
    reason = mapReason(reason, format);
  }
}

std::string formatSourceIp(const std::string& ip, ReportFormat format)
{
  std::array<unsigned char, 16> bytes{};
  if (::inet_pton(AF_INET6, ip.c_str(), bytes.data()) != 1) {
    return ip;
  }
  if (format == ReportFormat::Rfc9990) {
    std::array<char, INET6_ADDRSTRLEN> text{};
    ::inet_ntop(AF_INET6, bytes.data(), text.data(), text.size());
    return text.data(); // canonical RFC 5952 form
  }
  std::string out;
  for (std::size_t i = 0; i < bytes.size(); i += 2) {
    std::array<char, 8> group{};
    std::snprintf(group.data(), group.size(), "%x", (bytes[i] << 8) | bytes[i + 1]);
    if (!out.empty()) {
      out += ':';
    }
    out += group.data();
  }
  return out;
}

std::string_view toString(ReportFormat format)
{
  return format == ReportFormat::Rfc7489 ? "rfc7489" : "rfc9990";
}
} // namespace dmarc
