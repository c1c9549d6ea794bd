// header_name.hh: header field names as every part of the project compares
// them. RFC 5322 §4.5.2 (obs-optional) lets white space stand between a
// field name and its colon ("From : a@example.org") and requires receivers
// to accept it; §2.2 and §3.6.8 make names case-insensitive. So "From",
// "FROM" and "From " name one field, and a field is counted, selected or
// removed under the name it has without that white space: a second From
// written the old way must not go unnoticed.
//
// Pure: string functions only; any bytes are accepted. This is about names
// only: DKIM simple canonicalisation hashes the bytes as they came, and
// relaxed canonicalisation (header_canon) drops the same white space by
// its own rule (RFC 6376 §3.4.2).
#pragma once

#include <string>
#include <string_view>

namespace dmarc
{
// `name` (what precedes the colon) without the white space (SP, HTAB)
// allowed before the colon.
std::string_view bareFieldName(std::string_view name);

// The key fields of one name share: bareFieldName, lower-cased.
std::string fieldNameKey(std::string_view name);

// Whether `name` names the field `wanted` (given bare, any case).
bool isFieldNamed(std::string_view name, std::string_view wanted);
} // namespace dmarc
