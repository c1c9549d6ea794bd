// rua_uri.cc: rua URIs for delivery, on top of the engine's parser.
// Pure: no I/O.
#include "reporting/rua_uri.hh"

#include <algorithm>
#include <cctype>

#include "lib/core/ascii_text.hh"
#include "lib/core/dmarc_record.hh"
#include "lib/core/domain_name.hh"
#include "reporting/report_naming.hh"

namespace dmarc
{
namespace
{
bool isAtext(unsigned char c)
{
  static constexpr std::string_view s_specials = "!#$%&'*+-/=?^_`{|}~";
  return (c < 0x80 && std::isalnum(c) != 0) ||
         s_specials.find(static_cast<char>(c)) != std::string_view::npos;
}

std::optional<RuaUri> fromReportUri(const ReportUri& parsed)
{
  RuaUri result;
  result.uri = parsed.uri;
  result.maxBytes = parsed.maxSize;
  result.host = parsed.domain;
  if (!isPlainDomainName(result.host)) {
    return std::nullopt;
  }
  if (parsed.scheme == "https") {
    // The engine checked the syntax (host, numeric port, printable ASCII
    // without ',' and ';'); split out what an HTTP request needs.
    result.scheme = RuaUri::Scheme::Https;
    std::string_view rest = parsed.uri;
    rest.remove_prefix(rest.find("//") + 2);
    rest = rest.substr(0, rest.find('#'));
    const auto authorityEnd = rest.find_first_of("/?");
    const std::string_view authority = rest.substr(0, authorityEnd);
    if (auto colon = authority.find(':'); colon != std::string_view::npos) {
      unsigned port = 0;
      for (char c : authority.substr(colon + 1)) {
        port = port * 10 + static_cast<unsigned>(c - '0');
      }
      if (port == 0 || port > 65535) {
        return std::nullopt;
      }
      result.port = static_cast<std::uint16_t>(port);
    }
    const std::string_view target =
        authorityEnd == std::string_view::npos ? std::string_view() : rest.substr(authorityEnd);
    result.target =
        target.empty() || target.front() != '/' ? "/" + std::string(target) : std::string(target);
    return result;
  }
  if (parsed.scheme != "mailto") {
    return std::nullopt;
  }
  auto at = parsed.target.rfind('@');
  result.address = parsed.target.substr(0, at) + "@" + result.host;
  if (!isSafeMailAddress(result.address)) {
    return std::nullopt;
  }
  return result;
}
} // namespace

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
  auto parsed = parseReportUri(text);
  if (!parsed) {
    return std::nullopt;
  }
  return fromReportUri(*parsed);
}

std::vector<std::string> ruaFromRecord(std::string_view record)
{
  std::vector<std::string> uris;
  if (!isDmarcRecord(record)) {
    return uris;
  }
  // Tags are "name=value" separated by ';' (RFC 7489 §6.4); at most 64 are
  // looked at, as the engine's parser does (g_maxRecordTags).
  std::size_t tags = 0;
  while (!record.empty() && tags++ < g_maxRecordTags) {
    auto semicolon = record.find(';');
    std::string_view tag = record.substr(0, semicolon);
    record =
        semicolon == std::string_view::npos ? std::string_view() : record.substr(semicolon + 1);
    auto equals = tag.find('=');
    if (equals == std::string_view::npos ||
        toLowerAscii(trimSpaceOrTab(tag.substr(0, equals))) != "rua") {
      continue;
    }
    std::string_view list = tag.substr(equals + 1);
    while (!list.empty()) {
      auto comma = list.find(',');
      auto uri = trimSpaceOrTab(list.substr(0, comma));
      if (!uri.empty()) {
        uris.emplace_back(uri);
      }
      list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    }
  }
  return uris;
}

std::vector<RuaUri> ruaUrisFromRecord(std::string_view record)
{
  std::vector<RuaUri> uris;
  if (!isDmarcRecord(record)) {
    return uris;
  }
  // The mode only changes policy handling, not the rua list.
  for (const auto& parsed : parseDmarcRecord(record, DmarcMode::Rfc7489).rua) {
    if (auto uri = fromReportUri(parsed)) {
      uris.push_back(std::move(*uri));
    }
  }
  return uris;
}
} // namespace dmarc
