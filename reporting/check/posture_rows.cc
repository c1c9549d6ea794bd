// posture_rows.cc: see posture_rows.hh.
#include "reporting/check/posture_rows.hh"

#include <algorithm>

namespace dmarc
{
std::string postureRemedy(const std::string& check, const std::string& domain)
{
  if (check == "DMARC") {
    return "Publish exactly one valid record at _dmarc." + domain +
           ", with a rua= your organisation receives (or that authorises you), and move p= "
           "from none to quarantine and reject once the reports show your own mail aligned.";
  }
  if (check == "SPF") {
    return "Publish exactly one v=spf1 record at " + domain +
           " that names every host sending as the domain within 10 DNS lookups and ends in "
           "-all or ~all.";
  }
  if (check == "MX") {
    return "Publish MX records for " + domain +
           " naming hosts that have address records (or a null MX if it takes no mail).";
  }
  if (check == "MTA-STS") {
    return "Publish _mta-sts." + domain + " TXT \"v=STSv1; id=...\" and serve https://mta-sts." +
           domain +
           "/.well-known/mta-sts.txt as text/plain with a valid certificate, every MX listed, "
           "mode enforce once TLS-RPT shows no failures (dmarc-reports check --suggest prints "
           "both).";
  }
  if (check == "STARTTLS") {
    return "Offer STARTTLS on every MX with TLS 1.2 or later and a certificate valid for the "
           "MX name, issued by a public CA.";
  }
  if (check == "TLS-RPT") {
    return "Publish _smtp._tls." + domain +
           " TXT \"v=TLSRPTv1; rua=mailto:...\" with an address "
           "that reads the reports.";
  }
  return "";
}

std::vector<PostureRow> postureRows(const DomainPosture& posture)
{
  std::vector<PostureRow> rows;
  std::vector<Finding::Level> worst;
  for (const auto& finding : posture.findings) {
    auto row = std::find_if(rows.begin(), rows.end(),
                            [&](const PostureRow& r) { return r.check == finding.area; });
    if (row == rows.end()) {
      rows.push_back({finding.area, "", "", ""});
      worst.push_back(Finding::Level::Ok);
      row = rows.end() - 1;
    }
    Finding::Level& level = worst[static_cast<std::size_t>(row - rows.begin())];
    level = std::max(level, finding.level);
    row->finding += (row->finding.empty() ? "" : "\n") + std::string(toString(finding.level)) +
                    ": " + finding.message;
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    rows[i].status = std::string(toString(worst[i]));
    if (worst[i] != Finding::Level::Ok) {
      rows[i].fix = postureRemedy(rows[i].check, posture.domain);
    }
  }
  return rows;
}
} // namespace dmarc
