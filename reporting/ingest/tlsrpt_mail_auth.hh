// tlsrpt_mail_auth.hh: whether a TLS-RPT report that came by mail may be
// believed (RFC 8460 §5.3): the mail must carry a valid DKIM signature of
// the reporting domain, made with a key whose service type permits
// "tlsrpt" (s=tlsrpt or s=*, RFC 8460 §3), and receivers must ignore
// reports without one.
//
// The reporting domain is the mail's TLS-Report-Submitter header field
// (RFC 8460 §5.3: the domain of the report's submitter, which also names
// it in the Subject and contact-info). A signature belongs to it when d= is
// that domain or a parent of it other than a top-level domain: a signer
// vouches for the names under its domain, as RFC 6376 §3.5 lets d= vouch
// for an i= below it. A signature of another domain, however valid, does
// not authenticate the report.
//
// judgeTlsRptSignatures() is pure (DKIM outcomes in, decision out);
// verifyMessageDkim() runs the DKIM verifier over one raw message. Nothing
// in the message is trusted; the verifier bounds what it reads.
#pragma once

#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dkim_result.hh"

namespace dmarc
{
class DkimLibrary;

struct TlsRptMailAuth
{
  enum class Result
  {
    Pass,      // a valid signature of the reporting domain
    Fail,      // none: the report must be ignored (unless the operator says otherwise)
    TempError, // the reporting domain's key could not be fetched: try again later
  };
  Result result = Result::Fail;
  std::string domain;   // d= of the passing signature
  std::string selector; // s= of the passing signature
  std::string detail;   // in plain words: what was found
};

// submitter: the TLS-Report-Submitter value (may be empty or hostile).
TlsRptMailAuth judgeTlsRptSignatures(const std::vector<DkimSignatureOutcome>& signatures,
                                     std::string_view submitter);

// DKIM outcomes of one raw message (header fields, empty line, body; LF or
// CRLF line ends; a leading mbox "From " line is skipped), verified at
// `now` with `library` (set up for the tlsrpt service by the caller).
std::vector<DkimSignatureOutcome> verifyMessageDkim(const DkimLibrary& library,
                                                    std::string_view message, std::time_t now);

std::string_view toString(TlsRptMailAuth::Result result);
} // namespace dmarc
