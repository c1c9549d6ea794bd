// https_poster.cc: POST of a report file to an https rua URI; see
// https_poster.hh.
#include "reporting/transport/https_poster.hh"

#include <filesystem>
#include <fstream>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// A collector's reply is a status and a line of text; 64 KiB is plenty and
// keeps a hostile one from filling memory. Only its start is kept.
constexpr std::size_t s_maxReplyBody = 64U * 1024U;
constexpr std::size_t s_maxDetailText = 200;

std::string firstLine(std::string_view text)
{
  text = trimSpace(text);
  return printableAscii(text.substr(0, text.find_first_of("\r\n")), s_maxDetailText);
}
} // namespace

HttpsRequest reportUploadRequest(const RuaUri& destination, const ReportUpload& upload)
{
  HttpsRequest request;
  request.method = "POST";
  request.target = destination.target.empty() ? "/" : destination.target;
  request.headers = {
      {"Content-Type", "application/gzip"},
      {"Content-Disposition", "attachment; filename=\"" + upload.filename + "\""},
      {"Subject", upload.subject},
  };
  return request;
}

Delivery httpsDeliveryOutcome(const HttpsResponse& response)
{
  Delivery delivery;
  const int status = response.status;
  if (status == 0) {
    delivery.outcome = Delivery::Outcome::Tempfail;
    delivery.detail = printableAscii(response.error, 500);
    return delivery;
  }
  delivery.detail = "HTTP " + std::to_string(status);
  if (status >= 300 && status < 400) {
    // A collector that moved must publish its new URI; following a
    // redirect would send reports where no DMARC record points.
    delivery.outcome = Delivery::Outcome::Permfail;
    delivery.detail +=
        " redirect to '" + printableAscii(response.location, s_maxDetailText) + "' not followed";
    return delivery;
  }
  if (const std::string text = firstLine(response.body); !text.empty()) {
    delivery.detail += " " + text;
  }
  if (status >= 200 && status < 300) {
    // The status line is the collector's answer; a body cut short after it
    // does not undo the acceptance.
    delivery.outcome = Delivery::Outcome::Delivered;
  } else if (status == 408 || status == 425 || status == 429 || status >= 500) {
    delivery.outcome = Delivery::Outcome::Tempfail;
  } else {
    delivery.outcome = Delivery::Outcome::Permfail;
  }
  return delivery;
}

Delivery HttpsReportPoster::post(const RuaUri& destination, const ReportUpload& upload)
{
  Delivery delivery;
  TlsEndpoint endpoint{destination.host, {}, destination.port};
  bool dnsFailure = false;
  bool nxdomain = false;
  for (const DnsType type : {DnsType::A, DnsType::AAAA}) {
    const DnsAnswer answer = d_resolver.query(destination.host, type);
    if (answer.status == DnsStatus::Data) {
      endpoint.addresses.insert(endpoint.addresses.end(), answer.records.begin(),
                                answer.records.end());
    } else if (answer.status == DnsStatus::Failure) {
      dnsFailure = true;
    } else if (answer.status == DnsStatus::NxDomain) {
      nxdomain = true;
    }
  }
  if (endpoint.addresses.empty()) {
    // A DNS failure may pass; a name without addresses is the publisher's
    // mistake, counted towards suppression like a bounced address.
    delivery.outcome = dnsFailure ? Delivery::Outcome::Tempfail : Delivery::Outcome::Permfail;
    delivery.detail = "DNS lookup of " + destination.host +
                      (dnsFailure ? " failed"
                       : nxdomain ? ": no such name"
                                  : ": no address");
    return delivery;
  }
  std::ifstream body(upload.path, std::ios::binary);
  std::error_code error;
  const auto size = std::filesystem::file_size(upload.path, error);
  if (!body || error) {
    delivery.outcome = Delivery::Outcome::Tempfail;
    delivery.detail = "cannot read the report file";
    return delivery;
  }
  HttpsRequest request = reportUploadRequest(destination, upload);
  request.body = &body;
  request.bodyLength = size;
  return httpsDeliveryOutcome(httpsExchange(endpoint, d_options, request, s_maxReplyBody));
}
} // namespace dmarc
