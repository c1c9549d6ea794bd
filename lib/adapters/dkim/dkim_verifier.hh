// dkim_verifier.hh: DKIM signature verification (RFC 6376, RFC 8463,
// RFC 8301) with libopendkim, one DkimLibrary per process and one
// DkimVerifier per message.
//
// Trusts: libopendkim for parsing signatures and keys, the header hash and
// the signature check; DkimBodyHash for the body hash (libopendkim's is ten
// times slower; it is still used for signatures with l=); the DnsResolver
// for key records (it must be safe to call from several threads at once).
// Treats every header field, tag value and key record as hostile: counts
// and sizes are bounded here before anything reaches the library, and no
// exception crosses back into libopendkim.
//
// Time: libopendkim checks x= and t= against the wall clock and offers no
// hook for verification (DKIM_OPTS_FIXEDTIME only sets the t= it writes
// when signing). So the library's own check is widened to a wide margin
// and the expiry rules (RFC 6376 §3.5 x=, t= in the future) are applied
// here against the `now` each DkimVerifier is given by its caller's Clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/adapters/c_handles.hh"
#include "lib/adapters/dkim/dkim_arena.hh"
#include "lib/core/dkim_result.hh"
#include "lib/core/dns_answer.hh"

namespace dmarc
{
class BodyHashPool;

struct DkimSettings
{
  // Signatures verified per message (RFC 6376 §6.1 lets verifiers limit
  // them). Each costs a DNS query and a public-key operation chosen by the
  // sender, so a message with hundreds of DKIM-Signature fields must not buy
  // hundreds of each. Fields past the limit are not given to the library at
  // all (they are counted in DkimVerifier::signaturesSkipped()).
  unsigned maxSignatures = 8;
  // RFC 8301 §3.2: RSA keys under 1024 bits MUST NOT be accepted.
  unsigned minRsaKeyBits = 1024;
  // libopendkim keeps every header field of the message in memory until
  // the end of the message. Past either bound the verifier stops feeding
  // headers and reports each signature it saw as "policy".
  std::size_t maxHeaderFields = 1000;
  std::size_t maxHeaderBytes = 1024 * 1024;
  // Tolerated clock difference for a t= in the future (RFC 6376 §3.5 lets
  // verifiers allow for skew; 300 s is libopendkim's own default).
  unsigned clockDriftSeconds = 300;
  // The DKIM service type (RFC 6376 §3.6.1 s=) keys must permit: "email"
  // for mail, "tlsrpt" for TLS-RPT report mail (RFC 8460 §3, §5.3: keys
  // with s=tlsrpt or s=*, or without s=). Other values are a ConfigError.
  std::string service = "email";
};

// The process-wide libopendkim handle (DKIM_LIB), with key lookups routed
// through `resolver`. Create one at start-up (after dropping privileges is
// fine) and share it between libmilter's threads: DkimVerifier only reads
// it. The resolver must outlive the library.
class DkimLibrary
{
public:
  explicit DkimLibrary(DnsResolver& resolver, DkimSettings settings = {});
  ~DkimLibrary();
  DkimLibrary(const DkimLibrary&) = delete;
  DkimLibrary& operator=(const DkimLibrary&) = delete;

  const DkimSettings& settings() const noexcept { return d_settings; }
  DnsResolver& resolver() const noexcept { return d_resolver; }
  // Two handles, set up alike but for DKIM_LIBFLAGS_FIXCRLF. libopendkim
  // applies that flag (bare CR and LF become line ends) by copying every
  // header field byte by byte, about 5% of an RSA-2048 verification
  // (tests/bench/dkim-bench). A header in SMTP form, which the verifier
  // makes of every field, has nothing for it to fix, so DkimVerifier uses
  // handle() unless the flag could change a result: a bare CR in a header
  // field, or a body libopendkim hashes itself (l=).
  DKIM_LIB* handle() const noexcept { return d_lib.get(); }
  DKIM_LIB* fixCrlfHandle() const noexcept { return d_fixCrlfLib.get(); }

private:
  DnsResolver& d_resolver;
  DkimSettings d_settings;
  DkimLibPtr d_lib;
  DkimLibPtr d_fixCrlfLib;
};

// The verification of one message (a DKIM* handle). Feed it the header
// fields in order, then endOfHeaders(), then the body in chunks as they
// arrive, then finish(). The header fields are kept here (within
// maxHeaderBytes) and given to libopendkim at endOfHeaders(), once the
// verifier knows which of DkimLibrary's handles the message needs, and not
// at all when no field is a DKIM-Signature; the body is hashed as it
// streams. Not thread-safe: one message, one thread at a time (libmilter
// calls one connection's callbacks in order).
class DkimVerifier
{
public:
  // now: the verification time, from the caller's injected clock (used for
  // x= and t=). resolver: optional per-message resolver (for instance one
  // that enforces a per-message DNS time budget); nullptr uses the
  // library's. id: the queue ID, used in libopendkim's own messages.
  // bodies: body hashes shared with other verifiers of the same message
  // (body_hash_pool.hh: an ArcVerifier), which must outlive this one;
  // nullptr hashes the body for this verifier alone.
  DkimVerifier(const DkimLibrary& library, std::time_t now, DnsResolver* resolver = nullptr,
               std::string_view id = "NOQUEUE", BodyHashPool* bodies = nullptr);
  ~DkimVerifier();
  DkimVerifier(const DkimVerifier&) = delete;
  DkimVerifier& operator=(const DkimVerifier&) = delete;

  // One header field as libmilter's xxfi_header gives it: `value` is what
  // followed the colon. Negotiate SMFIP_HDR_LEADSPC so the value keeps its
  // leading white space (simple canonicalisation needs the exact bytes);
  // otherwise pass " " + value, as sendmail's stripping removed one space.
  // Bare LF line breaks inside the value are turned into CRLF.
  void header(std::string_view name, std::string_view value);
  // One complete header field, "Name: value", possibly folded, without its
  // final line break (as read from a message file).
  void headerField(std::string_view field);
  // The blank line between header and body (libmilter's xxfi_eoh).
  void endOfHeaders();
  // The next piece of the body, in SMTP form (CRLF line ends), of any size
  // (libmilter's xxfi_body). Called after endOfHeaders().
  void body(std::string_view chunk);
  // End of message (libmilter's xxfi_eom): fetches the keys and checks the
  // signatures. One outcome per signature verified, in header order; empty
  // when the message carries no DKIM-Signature field (dkim=none). Calls
  // endOfHeaders() itself if the caller did not. Call once.
  std::vector<DkimSignatureOutcome> finish();

  // DKIM-Signature fields past DkimSettings::maxSignatures, not verified.
  unsigned signaturesSkipped() const noexcept { return d_skipped; }
  // True when the header exceeded maxHeaderFields or maxHeaderBytes.
  bool headerLimitExceeded() const noexcept { return d_overflow; }

private:
  // Where a field is in d_header.
  struct FieldSpan
  {
    std::size_t offset;
    std::size_t length;
  };

  void keepField(std::size_t start);
  DKIM_STAT startLibrary(bool fixCrlf);
  std::string_view signatureField(std::size_t i) const noexcept
  {
    return std::string_view(d_header).substr(d_signatures[i].offset, d_signatures[i].length);
  }

  const DkimLibrary& d_library;
  std::time_t d_now;
  DnsResolver* d_resolver;
  std::string d_id;  // libopendkim keeps a pointer to it
  DkimArena d_arena; // libopendkim's memory for d_dkim, which goes first
  DkimPtr d_dkim;
  std::size_t d_fields = 0;
  std::size_t d_headerBytes = 0;
  unsigned d_skipped = 0;
  // The fields for libopendkim, in SMTP form, each followed by a NUL (no
  // field holds one).
  std::string d_header;
  // The DKIM-Signature fields among them (at most maxSignatures), kept to
  // report the ones libopendkim could not parse or never got to see.
  std::vector<FieldSpan> d_signatures;
  bool d_bareCr = false; // a field needs DkimLibrary::fixCrlfHandle()
  // The body hash, computed here for each body canonicalisation in use
  // (dkim_body_hash.hh), unless d_libraryBody: a signature has l=, and
  // libopendkim gets the body. Requested from d_bodies: the shared pool,
  // or d_ownBodies when there is none (or it started before our header
  // ended).
  std::unique_ptr<BodyHashPool> d_ownBodies;
  BodyHashPool* d_bodies;
  std::optional<std::size_t> d_simpleBody;
  std::optional<std::size_t> d_relaxedBody;
  std::uint64_t d_bodyOffset = 0; // body bytes given to d_bodies
  bool d_libraryBody = false;
  bool d_overflow = false;
  bool d_eoh = false;
  bool d_eohFailed = false; // dkim_eoh() refused the header (no From, ...)
  bool d_finished = false;
  bool d_broken = false; // libopendkim could not start (out of memory)
  std::string d_brokenReason;
};
} // namespace dmarc
