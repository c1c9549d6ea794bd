// header_canon.hh: DKIM header canonicalisation (RFC 6376 §3.4.1 simple,
// §3.4.2 relaxed) and the choice of the header fields a signature covers
// (§5.4.2: each name in h= takes the last field of that name not taken
// yet). Written once for everything that hashes header fields: the ARC
// verifier and sealer (RFC 8617 §5.1, §5.2 use DKIM's rules), and any
// signature checked without libopendkim.
//
// Pure: string work only. Fields are given as they appear in the message:
// "Name: value", folded lines joined by CRLF, without the final CRLF.
// Trusts nothing in them: any byte is accepted and nothing is indexed
// without a bound.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
// Also the body canonicalisations (RFC 6376 §3.4.3, §3.4.4).
enum class DkimCanon
{
  Simple,
  Relaxed,
};

// A c= value ("relaxed/simple", "simple", ...; RFC 6376 §3.5: the body
// part defaults to simple), or nullopt when it names anything else.
struct DkimCanons
{
  DkimCanon header = DkimCanon::Simple;
  DkimCanon body = DkimCanon::Simple;
};
std::optional<DkimCanons> parseDkimCanons(std::string_view value);

// The field's name: the bytes before the first ':', without the white
// space before the colon (bareFieldName); empty when there is no ':'.
std::string_view headerFieldName(std::string_view field);

// Appends the canonical form of `field` to `out`, followed by CRLF unless
// `finalCrlf` is false (the signature field itself is hashed without it,
// RFC 6376 §3.7).
void appendCanonicalField(std::string& out, DkimCanon canon, std::string_view field,
                          bool finalCrlf = true);

// `field` with the value of its b= tag removed and everything else kept
// byte for byte, as the signature field is hashed (RFC 6376 §3.7). The
// field is returned unchanged when it has no b= tag.
std::string withoutSignatureValue(std::string_view field);

// The fields `names` (an h= list, in order) select from `fields` (the
// message's header, top to bottom): for each name, the bottom-most field
// of that name not selected before, compared case-insensitively; a name
// with no field left selects nothing (RFC 6376 §5.4.2: it is skipped).
// Returns indices into `fields`, in signing order.
std::vector<std::size_t> selectSignedFields(const std::vector<std::string_view>& fields,
                                            const std::vector<std::string_view>& names);

// An h= value split at ':' with white space removed around each name;
// empty names are skipped; nullopt when a name is not a field name
// (RFC 5322 ftext).
std::optional<std::vector<std::string_view>> parseSignedHeaderList(std::string_view value);
} // namespace dmarc
