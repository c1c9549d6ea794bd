// tlsrpt_mail_auth.cc: the DKIM check of TLS-RPT report mail (RFC 8460
// §5.3); see tlsrpt_mail_auth.hh.
#include "reporting/ingest/tlsrpt_mail_auth.hh"

#include <algorithm>

#include "lib/adapters/dkim/dkim_text.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/header_canon.hh"
#include "lib/core/header_name.hh"

namespace dmarc
{
namespace
{
// Signatures described in a rejection reason; the verifier itself checks
// at most DkimSettings::maxSignatures.
constexpr std::size_t s_maxDescribed = 4;
constexpr std::size_t s_maxShown = 80;

std::string normalisedDomain(std::string_view domain)
{
  std::string out = toLowerAscii(trimSpace(domain));
  while (!out.empty() && out.back() == '.') {
    out.pop_back();
  }
  return out;
}

// d= is the submitter's domain or a parent of it (see the header), but
// never a single label: a top-level domain signs for no reporter. (A key
// can only be published by whoever runs d=, so a registry's name like
// co.uk is not a way in either; no Public Suffix List is needed here.)
bool belongsTo(const std::string& signer, const std::string& submitter)
{
  if (signer.empty() || submitter.empty()) {
    return false;
  }
  if (signer != submitter && signer.find('.') == std::string::npos) {
    return false;
  }
  return signer == submitter || (submitter.size() > signer.size() && submitter.ends_with(signer) &&
                                 submitter[submitter.size() - signer.size() - 1] == '.');
}

std::string describe(const DkimSignatureOutcome& signature)
{
  return "d=" + printableAscii(signature.domain, s_maxShown) +
         " s=" + printableAscii(signature.selector, s_maxShown) + " " +
         std::string(toString(signature.result)) +
         (signature.humanResult.empty()
              ? std::string()
              : " (" + printableAscii(signature.humanResult, s_maxShown) + ")");
}
} // namespace

std::string_view toString(TlsRptMailAuth::Result result)
{
  switch (result) {
  case TlsRptMailAuth::Result::Pass:
    return "pass";
  case TlsRptMailAuth::Result::TempError:
    return "temperror";
  case TlsRptMailAuth::Result::Fail:
    break;
  }
  return "fail";
}

TlsRptMailAuth judgeTlsRptSignatures(const std::vector<DkimSignatureOutcome>& signatures,
                                     std::string_view submitter)
{
  TlsRptMailAuth auth;
  const std::string reporter = normalisedDomain(submitter);
  if (reporter.empty()) {
    auth.detail = "no TLS-Report-Submitter header field, so no reporting domain to authenticate";
    return auth;
  }
  bool tempError = false;
  for (const auto& signature : signatures) {
    const bool own = belongsTo(normalisedDomain(signature.domain), reporter);
    if (own && signature.result == DkimResult::Pass) {
      auth.result = TlsRptMailAuth::Result::Pass;
      auth.domain = normalisedDomain(signature.domain);
      auth.selector = signature.selector;
      auth.detail = "valid DKIM signature d=" + auth.domain +
                    " s=" + printableAscii(signature.selector, s_maxShown);
      return auth;
    }
    tempError = tempError || (own && signature.result == DkimResult::Temperror);
  }
  const std::string shownReporter = printableAscii(reporter, s_maxShown);
  if (signatures.empty()) {
    auth.detail = "no DKIM signature (the reporting domain is " + shownReporter + ")";
    return auth;
  }
  auth.detail = "no valid DKIM signature of the reporting domain " + shownReporter + ":";
  std::size_t described = 0;
  for (const auto& signature : signatures) {
    if (++described > s_maxDescribed) {
      auth.detail += " ...";
      break;
    }
    auth.detail += (described > 1 ? "; " : " ") + describe(signature);
    if (!belongsTo(normalisedDomain(signature.domain), reporter)) {
      auth.detail += ", not the reporting domain";
    }
  }
  if (tempError) {
    auth.result = TlsRptMailAuth::Result::TempError;
  }
  return auth;
}

std::vector<DkimSignatureOutcome> verifyMessageDkim(const DkimLibrary& library,
                                                    std::string_view message, std::time_t now)
{
  DkimVerifier verifier(library, now, nullptr, "ingest");
  // An mbox separator line ("From sender date") is not a header field; a
  // From field with white space before its colon (RFC 5322 §4.5.2) is.
  const std::string_view firstLine = message.substr(0, message.find('\n'));
  if (firstLine.starts_with("From ") && !isFieldNamed(headerFieldName(firstLine), "From")) {
    const auto end = message.find('\n');
    message = end == std::string_view::npos ? std::string_view() : message.substr(end + 1);
  }
  // Header fields: a line that starts with white space continues the
  // previous field; the first empty line ends the header.
  std::size_t pos = 0;
  std::size_t fieldStart = std::string_view::npos;
  bool bodyFound = false;
  while (pos < message.size()) {
    std::size_t end = message.find('\n', pos);
    const std::size_t next = end == std::string_view::npos ? message.size() : end + 1;
    std::string_view line = message.substr(pos, (end == std::string_view::npos ? next : end) - pos);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    const bool continuation = !line.empty() && (line.front() == ' ' || line.front() == '\t');
    if (!continuation && fieldStart != std::string_view::npos) {
      std::string_view field = message.substr(fieldStart, pos - fieldStart);
      while (field.ends_with('\n') || field.ends_with('\r')) {
        field.remove_suffix(1);
      }
      verifier.headerField(field);
      fieldStart = std::string_view::npos;
    }
    if (line.empty()) {
      pos = next;
      bodyFound = true;
      break;
    }
    if (!continuation) {
      fieldStart = pos;
    }
    pos = next;
  }
  if (!bodyFound && fieldStart != std::string_view::npos) {
    std::string_view field = message.substr(fieldStart);
    while (field.ends_with('\n') || field.ends_with('\r')) {
      field.remove_suffix(1);
    }
    verifier.headerField(field);
  }
  verifier.endOfHeaders();
  if (bodyFound) {
    // The body in SMTP form (CRLF), in pieces so that no second copy of a
    // large message is made at once.
    constexpr std::size_t s_chunk = 64U * 1024U;
    std::string_view body = message.substr(pos);
    while (!body.empty()) {
      std::size_t take = std::min(body.size(), s_chunk);
      // Do not split a CRLF pair between two pieces.
      if (take < body.size() && body[take - 1] == '\r') {
        ++take;
      }
      const std::string_view piece = body.substr(0, take);
      verifier.body(piece.find('\n') == std::string_view::npos ? std::string(piece)
                                                               : withCrlf(piece));
      body.remove_prefix(take);
    }
  }
  return verifier.finish();
}
} // namespace dmarc
