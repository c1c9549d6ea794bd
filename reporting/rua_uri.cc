// rua_uri.cc: parsing rua URIs (mailto and https), with RFC 7489 size limits.
// Pure: no I/O.
#include "reporting/rua_uri.hh"

#include <algorithm>
#include <cctype>
#include <limits>

#include "reporting/report_naming.hh"

namespace dmarc
{
namespace
{
std::string lower(std::string_view text)
{
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view trim(std::string_view text)
{
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

std::optional<std::string> percentDecode(std::string_view text)
{
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) {
      return std::nullopt; // "%" needs two hex digits after it
    }
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') {
        return c - '0';
      }
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
    };
    int high = hex(text[i + 1]);
    int low = hex(text[i + 2]);
    if (high < 0 || low < 0) {
      return std::nullopt;
    }
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

// RFC 7489 §6.2: size = 1*DIGIT [ "k" / "m" / "g" / "t" ].
std::optional<std::uint64_t> parseSize(std::string_view text)
{
  if (text.empty()) {
    return std::nullopt;
  }
  std::uint64_t multiplier = 1;
  char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text.back())));
  if (unit == 'k' || unit == 'm' || unit == 'g' || unit == 't') {
    multiplier = unit == 'k'   ? 1ULL << 10
                 : unit == 'm' ? 1ULL << 20
                 : unit == 'g' ? 1ULL << 30
                               : 1ULL << 40;
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() > 12) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (value > std::numeric_limits<std::uint64_t>::max() / multiplier) {
    return std::nullopt;
  }
  return value * multiplier;
}

bool isAtext(unsigned char c)
{
  static constexpr std::string_view s_specials = "!#$%&'*+-/=?^_`{|}~";
  return (c < 0x80 && std::isalnum(c) != 0) ||
         s_specials.find(static_cast<char>(c)) != std::string_view::npos;
}
} // namespace

std::vector<DmarcTag> dmarcTagList(std::string_view record)
{
  // A bound against hostile records; real ones have fewer than 15 tags.
  constexpr std::size_t maxTags = 64;
  std::vector<DmarcTag> tags;
  while (!record.empty() && tags.size() < maxTags) {
    auto semicolon = record.find(';');
    std::string_view part = trim(record.substr(0, semicolon));
    record =
        semicolon == std::string_view::npos ? std::string_view() : record.substr(semicolon + 1);
    if (part.empty()) {
      continue;
    }
    auto equals = part.find('=');
    if (equals == std::string_view::npos) {
      return {};
    }
    tags.push_back(
        {lower(trim(part.substr(0, equals))), std::string(trim(part.substr(equals + 1)))});
  }
  if (tags.empty() || tags.front().name != "v" || tags.front().value != "DMARC1") {
    return {};
  }
  return tags;
}

std::vector<std::string> ruaFromRecord(std::string_view record)
{
  std::vector<std::string> uris;
  for (const auto& tag : dmarcTagList(record)) {
    if (tag.name != "rua") {
      continue;
    }
    std::string_view list = tag.value;
    while (!list.empty()) {
      auto comma = list.find(',');
      auto uri = trim(list.substr(0, comma));
      if (!uri.empty()) {
        uris.emplace_back(uri);
      }
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return uris;
}

bool isSafeMailAddress(std::string_view address)
{
  auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at > 64) {
    return false;
  }
  std::string_view local = address.substr(0, at);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  bool localOk = std::all_of(local.begin(), local.end(), [](char c) {
    return c == '.' || isAtext(static_cast<unsigned char>(c));
  });
  return localOk && isPlainDomainName(address.substr(at + 1));
}

std::optional<RuaUri> parseRuaUri(std::string_view text)
{
  text = trim(text);
  // RFC 7489 URIs are at most a few hundred bytes; anything longer is junk.
  if (text.empty() || text.size() > 1024) {
    return std::nullopt;
  }
  RuaUri result;
  result.uri = std::string(text);
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string scheme = lower(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 1);
  // The RFC 7489 size suffix follows the last '!' (a literal '!' inside the
  // URI is percent-encoded as %21).
  if (auto bang = rest.rfind('!'); bang != std::string_view::npos) {
    auto size = parseSize(rest.substr(bang + 1));
    if (!size) {
      return std::nullopt;
    }
    result.maxBytes = size;
    rest = rest.substr(0, bang);
    result.uri = std::string(text.substr(0, colon + 1 + rest.size()));
  }
  if (scheme == "mailto") {
    result.scheme = RuaUri::Scheme::Mailto;
    // hfields (?subject=...) are not ours to send; drop them.
    rest = rest.substr(0, rest.find('?'));
    auto decoded = percentDecode(rest);
    if (!decoded || !isSafeMailAddress(*decoded)) {
      return std::nullopt;
    }
    auto at = decoded->rfind('@');
    result.host = lower(decoded->substr(at + 1));
    result.address = decoded->substr(0, at) + "@" + result.host;
    return result;
  }
  if (scheme == "https") {
    result.scheme = RuaUri::Scheme::Https;
    if (!rest.starts_with("//")) {
      return std::nullopt;
    }
    std::string_view authority = rest.substr(2);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    authority = authority.substr(
        authority.rfind('@') == std::string_view::npos ? 0 : authority.rfind('@') + 1);
    authority = authority.substr(0, authority.find(':'));
    result.host = lower(authority);
    if (!isPlainDomainName(result.host)) {
      return std::nullopt;
    }
    return result;
  }
  result.scheme = RuaUri::Scheme::Other;
  return result;
}
} // namespace dmarc
