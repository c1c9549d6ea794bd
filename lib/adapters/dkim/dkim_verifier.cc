// dkim_verifier.cc: DKIM verification with libopendkim (see the header).
// Trusts libopendkim for the cryptography and canonicalisation; decides
// here what each outcome means (RFC 6376 §6, RFC 8301, RFC 8601 §2.7.1),
// and enforces x=/t= against the caller's clock. Input is hostile: every
// field is bounded before libopendkim sees it.
#include "lib/adapters/dkim/dkim_verifier.hh"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <optional>

#include <openssl/evp.h>

#include "lib/adapters/dkim/body_hash_pool.hh"
#include "lib/adapters/dkim/dkim_dns.hh"
#include "lib/adapters/dkim/dkim_key_cache.hh"
#include "lib/adapters/dkim/dkim_text.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "lib/core/header_canon.hh"
#include "lib/core/header_name.hh"

namespace dmarc
{
namespace
{
// libopendkim checks t= and x= against the wall clock. We check them
// against the caller's clock instead, so the library's check is widened by
// this margin (about ten years) and only catches timestamps no honest
// signer writes. Wider would make t= values below the margin (before 1980)
// wrap around in the library's unsigned arithmetic; see timestampOutcome.
constexpr std::uint64_t s_libraryClockDrift = 10ULL * 365 * 24 * 3600;

// Output fields come from hostile tags: capped so a 100 KB d= cannot reach
// logs, headers or the database whole. 253 is the longest domain name.
constexpr std::size_t s_maxDomain = 253;
constexpr std::size_t s_maxSelector = 253;
constexpr std::size_t s_maxIdentity = 320;
constexpr std::size_t s_maxAlgorithm = 32;
// RFC 6008 §4: header.b carries at least 8 characters of b=; more when two
// signatures of the message share a prefix. Capped like the other fields.
constexpr std::size_t s_minBPrefix = 8;
constexpr std::size_t s_maxBPrefix = 64;
constexpr unsigned s_ed25519Bits = 256;
constexpr std::size_t s_headerReserve = 4096;

// A signature tag as libopendkim parsed it, valid while its DKIM* lives.
std::string_view tagValue(DKIM_SIGINFO* sig, const char* tag)
{
  // libopendkim takes a non-const name and does not write to it.
  u_char* value =
      dkim_sig_gettagvalue(sig, false, reinterpret_cast<u_char*>(const_cast<char*>(tag)));
  return value == nullptr ? std::string_view()
                          : std::string_view(reinterpret_cast<const char*>(value));
}

// Control characters replaced, length capped: safe to log and to store.
std::string bounded(std::string text, std::size_t limit, bool lowerCase = false)
{
  if (text.size() > limit) {
    text.resize(limit);
  }
  for (char& c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      c = '?';
    } else if (lowerCase && c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return text;
}

bool isTagSpace(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Copied run by run: b= (344 characters for RSA-2048) is folded every line.
std::string withoutWhitespace(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (isTagSpace(text[i])) {
      out.append(text.substr(start, i - start));
      start = i + 1;
    }
  }
  out.append(text.substr(start));
  return out;
}

// The one-letter tag name `name` spells with white space removed, or NUL.
char oneLetterName(std::string_view name)
{
  char letter = '\0';
  for (char c : name) {
    if (isTagSpace(c)) {
      continue;
    }
    if (letter != '\0') {
      return '\0';
    }
    letter = c;
  }
  return letter;
}

// The few tags of a DKIM-Signature field needed to name a signature that
// libopendkim could not parse: tag=value pairs split at ';' (RFC 6376
// §3.2), white space removed. Only used for reporting, never for a pass.
struct ScannedTags
{
  std::string d, s, a, i, b;
};

ScannedTags scanTags(std::string_view field)
{
  ScannedTags tags;
  auto colon = field.find(':');
  std::string_view rest =
      colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
  while (!rest.empty()) {
    auto semicolon = rest.find(';');
    std::string_view pair = rest.substr(0, semicolon);
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    auto equals = pair.find('=');
    if (equals == std::string_view::npos) {
      continue;
    }
    // Only the values kept are copied: h= and b= are long.
    std::string* value = nullptr;
    switch (oneLetterName(pair.substr(0, equals))) {
    case 'd':
      value = &tags.d;
      break;
    case 's':
      value = &tags.s;
      break;
    case 'a':
      value = &tags.a;
      break;
    case 'i':
      value = &tags.i;
      break;
    case 'b':
      value = &tags.b;
      break;
    default:
      continue;
    }
    *value = withoutWhitespace(pair.substr(equals + 1));
  }
  return tags;
}

// A DKIM timestamp: 1*12DIGIT (RFC 6376 §3.5); longer is not a time.
std::optional<std::uint64_t> parseTimestamp(const std::string& text)
{
  if (text.empty() || text.size() > 12) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

bool isDkimSignatureField(std::string_view field)
{
  return isFieldNamed(headerFieldName(field), "DKIM-Signature");
}

// Signatures libopendkim should not spend a key lookup on: rsa-sha1, which
// RFC 8301 §3.1 forbids verifiers to accept, and signatures that already
// failed to parse. Both are still reported (see outcomeFor).
DKIM_CBSTAT prescreen(DKIM* /*dkim*/, DKIM_SIGINFO** sigs, int nsigs) noexcept
{
  for (int i = 0; i < nsigs; ++i) {
    if (sigs[i] == nullptr) {
      continue;
    }
    int error = dkim_sig_geterror(sigs[i]);
    dkim_alg_t algorithm = DKIM_SIGN_UNKNOWN;
    bool rsaSha1 =
        dkim_sig_getsignalg(sigs[i], &algorithm) == DKIM_STAT_OK && algorithm == DKIM_SIGN_RSASHA1;
    if (rsaSha1 || (error != DKIM_SIGERROR_UNKNOWN && error != DKIM_SIGERROR_OK)) {
      dkim_sig_ignore(sigs[i]);
    }
  }
  return DKIM_CBSTAT_CONTINUE;
}

std::string errorText(int sigError)
{
  const char* text = dkim_sig_geterrorstr(sigError);
  return text != nullptr ? std::string(text) : "error " + std::to_string(sigError);
}

// RFC 6376 §6.1.1 and §6.1.2 name the failure; RFC 8601 §2.7.1 says which
// result it is: a signature that could not be parsed is neutral, a key
// that cannot be used is permerror, a DNS failure temperror, and a
// signature that was checked and did not hold is fail.
void classifyError(int sigError, DkimSignatureOutcome& outcome)
{
  switch (sigError) {
  case DKIM_SIGERROR_KEYFAIL:
    outcome.result = DkimResult::Temperror;
    outcome.humanResult = "key lookup failed (DNS)";
    return;
  case DKIM_SIGERROR_NOKEY:
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = "no key record";
    return;
  case DKIM_SIGERROR_KEYREVOKED:
    // RFC 6376 §3.6.1 and §6.1.2: an empty p= is a revoked key, and the
    // verifier "MUST treat this as a failed signature check".
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "key revoked (empty p=)";
    return;
  case DKIM_SIGERROR_BADSIG:
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "signature did not verify";
    return;
  case DKIM_SIGERROR_TOOLARGE_L:
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "l= exceeds the body length";
    return;
  case DKIM_SIGERROR_EXPIRED:
  case DKIM_SIGERROR_FUTURE:
    // Only reached for timestamps outside the library's widened margin
    // that our own clock check accepted: the library did not verify it.
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = "implausible t= or x= value";
    return;
  case DKIM_SIGERROR_MBSFAILED:
    outcome.result = DkimResult::Policy;
    outcome.humanResult = errorText(sigError);
    return;
  case DKIM_SIGERROR_DNSSYNTAX:
  case DKIM_SIGERROR_MULTIREPLY:
  case DKIM_SIGERROR_KEYVERSION:
  case DKIM_SIGERROR_KEYUNKNOWNHASH:
  case DKIM_SIGERROR_KEYHASHMISMATCH:
  case DKIM_SIGERROR_NOTEMAILKEY:
  case DKIM_SIGERROR_KEYTYPEMISSING:
  case DKIM_SIGERROR_KEYTYPEUNKNOWN:
  case DKIM_SIGERROR_KEYDECODE:
  case DKIM_SIGERROR_INVALID_H: // From is not signed (RFC 6376 §5.4)
  case DKIM_SIGERROR_SUBDOMAIN:
  case DKIM_SIGERROR_DOMAIN: // i= outside d= (RFC 6376 §3.5)
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = errorText(sigError);
    return;
  default:
    // Missing, empty or malformed tags (v, a, b, bh, c, d, h, l, q, s).
    outcome.result = DkimResult::Neutral;
    outcome.humanResult = "signature syntax: " + errorText(sigError);
    return;
  }
}

// RFC 6376 §3.5: x= in the past means the signature has expired; a t= in
// the future (beyond the tolerated drift) cannot have been made yet; x= not
// after t= is invalid. Checked against the caller's clock.
std::optional<DkimSignatureOutcome> timestampOutcome(DKIM_SIGINFO* sig, std::time_t now,
                                                     unsigned drift)
{
  std::string tText = withoutWhitespace(tagValue(sig, "t"));
  std::string xText = withoutWhitespace(tagValue(sig, "x"));
  auto t = parseTimestamp(tText);
  auto x = parseTimestamp(xText);
  auto nowValue = static_cast<std::uint64_t>(std::max<std::time_t>(now, 0));
  DkimSignatureOutcome outcome;
  if ((!tText.empty() && !t) || (!xText.empty() && !x)) {
    outcome.result = DkimResult::Neutral;
    outcome.humanResult = "signature syntax: t= or x= is not a timestamp";
    return outcome;
  }
  if (t && x && *x <= *t) {
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = "x= is not after t=";
    return outcome;
  }
  if (x && nowValue >= *x) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "signature expired (x=" + xText + ")";
    return outcome;
  }
  if (t && *t > nowValue + drift) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "signature made in the future (t=" + tText + ")";
    return outcome;
  }
  return std::nullopt;
}

// `others` holds b itself (the same characters, not an equal copy).
std::string bPrefix(std::string_view b, const std::vector<std::string_view>& others)
{
  std::size_t length = std::min(b.size(), s_minBPrefix);
  for (const auto& other : others) {
    if (other.data() == b.data()) {
      continue;
    }
    std::size_t common = 0;
    while (common < b.size() && common < other.size() && b[common] == other[common]) {
      ++common;
    }
    if (common >= length && other != b) {
      length = std::min(b.size(), common + 1);
    }
  }
  return std::string(b.substr(0, std::min(length, s_maxBPrefix)));
}

// RFC 6376 §6.1.3 checks the body hash before the signature. libopendkim
// does the reverse and leaves the body hash untested when the signature
// fails, so compare the body hash it computed with bh= here.
bool bodyHashDiffers(DKIM_SIGINFO* sig)
{
  void* headerHash = nullptr;
  void* bodyHash = nullptr;
  std::size_t headerHashLength = 0;
  std::size_t bodyHashLength = 0;
  if (dkim_sig_gethashes(sig, &headerHash, &headerHashLength, &bodyHash, &bodyHashLength) !=
          DKIM_STAT_OK ||
      bodyHash == nullptr || bodyHashLength == 0 || bodyHashLength > 64) {
    return false;
  }
  unsigned char encoded[4 * (64 / 3 + 1) + 1];
  int length = EVP_EncodeBlock(encoded, static_cast<const unsigned char*>(bodyHash),
                               static_cast<int>(bodyHashLength));
  std::string computed(reinterpret_cast<const char*>(encoded),
                       length > 0 ? static_cast<std::size_t>(length) : 0);
  return computed != withoutWhitespace(tagValue(sig, "bh"));
}

// RFC 6376 §6.1.2: a key unsuitable for the a= algorithm (k= of the key
// record, "rsa" by default) is PERMFAIL (inappropriate key algorithm).
// libopendkim uses the key bytes as a= says without looking at k=.
bool keyTypeMismatch(DKIM_SIGINFO* sig, dkim_alg_t algorithm)
{
  u_char* k = dkim_sig_gettagvalue(sig, true, reinterpret_cast<u_char*>(const_cast<char*>("k")));
  if (k == nullptr) {
    return false; // no key record was parsed
  }
  std::string type = toLowerAscii(withoutWhitespace(reinterpret_cast<const char*>(k)));
  if (type.empty()) {
    type = "rsa";
  }
  return algorithm == DKIM_SIGN_ED25519SHA256 ? type != "ed25519" : type != "rsa";
}

// A signature libopendkim did not verify: described from our own scan of
// its tags, with why (the verifier or the message broken, else syntax).
DkimSignatureOutcome unverifiedOutcome(const ScannedTags& tags, std::string_view b,
                                       const std::vector<std::string_view>& allB, bool broken,
                                       bool eohFailed, const std::string& brokenReason)
{
  DkimSignatureOutcome outcome;
  outcome.domain = bounded(tags.d, s_maxDomain, true);
  outcome.selector = bounded(tags.s, s_maxSelector);
  outcome.algorithm = bounded(tags.a, s_maxAlgorithm, true);
  outcome.identity = bounded(tags.i, s_maxIdentity);
  outcome.bPrefix = bounded(bPrefix(b, allB), s_maxBPrefix);
  if (broken) {
    outcome.result = DkimResult::Temperror;
    outcome.humanResult = "verifier unavailable: " + brokenReason;
  } else if (eohFailed) {
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = "message not verifiable: " + bounded(brokenReason, 200);
  } else {
    outcome.result = DkimResult::Neutral;
    outcome.humanResult = "signature syntax: not parseable";
  }
  return outcome;
}

// What identifies a signature in results and logs, each tag bounded.
DkimSignatureOutcome describedSignature(DKIM_SIGINFO* sig, std::string_view b,
                                        const std::vector<std::string_view>& allB)
{
  DkimSignatureOutcome outcome;
  outcome.domain = bounded(withoutWhitespace(tagValue(sig, "d")), s_maxDomain, true);
  outcome.selector = bounded(withoutWhitespace(tagValue(sig, "s")), s_maxSelector);
  outcome.algorithm = bounded(withoutWhitespace(tagValue(sig, "a")), s_maxAlgorithm, true);
  outcome.identity = bounded(withoutWhitespace(tagValue(sig, "i")), s_maxIdentity);
  outcome.bPrefix = bounded(bPrefix(b, allB), s_maxBPrefix);
  return outcome;
}

// The key size libopendkim recorded; for Ed25519, which it does not
// record, the fixed size once the key was fetched and decoded.
unsigned keyBitsOf(DKIM_SIGINFO* sig, bool ed25519, unsigned flags, int sigError)
{
  if (ed25519) {
    if ((flags & DKIM_SIGFLAG_PROCESSED) != 0 && sigError != DKIM_SIGERROR_NOKEY &&
        sigError != DKIM_SIGERROR_KEYFAIL && sigError != DKIM_SIGERROR_KEYDECODE) {
      return s_ed25519Bits;
    }
    return 0;
  }
  unsigned bits = 0;
  if (dkim_sig_getkeysize(sig, &bits) == DKIM_STAT_OK) {
    return bits;
  }
  return 0;
}

// The verdict when the body was hashed here (see outcomeFor): the bh= we
// computed against the signature's, then libopendkim's header verdict.
void judgeWithOwnBodyHash(DKIM_SIGINFO* sig, unsigned flags, const std::string& ownBodyHash,
                          DkimSignatureOutcome& outcome)
{
  if (ownBodyHash != withoutWhitespace(tagValue(sig, "bh"))) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "body hash mismatch";
  } else if ((flags & DKIM_SIGFLAG_PASSED) == 0) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "signature did not verify";
  } else {
    outcome.result = DkimResult::Pass;
    outcome.humanResult =
        (flags & DKIM_SIGFLAG_TESTKEY) != 0 ? "good signature (test key, t=y)" : "good signature";
  }
}

// A signature libopendkim reported no error for: pass only when it was
// processed, its header signature passed and the body hash matched.
void judgeWithoutError(DKIM_SIGINFO* sig, unsigned flags, DkimSignatureOutcome& outcome)
{
  if ((flags & DKIM_SIGFLAG_PROCESSED) == 0) {
    outcome.result = DkimResult::Temperror;
    outcome.humanResult = "verification did not complete";
    return;
  }
  if ((flags & DKIM_SIGFLAG_PASSED) == 0 || dkim_sig_getbh(sig) != DKIM_SIGBH_MATCH) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "signature did not verify";
    return;
  }
  outcome.result = DkimResult::Pass;
  outcome.humanResult = "good signature";
  if ((flags & DKIM_SIGFLAG_TESTKEY) != 0) {
    outcome.humanResult += " (test key, t=y)";
  }
  // RFC 6376 §8.2: content may have been appended after the l= bytes.
  if (std::string length = withoutWhitespace(tagValue(sig, "l")); !length.empty()) {
    outcome.humanResult += " (l=" + bounded(length, 20) + " covers only part of the body)";
  }
}

// ownBodyHash: the bh= we computed (dkim_body_hash.hh) when libopendkim
// was not given the body; nullptr when it was.
DkimSignatureOutcome outcomeFor(DKIM_SIGINFO* sig, std::time_t now, const DkimSettings& settings,
                                std::string_view b, const std::vector<std::string_view>& allB,
                                const std::string* ownBodyHash)
{
  DkimSignatureOutcome outcome = describedSignature(sig, b, allB);

  int sigError = dkim_sig_geterror(sig);
  unsigned flags = dkim_sig_getflags(sig);
  dkim_alg_t algorithm = DKIM_SIGN_UNKNOWN;
  bool knownAlgorithm = dkim_sig_getsignalg(sig, &algorithm) == DKIM_STAT_OK;

  outcome.keyBits =
      keyBitsOf(sig, knownAlgorithm && algorithm == DKIM_SIGN_ED25519SHA256, flags, sigError);

  // RFC 6376 §6.1.1: the signature's validity period is judged before its
  // key is even fetched, so before any later error.
  if (auto timed = timestampOutcome(sig, now, settings.clockDriftSeconds)) {
    timed->domain = std::move(outcome.domain);
    timed->selector = std::move(outcome.selector);
    timed->algorithm = std::move(outcome.algorithm);
    timed->identity = std::move(outcome.identity);
    timed->bPrefix = std::move(outcome.bPrefix);
    timed->keyBits = outcome.keyBits;
    return *timed;
  }
  if (knownAlgorithm && algorithm == DKIM_SIGN_RSASHA1) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "rsa-sha1 is not accepted (RFC 8301)";
    return outcome;
  }
  if (sigError == DKIM_SIGERROR_KEYTOOSMALL) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "RSA key of " + std::to_string(outcome.keyBits) + " bits, under " +
                          std::to_string(settings.minRsaKeyBits) + " (RFC 8301)";
    return outcome;
  }
  if (knownAlgorithm && (flags & DKIM_SIGFLAG_PROCESSED) != 0 && keyTypeMismatch(sig, algorithm)) {
    outcome.result = DkimResult::Permerror;
    outcome.humanResult = "key type (k=) does not match a=";
    outcome.keyBits = 0;
    return outcome;
  }
  // RFC 8301 §3.2, checked here too: libopendkim only checks the size of
  // keys whose signature it found fully valid, which it never does when we
  // hash the body ourselves.
  if (knownAlgorithm && algorithm != DKIM_SIGN_ED25519SHA256 && outcome.keyBits != 0 &&
      outcome.keyBits < settings.minRsaKeyBits) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "RSA key of " + std::to_string(outcome.keyBits) + " bits, under " +
                          std::to_string(settings.minRsaKeyBits) + " (RFC 8301)";
    return outcome;
  }
  // Body hashed here: libopendkim saw an empty body, so its own body hash
  // verdict (BADSIG, bh mismatch) is meaningless; the header signature
  // verdict (PASSED) is its.
  if (ownBodyHash != nullptr && (flags & DKIM_SIGFLAG_PROCESSED) != 0 &&
      (sigError == DKIM_SIGERROR_BADSIG || sigError == DKIM_SIGERROR_OK ||
       sigError == DKIM_SIGERROR_UNKNOWN)) {
    judgeWithOwnBodyHash(sig, flags, *ownBodyHash, outcome);
    return outcome;
  }
  // libopendkim records a body hash mismatch as BADSIG too; say which.
  if (dkim_sig_getbh(sig) == DKIM_SIGBH_MISMATCH ||
      (sigError == DKIM_SIGERROR_BADSIG && bodyHashDiffers(sig))) {
    outcome.result = DkimResult::Fail;
    outcome.humanResult = "body hash mismatch";
    return outcome;
  }
  if (sigError != DKIM_SIGERROR_UNKNOWN && sigError != DKIM_SIGERROR_OK) {
    classifyError(sigError, outcome);
    if (sigError == DKIM_SIGERROR_NOTEMAILKEY && settings.service != "email") {
      // keyRecordForService() made libopendkim refuse the key (dkim_dns.hh).
      outcome.humanResult = "key record's s= does not permit service " + settings.service;
    }
    return outcome;
  }
  judgeWithoutError(sig, flags, outcome);
  return outcome;
}

void setOption(DKIM_LIB* lib, dkim_opts_t option, void* value, std::size_t size, const char* what)
{
  if (dkim_options(lib, DKIM_OP_SETOPT, option, value, size) != DKIM_STAT_OK) {
    throw Error(std::string("libopendkim refused option ") + what);
  }
}

// The body canonicalisations the signatures libopendkim will check use:
// `library` when one of them has l= or a canonicalisation DkimBodyHash
// does not know, and libopendkim must hash the body itself.
struct BodyCanons
{
  bool library = false;
  bool simple = false;
  bool relaxed = false;
};

BodyCanons bodyCanons(DKIM* dkim)
{
  BodyCanons canons;
  DKIM_SIGINFO** sigs = nullptr;
  int nsigs = 0;
  if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || sigs == nullptr) {
    return canons;
  }
  for (int i = 0; i < nsigs; ++i) {
    if (sigs[i] == nullptr || (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE) != 0 ||
        dkim_sig_geterror(sigs[i]) != DKIM_SIGERROR_UNKNOWN) {
      continue;
    }
    dkim_canon_t header = DKIM_CANON_UNKNOWN;
    dkim_canon_t body = DKIM_CANON_UNKNOWN;
    if (!tagValue(sigs[i], "l").empty() ||
        dkim_sig_getcanons(sigs[i], &header, &body) != DKIM_STAT_OK ||
        (body != DKIM_CANON_SIMPLE && body != DKIM_CANON_RELAXED)) {
      canons.library = true;
      return canons;
    }
    (body == DKIM_CANON_SIMPLE ? canons.simple : canons.relaxed) = true;
  }
  return canons;
}

// Sets up one libopendkim handle: `fixCrlf` adds DKIM_LIBFLAGS_FIXCRLF.
DkimLibPtr makeLibrary(DnsResolver& resolver, const DkimSettings& settings, bool fixCrlf)
{
  // Each message's allocations come from its DkimVerifier's arena.
  DkimLibPtr lib(dkim_init(DkimArena::allocateFor, DkimArena::freeFor));
  if (!lib) {
    throw Error("dkim_init failed");
  }
  if (!dkim_libfeature(lib.get(), DKIM_FEATURE_SHA256) ||
      !dkim_libfeature(lib.get(), DKIM_FEATURE_ED25519)) {
    throw Error("libopendkim lacks rsa-sha256 or ed25519-sha256 support");
  }
  // BADSIGHANDLES keeps signatures that fail to parse in the list, so that
  // they are reported (neutral) instead of silently dropped. FIXCRLF turns
  // bare CRs and LFs into CRLF during canonicalisation, as the signer saw
  // them (see DkimLibrary::handle() for when it is used). DELAYSIGPROC
  // fetches keys at the end of the message rather than at the end of the
  // header: no DNS for messages that are aborted or over limits.
  std::uint32_t flags = DKIM_LIBFLAGS_BADSIGHANDLES | DKIM_LIBFLAGS_DELAYSIGPROC |
                        (fixCrlf ? DKIM_LIBFLAGS_FIXCRLF : 0U);
  setOption(lib.get(), DKIM_OPTS_FLAGS, &flags, sizeof flags, "FLAGS");
  unsigned minBits = settings.minRsaKeyBits;
  setOption(lib.get(), DKIM_OPTS_MINKEYBITS, &minBits, sizeof minBits, "MINKEYBITS");
  std::uint64_t drift = s_libraryClockDrift;
  setOption(lib.get(), DKIM_OPTS_CLOCKDRIFT, &drift, sizeof drift, "CLOCKDRIFT");
  if (dkim_set_prescreen(lib.get(), prescreen) != DKIM_STAT_OK) {
    throw Error("libopendkim refused the prescreen callback");
  }
  installDkimDnsHooks(lib.get(), resolver, settings.service);
  return lib;
}

// True when libopendkim's FIXCRLF would change `field`, which is in SMTP
// form (appendWithCrlf left no bare LF): it holds a CR that no LF follows.
// FIXCRLF then inserts an LF, and libopendkim keeps the original length for
// some uses of the field and not for others, so only the handle with the
// flag can say what the result is.
bool hasBareCr(std::string_view field)
{
  for (auto cr = field.find('\r'); cr != std::string_view::npos; cr = field.find('\r', cr + 1)) {
    if (cr + 1 == field.size() || field[cr + 1] != '\n') {
      return true;
    }
  }
  return false;
}
} // namespace

DkimLibrary::DkimLibrary(DnsResolver& resolver, DkimSettings settings)
    : d_resolver(resolver), d_settings(settings)
{
  if (d_settings.maxSignatures == 0) {
    throw ConfigError("DKIM: the maximum number of signatures must be at least 1");
  }
  d_lib = makeLibrary(d_resolver, d_settings, false);
  d_fixCrlfLib = makeLibrary(d_resolver, d_settings, true);
}

DkimLibrary::~DkimLibrary() = default;

DkimVerifier::DkimVerifier(const DkimLibrary& library, std::time_t now, DnsResolver* resolver,
                           std::string_view id, BodyHashPool* bodies)
    : d_library(library), d_now(now), d_resolver(resolver), d_id(bounded(std::string(id), 64)),
      d_bodies(bodies)
{
  // Room for a usual header, so that it is not copied as it grows.
  d_header.reserve(s_headerReserve);
}

DkimVerifier::~DkimVerifier() = default;

void DkimVerifier::header(std::string_view name, std::string_view value)
{
  if (d_eoh || d_overflow) {
    return;
  }
  std::size_t start = d_header.size();
  appendWithCrlf(d_header, name);
  d_header.push_back(':');
  appendWithCrlf(d_header, value);
  keepField(start);
}

void DkimVerifier::headerField(std::string_view field)
{
  if (d_eoh || d_overflow) {
    return;
  }
  std::size_t start = d_header.size();
  appendWithCrlf(d_header, field);
  keepField(start);
}

// The field just appended to d_header at `start` stays there if
// libopendkim is to see it, and is cut off otherwise.
void DkimVerifier::keepField(std::size_t start)
{
  std::string_view field = std::string_view(d_header).substr(start);
  if (++d_fields > d_library.settings().maxHeaderFields ||
      (d_headerBytes += field.size()) > d_library.settings().maxHeaderBytes) {
    d_overflow = true;
    d_header.resize(start);
    return;
  }
  // libopendkim handles fields as C strings (a NUL cannot be represented,
  // and no honest signer hashed one) and asserts on an empty one.
  if (field.empty() || field.find('\0') != std::string_view::npos) {
    d_header.resize(start);
    return;
  }
  if (isDkimSignatureField(field)) {
    if (d_signatures.size() >= d_library.settings().maxSignatures) {
      ++d_skipped;
      d_header.resize(start);
      return;
    }
    d_signatures.push_back({start, field.size()});
  }
  d_bareCr = d_bareCr || hasBareCr(field);
  d_header.push_back('\0');
}

// A new DKIM* on one of the library's handles, given every kept field, up
// to dkim_eoh(), whose status it returns. Sets d_broken when libopendkim
// cannot start.
DKIM_STAT DkimVerifier::startLibrary(bool fixCrlf)
{
  DKIM_STAT status = DKIM_STAT_OK;
  d_dkim.reset(dkim_verify(fixCrlf ? d_library.fixCrlfHandle() : d_library.handle(),
                           reinterpret_cast<const u_char*>(d_id.c_str()), &d_arena, &status));
  if (!d_dkim) {
    d_broken = true;
    d_brokenReason = "libopendkim could not start verification";
    return DKIM_STAT_NORESOURCE;
  }
  for (std::size_t pos = 0; pos < d_header.size();) {
    std::size_t end = d_header.find('\0', pos);
    // The status is not fatal: a field libopendkim cannot parse is left
    // out and the signatures covering it fail on their own. libopendkim
    // copies the field and does not write to it.
    (void)dkim_header(d_dkim.get(), reinterpret_cast<u_char*>(d_header.data() + pos), end - pos);
    pos = end + 1;
  }
  return dkim_eoh(d_dkim.get());
}

void DkimVerifier::endOfHeaders()
{
  if (d_eoh) {
    return;
  }
  d_eoh = true;
  if (d_overflow || d_signatures.empty()) {
    return;
  }
  ScopedDkimResolver scoped(d_resolver);
  DKIM_STAT status = startLibrary(d_bareCr);
  BodyCanons canons;
  if (status == DKIM_STAT_OK) {
    canons = bodyCanons(d_dkim.get());
    // A body libopendkim hashes must be canonicalised with FIXCRLF, as it
    // always was: start again on that handle (the same fields, so the same
    // signatures and canonicalisations; no key is fetched before dkim_eom).
    if (canons.library && !d_bareCr) {
      status = startLibrary(true);
    }
  }
  if (d_broken) {
    return;
  }
  if (status != DKIM_STAT_OK && status != DKIM_STAT_NOSIG) {
    d_eohFailed = true;
    const char* why = dkim_geterror(d_dkim.get());
    d_brokenReason = why != nullptr && *why != '\0' ? why : dkim_getresultstr(status);
    return;
  }
  if (status != DKIM_STAT_OK) {
    return;
  }
  // Hash the body here, once per body canonicalisation in use, unless a
  // signature has l= (libopendkim then needs the body to judge it).
  d_libraryBody = canons.library;
  if (!d_libraryBody && (canons.simple || canons.relaxed)) {
    if (d_bodies == nullptr || d_bodies->started()) {
      d_ownBodies = std::make_unique<BodyHashPool>();
      d_bodies = d_ownBodies.get();
    }
    if (canons.simple) {
      d_simpleBody = d_bodies->request(DkimCanon::Simple);
    }
    if (canons.relaxed) {
      d_relaxedBody = d_bodies->request(DkimCanon::Relaxed);
    }
  }
}

void DkimVerifier::body(std::string_view chunk)
{
  endOfHeaders();
  if (d_broken || d_eohFailed || d_overflow || d_signatures.empty() || chunk.empty() ||
      d_finished) {
    return;
  }
  if (!d_libraryBody) {
    if (d_simpleBody || d_relaxedBody) {
      d_bodies->update(d_bodyOffset, chunk);
      d_bodyOffset += chunk.size();
    }
    return;
  }
  // dkim_body() takes a non-const pointer but only reads the chunk.
  (void)dkim_body(d_dkim.get(), reinterpret_cast<u_char*>(const_cast<char*>(chunk.data())),
                  chunk.size());
}

std::vector<DkimSignatureOutcome> DkimVerifier::finish()
{
  std::vector<DkimSignatureOutcome> outcomes;
  endOfHeaders();
  if (d_finished || d_signatures.empty()) {
    d_finished = true;
    return outcomes;
  }
  d_finished = true;

  DKIM_SIGINFO** sigs = nullptr;
  int nsigs = 0;
  if (!d_broken && !d_eohFailed && !d_overflow) {
    {
      ScopedDkimResolver scoped(d_resolver);
      // dkim_eom decodes each signature's key: from the cache when it was
      // seen before (dkim_key_cache.hh).
      DkimKeyCacheScope keyCache;
      (void)dkim_eom(d_dkim.get(), nullptr);
    }
    if (dkim_getsiglist(d_dkim.get(), &sigs, &nsigs) != DKIM_STAT_OK || sigs == nullptr) {
      nsigs = 0;
    }
  }

  std::string simpleHash = d_simpleBody ? d_bodies->result(*d_simpleBody) : std::string();
  std::string relaxedHash = d_relaxedBody ? d_bodies->result(*d_relaxedBody) : std::string();
  auto ownBodyHash = [&](DKIM_SIGINFO* sig) -> const std::string* {
    dkim_canon_t header = DKIM_CANON_UNKNOWN;
    dkim_canon_t body = DKIM_CANON_UNKNOWN;
    if (d_libraryBody || dkim_sig_getcanons(sig, &header, &body) != DKIM_STAT_OK) {
      return nullptr;
    }
    if (body == DKIM_CANON_SIMPLE && d_simpleBody) {
      return &simpleHash;
    }
    if (body == DKIM_CANON_RELAXED && d_relaxedBody) {
      return &relaxedHash;
    }
    return nullptr;
  };

  std::vector<ScannedTags> scanned;
  scanned.reserve(d_signatures.size());
  for (std::size_t i = 0; i < d_signatures.size(); ++i) {
    scanned.push_back(scanTags(signatureField(i)));
  }
  std::vector<std::string_view> allB; // into `scanned`, complete by now
  allB.reserve(scanned.size());
  for (const auto& tags : scanned) {
    allB.push_back(tags.b);
  }
  // libopendkim lists the signatures it could parse in header order. When
  // it dropped some, the remaining ones are matched by their b= value.
  bool oneToOne = static_cast<std::size_t>(nsigs) == d_signatures.size();
  int next = 0;
  for (std::size_t i = 0; i < d_signatures.size(); ++i) {
    DKIM_SIGINFO* sig = nullptr;
    if (next < nsigs && sigs[next] != nullptr &&
        (oneToOne || withoutWhitespace(tagValue(sigs[next], "b")) == scanned[i].b)) {
      sig = sigs[next++];
    }
    DkimSignatureOutcome outcome;
    if (sig != nullptr) {
      outcome = outcomeFor(sig, d_now, d_library.settings(), allB[i], allB, ownBodyHash(sig));
    } else {
      outcome = unverifiedOutcome(scanned[i], allB[i], allB, d_broken, d_eohFailed, d_brokenReason);
    }
    if (d_overflow) {
      outcome.result = DkimResult::Policy;
      outcome.humanResult = "not verified: the header exceeds local limits";
      outcome.keyBits = 0;
    }
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}
} // namespace dmarc
