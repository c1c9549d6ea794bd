// arc_headers.hh: the three ARC header fields (RFC 8617 §4.1): ARC-Seal,
// ARC-Message-Signature and ARC-Authentication-Results, parsed into values.
//
// Pure: string work only. Every field is hostile. The signatures follow the
// tag-list rules (tag_list.hh) and RFC 8617's tag requirements; anything
// that does not is rejected with a reason, never repaired: a chain with
// such a field fails (RFC 8617 §5.2 step 3). Algorithms are those RFC 8301
// and RFC 8463 leave: rsa-sha256 and ed25519-sha256 (rsa-sha1 is refused).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/arc_result.hh"
#include "lib/core/auth_results.hh"
#include "lib/core/dkim_key_record.hh"
#include "lib/core/header_canon.hh"

namespace dmarc
{
// RFC 8617 §4.2.1: instances run from 1 to 50.
inline constexpr unsigned g_maxArcInstance = 50;

enum class ArcFieldKind
{
  Seal,             // ARC-Seal
  MessageSignature, // ARC-Message-Signature
  AuthResults,      // ARC-Authentication-Results
};

// The kind of an ARC field name (case-insensitive), or nullopt.
std::optional<ArcFieldKind> arcFieldKind(std::string_view name);
std::string_view toString(ArcFieldKind kind);

struct ArcSeal
{
  unsigned instance = 0;
  DkimKeyType algorithm = DkimKeyType::Rsa; // a=rsa-sha256 or ed25519-sha256
  std::string signature;                    // b=, decoded
  ArcResult cv = ArcResult::None;
  std::string domain;                     // d=, lower case
  std::string selector;                   // s=
  std::optional<std::uint64_t> timestamp; // t=
};

struct ArcMessageSignature
{
  unsigned instance = 0;
  DkimKeyType algorithm = DkimKeyType::Rsa;
  std::string signature;                   // b=, decoded
  std::string bodyHash;                    // bh=, decoded
  DkimCanons canons;                       // c=, simple/simple when absent (RFC 6376 §3.5)
  std::string domain;                      // d=, lower case
  std::string selector;                    // s=
  std::vector<std::string> signedHeaders;  // h=, in order, as written
  std::optional<std::uint64_t> bodyLength; // l=
  std::optional<std::uint64_t> timestamp;  // t=
};

struct ArcAuthResults
{
  unsigned instance = 0;
  std::string payload;                      // the Authentication-Results value after "i=N;"
  std::optional<ParsedAuthResults> results; // payload parsed, if RFC 8601
};

// Each parser takes the field value (what follows the colon) and returns
// nullopt with the reason in `why` when the field is not valid.
std::optional<ArcSeal> parseArcSeal(std::string_view value, std::string* why = nullptr);
std::optional<ArcMessageSignature> parseArcMessageSignature(std::string_view value,
                                                            std::string* why = nullptr);
std::optional<ArcAuthResults> parseArcAuthResults(std::string_view value,
                                                  std::string* why = nullptr);
} // namespace dmarc
