// report_naming.hh: the names a report travels under: Report-ID, attachment
// filename and Subject (RFC 9990 "Report Delivery" -> "Email"; SPECS §6).
//
// Pure: no I/O. The domain names come from stored verdicts (mail and DNS),
// so a name that is not a plain DNS name is refused here: it would end up in
// a file name (path traversal) and in a mail header (header injection).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace dmarc
{
// True for a DNS name in LDH form (letters, digits, '-', '_', dots between
// non-empty labels of at most 63 octets, at most 253 octets in all).
// Underscore is allowed since real domains carry it.
bool isPlainDomainName(std::string_view name);

// True when `name` equals `parent` or lies below it (label-wise, ASCII
// case-insensitive).
bool isSameOrBelowDomain(std::string_view name, std::string_view parent);

// A Report-ID: the UTC date of the period, the report's serial number in the
// database and a random suffix, all letters and digits, so that the same
// text is valid as ridtxt (dot-atom-text) in XML and Subject and as the
// filename's unique-id (1*(ALPHA / DIGIT)).
std::string makeReportId(std::int64_t begin, std::uint64_t serial, std::string_view randomAlnum);

// receiver "!" policy-domain "!" begin "!" end "!" unique-id ".xml.gz"
// (".xml" when not compressed). Throws dmarc::Error for names that are not
// plain domain names, or a unique-id that is not alphanumeric.
std::string reportFilename(std::string_view receiver, std::string_view policyDomain,
                           std::int64_t begin, std::int64_t end, std::string_view reportId,
                           bool gzipped = true);

// "Report Domain: <domain> Submitter: <receiver> Report-ID: <id>" (RFC 9990
// MUST; with <> around the id, which RFC 9990 allows and RFC 7489 wants).
std::string reportSubject(std::string_view policyDomain, std::string_view receiver,
                          std::string_view reportId);

// Turns random bytes into letters and digits (for makeReportId).
std::string alnumFromBytes(std::string_view bytes);
} // namespace dmarc
