// report_model.hh: one DMARC aggregate report as values: its metadata, the
// policy published, and its grouped rows (RFC 9990 "Aggregate Reports";
// RFC 7489 Appendix C). The XML writer turns these into a document; the
// store fills them from the stored verdicts.
//
// Pure: no I/O. Everything here came from the database, hence from mail and
// DNS, and is hostile: the writer escapes and bounds it, and normaliseRow()
// brings a row into the shape the schemas allow.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lib/core/dkim_result.hh"
#include "lib/core/spf_result.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
enum class ReportFormat
{
  Rfc9990, // urn:ietf:params:xml:ns:dmarc-2.0 (default)
  Rfc7489, // RFC 7489 Appendix C, no namespace (compatibility)
};

// RFC 9990: "Include every DKIM signature evaluated, up to 100 per row".
constexpr std::size_t g_maxDkimPerRow = 100;
// Overrides per row: the schema allows any number; a bound keeps a hostile
// database row from blowing up the document.
constexpr std::size_t g_maxReasonsPerRow = 16;

struct ReportMetadata
{
  std::string orgName;          // the reporting organisation
  std::string email;            // its contact address
  std::string extraContactInfo; // optional
  std::string reportId;         // ridtxt (RFC 9990): the same in XML, Subject, filename
  std::int64_t begin = 0;       // epoch seconds, the reporting period
  std::int64_t end = 0;
  std::string error;     // at most one (RFC 9990)
  std::string generator; // e.g. "dmarc-milter 1.0"
};

// policy_published: the record of the DMARC Policy Domain, as last seen.
struct ReportPolicy
{
  PublishedPolicy policy;
  DiscoveryMethod discoveryMethod = DiscoveryMethod::TreeWalk;
};

// One <record>: a group of messages with identical evaluation.
struct ReportRow
{
  std::string sourceIp;
  std::uint64_t count = 0;
  Disposition disposition = Disposition::None;
  bool dkimAligned = false;
  bool spfAligned = false;
  std::vector<Override> reasons;
  std::string headerFrom;
  std::string envelopeFrom; // RFC5321.MailFrom domain; empty for <>
  std::string envelopeTo;   // optional
  std::vector<DkimSignatureOutcome> dkim;
  std::optional<SpfOutcome> spf;

  bool operator==(const ReportRow&) const = default;
};

// Brings one row into the shape the chosen format allows:
//  - DKIM signatures ordered as RFC 9990 asks (aligned passes first: strict,
//    then relaxed, then other passes, then the rest) and capped at 100;
//  - RFC 9990: SPF only for the mfrom scope (a HELO result is not reported
//    under that scope); RFC 7489: disposition "pass" becomes "none";
//  - override reasons mapped to the format's vocabulary and capped.
// policyDomain is the DMARC Policy Domain; alignment of d= is computed
// against headerFrom with the published adkim mode.
void normaliseRow(ReportRow& row, ReportFormat format, AlignmentMode adkim);

// The textual source_ip for the format: RFC 7489's schema only accepts the
// full 8-group IPv6 form (errata 5221/7865), so IPv6 is expanded there.
// Returns the input unchanged when it is not an IP address.
std::string formatSourceIp(const std::string& ip, ReportFormat format);

std::string_view toString(ReportFormat format);
} // namespace dmarc
