// https_poster.hh: delivery of one aggregate report to an `https` rua URI,
// the report-side twin of the Mailer: an HTTP/1.1 POST of the gzipped
// report. RFC 7489 §7.2.1 leaves methods other than mailto to later
// documents; the DMARC base drafts before it said (section "HTTP"): the data
// MAY be application/gzip, and the request header SHOULD carry the Subject
// field of the mail. So: the body is the very .xml.gz of the mail
// attachment, Content-Type application/gzip, its filename in
// Content-Disposition, and the mail's Subject as a Subject field. Each delivery says delivered
// (2xx), temporary or permanent failure, so the caller retries across runs exactly as for mail.
//
// Trusts the caller's URI (parsed and checked by rua_uri) and the DNS
// answers of our resolver. Does not trust the collector: its certificate
// must be valid for the URI's host, redirects are failures and never
// followed, and its reply is bounded (https_client) and sanitised before it
// reaches a log line or the database.
#pragma once

#include <string>

#include "lib/core/dns_answer.hh"
#include "reporting/rua_uri.hh"
#include "reporting/transport/https_client.hh"
#include "reporting/transport/mailer.hh"

namespace dmarc
{
struct ReportUpload
{
  std::string path;     // the gzip file
  std::string filename; // receiver!policy-domain!begin!end!id.xml.gz
  std::string subject;  // the Subject of the report mail
};

class ReportPoster
{
public:
  virtual ~ReportPoster() = default;
  virtual Delivery post(const RuaUri& destination, const ReportUpload& upload) = 0;
  virtual std::string transport() const = 0; // "https"
};

// Resolves the URI's host (A, then AAAA) through the resolver and POSTs.
class HttpsReportPoster : public ReportPoster
{
public:
  HttpsReportPoster(DnsResolver& resolver, TlsClientOptions options)
      : d_resolver(resolver), d_options(std::move(options))
  {}
  Delivery post(const RuaUri& destination, const ReportUpload& upload) override;
  std::string transport() const override { return "https"; }

private:
  DnsResolver& d_resolver;
  TlsClientOptions d_options;
};

// The request for one upload: POST to the URI's target with the report's
// headers (no body stream attached).
HttpsRequest reportUploadRequest(const RuaUri& destination, const ReportUpload& upload);

// What a collector's answer means for the retry logic: 2xx delivered;
// 408, 425, 429 and 5xx, a connection, TLS or certificate problem and a
// timeout temporary (retried with back-off until the give-up age); a
// redirect or another 4xx permanent.
Delivery httpsDeliveryOutcome(const HttpsResponse& response);
} // namespace dmarc
