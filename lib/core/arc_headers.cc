// arc_headers.cc: ARC header field parsing (see the header).
#include "lib/core/arc_headers.hh"

#include <charconv>

#include "lib/core/ascii_text.hh"
#include "lib/core/base64.hh"
#include "lib/core/domain_name.hh"
#include "lib/core/tag_list.hh"

namespace dmarc
{
namespace
{
// An instance is at most 50, but a larger i= must still read as a number
// so that the chain can fail for having too many sets rather than for a
// syntax error; nine digits cannot overflow.
constexpr std::size_t s_maxInstanceDigits = 9;
// RFC 6376 §3.5: t= is at most 12 digits, l= at most 76 (18 fit 64 bits
// and no body is longer).
constexpr std::size_t s_maxTimestampDigits = 12;
constexpr std::size_t s_maxLengthDigits = 18;

std::optional<std::uint64_t> parseNumber(std::string_view text, std::size_t maxDigits)
{
  if (!isAsciiDigits(text) || text.size() > maxDigits) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::optional<unsigned> parseInstance(std::string_view text)
{
  auto value = parseNumber(text, s_maxInstanceDigits);
  if (!value || *value == 0) {
    return std::nullopt;
  }
  return static_cast<unsigned>(*value);
}

std::optional<DkimKeyType> parseAlgorithm(std::string_view text)
{
  if (text == "rsa-sha256") {
    return DkimKeyType::Rsa;
  }
  if (text == "ed25519-sha256") {
    return DkimKeyType::Ed25519;
  }
  return std::nullopt;
}

std::nullopt_t refuse(std::string* why, std::string text)
{
  if (why != nullptr) {
    *why = std::move(text);
  }
  return std::nullopt;
}

// The tags both signatures share: i=, a=, b=, d=, s=, t=. Fills the
// out-parameters; false with `why` set when one is missing or invalid.
struct CommonTags
{
  unsigned instance = 0;
  DkimKeyType algorithm = DkimKeyType::Rsa;
  std::string signature;
  std::string domain;
  std::string selector;
  std::optional<std::uint64_t> timestamp;
};

bool readCommonTags(const TagList& tags, CommonTags& out, std::string* why)
{
  for (const char* required : {"i", "a", "b", "d", "s"}) {
    if (!tags.find(required)) {
      refuse(why, std::string("no ") + required + "= tag");
      return false;
    }
  }
  auto instance = parseInstance(*tags.find("i"));
  if (!instance) {
    refuse(why, "i= is not an instance number");
    return false;
  }
  out.instance = *instance;
  auto algorithm = parseAlgorithm(*tags.find("a"));
  if (!algorithm) {
    refuse(why, "a= is not rsa-sha256 or ed25519-sha256");
    return false;
  }
  out.algorithm = *algorithm;
  auto signature = decodeStrictBase64(*tags.find("b"));
  if (!signature || signature->empty()) {
    refuse(why, "b= is empty or not base64");
    return false;
  }
  out.signature = std::move(*signature);
  std::string_view domain = *tags.find("d");
  if (!isValidDomainName(domain)) {
    refuse(why, "d= is not a domain name");
    return false;
  }
  out.domain = toLowerAscii(domain);
  std::string_view selector = *tags.find("s");
  if (!isValidDomainName(selector)) {
    refuse(why, "s= is not a selector");
    return false;
  }
  out.selector = std::string(selector);
  if (auto timestamp = tags.find("t")) {
    out.timestamp = parseNumber(*timestamp, s_maxTimestampDigits);
    if (!out.timestamp) {
      refuse(why, "t= is not a timestamp");
      return false;
    }
  }
  return true;
}

std::optional<TagList> tagsOf(std::string_view value, std::string* why)
{
  std::string syntax;
  auto tags = parseTagList(value, &syntax);
  if (!tags) {
    refuse(why, "tag syntax: " + syntax);
  }
  return tags;
}
} // namespace

std::optional<ArcFieldKind> arcFieldKind(std::string_view name)
{
  if (equalsIgnoreCase(name, "ARC-Seal")) {
    return ArcFieldKind::Seal;
  }
  if (equalsIgnoreCase(name, "ARC-Message-Signature")) {
    return ArcFieldKind::MessageSignature;
  }
  if (equalsIgnoreCase(name, "ARC-Authentication-Results")) {
    return ArcFieldKind::AuthResults;
  }
  return std::nullopt;
}

std::string_view toString(ArcFieldKind kind)
{
  switch (kind) {
  case ArcFieldKind::Seal:
    return "ARC-Seal";
  case ArcFieldKind::MessageSignature:
    return "ARC-Message-Signature";
  case ArcFieldKind::AuthResults:
    return "ARC-Authentication-Results";
  }
  return "ARC";
}

std::optional<ArcSeal> parseArcSeal(std::string_view value, std::string* why)
{
  auto tags = tagsOf(value, why);
  if (!tags) {
    return std::nullopt;
  }
  CommonTags common;
  if (!readCommonTags(*tags, common, why)) {
    return std::nullopt;
  }
  // RFC 8617 §4.1.3: the seal covers the ARC sets, never a list of fields.
  if (tags->find("h")) {
    return refuse(why, "h= is not allowed in an ARC-Seal");
  }
  auto cv = tags->find("cv");
  if (!cv) {
    return refuse(why, "no cv= tag");
  }
  auto status = arcResultFromString(*cv);
  if (!status || *cv != toString(*status) || *status == ArcResult::TempError) {
    return refuse(why, "cv= is not none, pass or fail");
  }
  ArcSeal seal;
  seal.instance = common.instance;
  seal.algorithm = common.algorithm;
  seal.signature = std::move(common.signature);
  seal.cv = *status;
  seal.domain = std::move(common.domain);
  seal.selector = std::move(common.selector);
  seal.timestamp = common.timestamp;
  return seal;
}

std::optional<ArcMessageSignature> parseArcMessageSignature(std::string_view value,
                                                            std::string* why)
{
  auto tags = tagsOf(value, why);
  if (!tags) {
    return std::nullopt;
  }
  CommonTags common;
  if (!readCommonTags(*tags, common, why)) {
    return std::nullopt;
  }
  ArcMessageSignature signature;
  auto bodyHash = tags->find("bh");
  if (!bodyHash) {
    return refuse(why, "no bh= tag");
  }
  auto decoded = decodeStrictBase64(*bodyHash);
  if (!decoded || decoded->empty()) {
    return refuse(why, "bh= is empty or not base64");
  }
  signature.bodyHash = std::move(*decoded);
  if (auto canons = tags->find("c")) {
    auto parsed = parseDkimCanons(*canons);
    if (!parsed) {
      return refuse(why, "c= is not a known canonicalisation");
    }
    signature.canons = *parsed;
  }
  auto headers = tags->find("h");
  if (!headers) {
    return refuse(why, "no h= tag");
  }
  auto names = parseSignedHeaderList(*headers);
  if (!names) {
    return refuse(why, "h= is not a list of field names");
  }
  for (std::string_view name : *names) {
    // RFC 8617 §4.1.2: the ARC-Seal fields are not for the AMS to sign.
    if (arcFieldKind(name) == ArcFieldKind::Seal) {
      return refuse(why, "h= lists ARC-Seal");
    }
    signature.signedHeaders.emplace_back(name);
  }
  if (auto length = tags->find("l")) {
    signature.bodyLength = parseNumber(*length, s_maxLengthDigits);
    if (!signature.bodyLength) {
      return refuse(why, "l= is not a length");
    }
  }
  signature.instance = common.instance;
  signature.algorithm = common.algorithm;
  signature.signature = std::move(common.signature);
  signature.domain = std::move(common.domain);
  signature.selector = std::move(common.selector);
  signature.timestamp = common.timestamp;
  return signature;
}

std::optional<ArcAuthResults> parseArcAuthResults(std::string_view value, std::string* why)
{
  // RFC 8617 §4.1.1: [CFWS] "i" [CFWS] "=" [CFWS] 1*DIGIT [CFWS] ";"
  // authres-payload. Comments are not accepted around the instance.
  std::size_t pos = 0;
  auto skipSpace = [&] {
    while (pos < value.size() && isFoldingSpace(value[pos])) {
      ++pos;
    }
  };
  skipSpace();
  if (pos >= value.size() || value[pos] != 'i') {
    return refuse(why, "does not start with i=");
  }
  ++pos;
  skipSpace();
  if (pos >= value.size() || value[pos] != '=') {
    return refuse(why, "does not start with i=");
  }
  ++pos;
  skipSpace();
  std::size_t digits = pos;
  while (pos < value.size() && value[pos] >= '0' && value[pos] <= '9') {
    ++pos;
  }
  auto instance = parseInstance(value.substr(digits, pos - digits));
  if (!instance) {
    return refuse(why, "i= is not an instance number");
  }
  skipSpace();
  if (pos >= value.size() || value[pos] != ';') {
    return refuse(why, "no ';' after i=");
  }
  ArcAuthResults aar;
  aar.instance = *instance;
  aar.payload = std::string(trimSpace(value.substr(pos + 1)));
  aar.results = parseAuthResults(aar.payload);
  return aar;
}
} // namespace dmarc
