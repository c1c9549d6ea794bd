// auth_results.hh: the Authentication-Results header field (RFC 8601):
// composing ours (spf, dkim per signature, dmarc) and safely parsing existing
// ones, to find and remove those that claim our authserv-id (RFC 8601 §5;
// the result injection of CVE-2020-12272 is a named regression test).
//
// Pure: string work only. The composer escapes everything: values that are
// not RFC 2045 tokens are written as quoted-strings with '\' and '"' escaped,
// and control characters (CR, LF, NUL...) never reach the header. The parser
// trusts nothing: nested comments, quoted-pairs and folding are handled with
// explicit bounds, and anything unparseable is reported, never guessed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/dkim_result.hh"
#include "lib/core/spf_result.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
struct AuthResultsFormat
{
  std::size_t width = 78; // fold before a clause would pass this column (RFC 5322 §2.1.1)
  std::string_view newline = "\r\n"; // folding: newline + TAB ("\n" for libmilter, which maps it)
  std::size_t bPrefixLength = 8;     // header.b characters (RFC 6008 §4: enough to be unique)
};

// The arc= clause (RFC 8617 §7.2): the chain's result, header.oldest-pass
// when it was checked, smtp.remote-ip, and a comment naming the sealers.
struct ArcClause
{
  std::string result;                 // none | pass | fail
  std::optional<unsigned> oldestPass; // header.oldest-pass
  std::string remoteIp;               // smtp.remote-ip; "" when not an IP connection
  std::vector<std::string> sealers;   // ARC-Seal d= of instances 1..N
};

// Builds one Authentication-Results field value, clause by clause.
class AuthResultsBuilder
{
public:
  explicit AuthResultsBuilder(std::string_view authservId);

  // spf=<result> smtp.mailfrom=<domain> | smtp.helo=<domain>
  void addSpf(const SpfOutcome& spf);
  // dkim=<result> header.d=... header.s=... header.b=...
  void addDkim(const DkimSignatureOutcome& signature, std::size_t bPrefixLength = 8);
  // dkim=none (no signature)
  void addDkimNone();
  // dmarc=<result> [(dis=<applied> override=<reasons>)] [policy.dmarc=<policy>]
  // header.from=<domain>; the comment when a local rule changed a failure's
  // disposition.
  // note: more words for that comment (e.g. the trusted ARC sealer that
  // lifted the policy), our own text, sanitised to comment-safe characters.
  void addDmarc(const Verdict& verdict, std::string_view note = {});
  // arc=<result> (as[1].d=... as[N].d=...) header.oldest-pass=N
  // smtp.remote-ip=...
  void addArc(const ArcClause& arc);
  // Any method: method=result and ptype.property=value pairs, escaped.
  void addClause(std::string_view method, std::string_view result,
                 const std::vector<std::pair<std::string, std::string>>& properties);

  // The field value ("<authserv-id>; clause; clause" or "<authserv-id>; none"),
  // folded at format.width with format.newline + TAB.
  std::string value(const AuthResultsFormat& format = {}) const;
  // "Authentication-Results: " + value(format).
  std::string field(const AuthResultsFormat& format = {}) const;

private:
  std::string d_authservId;
  std::vector<std::vector<std::string>> d_clauses; // words of each clause
};

// The whole field for a verdict: spf (and the separate HELO check when there
// is one), one dkim clause per signature (dkim=none without any), arc when
// given, dmarc (with dmarcNote in its override comment).
std::string composeAuthResults(std::string_view authservId, const Verdict& verdict,
                               const AuthResultsFormat& format = {}, const ArcClause* arc = nullptr,
                               std::string_view dmarcNote = {});

// RFC 2045 token, or a quoted-string with '\' and '"' escaped and control
// characters removed.
std::string quoteValueIfNeeded(std::string_view text);

struct AuthResultsProperty
{
  std::string ptype;    // smtp, header, body, policy (lower case)
  std::string property; // lower case
  std::string value;    // unquoted
};

struct AuthResultsMethod
{
  std::string method; // lower case, e.g. "dkim"
  std::string version;
  std::string result; // lower case, e.g. "pass"
  std::string reason;
  std::vector<AuthResultsProperty> properties;
};

struct ParsedAuthResults
{
  std::string authservId; // as written, unquoted (compare case-insensitively)
  std::string version;
  bool noResult = false; // "; none"
  std::vector<AuthResultsMethod> results;
};

// Parses a field value; std::nullopt if it is not RFC 8601 syntax. Bounds:
// 8 KiB of input, 64 results, 32 properties per result, comment depth 16.
std::optional<ParsedAuthResults> parseAuthResults(std::string_view value);

// Just the authserv-id (the first value after leading CFWS), even when the
// rest of the field is malformed; std::nullopt if there is none.
std::optional<std::string> parseAuthservId(std::string_view value);

// True when the field claims to come from `ourAuthservId` (case-insensitive,
// quoted or not, with comments and folding anywhere): such a field must be
// removed before we add ours (RFC 8601 §5).
bool claimsAuthservId(std::string_view value, std::string_view ourAuthservId);
} // namespace dmarc
