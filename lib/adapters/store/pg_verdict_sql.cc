// pg_verdict_sql.cc: column list, placeholders and row values of the
// verdict INSERT. The columns are verdictColumns() (verdict_schema.hh);
// appendVerdictParams is the one place that maps MessageRecord fields to
// them, in their order.
#include "lib/adapters/store/pg_verdict_sql.hh"

#include <arpa/inet.h>
#include <array>
#include <cstdio>
#include <ctime>

#include "lib/adapters/store/verdict_schema.hh"
#include "lib/core/error.hh"

namespace dmarc
{
namespace
{
PgParam text(std::string_view value)
{
  return pgText(value);
}

PgParam boolean(bool value)
{
  return std::string(value ? "t" : "f");
}

PgParam inetOrNull(const std::string& address)
{
  // Only a plain IPv4 or IPv6 address reaches the inet column; anything else
  // (empty, "unknown", a bracketed form) is stored as NULL instead of
  // failing the whole batch.
  unsigned char buffer[16];
  if (address.find('%') == std::string::npos &&
      (::inet_pton(AF_INET, address.c_str(), buffer) == 1 ||
       ::inet_pton(AF_INET6, address.c_str(), buffer) == 1)) {
    return address;
  }
  return std::nullopt;
}

template <typename E>
PgParam name(E value)
{
  return std::string(toString(value));
}

template <typename E>
PgParam optionalName(const std::optional<E>& value)
{
  if (!value) {
    return std::nullopt;
  }
  return std::string(toString(*value));
}

// Length of the valid UTF-8 sequence at the start of `bytes`, 0 if invalid
// (RFC 3629 §4: no overlongs, no surrogates, nothing above U+10FFFF).
std::size_t utf8SequenceLength(std::string_view bytes)
{
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(bytes[i]); };
  auto continuation = [&](std::size_t i) { return i < bytes.size() && (byte(i) & 0xC0) == 0x80; };
  unsigned char lead = byte(0);
  if (lead >= 0x01 && lead <= 0x7F) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    return continuation(1) ? 2 : 0;
  }
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) {
      return 0;
    }
    if ((lead == 0xE0 && byte(1) < 0xA0) || (lead == 0xED && byte(1) > 0x9F)) {
      return 0;
    }
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) {
      return 0;
    }
    if ((lead == 0xF0 && byte(1) < 0x90) || (lead == 0xF4 && byte(1) > 0x8F)) {
      return 0;
    }
    return 4;
  }
  return 0;
}

// The DKIM signatures as parallel arrays, in header order.
void appendDkimParams(const std::vector<DkimSignatureOutcome>& signatures,
                      std::vector<PgParam>& out)
{
  std::vector<std::string> domains;
  std::vector<std::string> selectors;
  std::vector<std::string> results;
  std::vector<std::string> algorithms;
  std::vector<std::string> humanResults;
  std::vector<std::string> keyBits;
  for (const auto& signature : signatures) {
    domains.push_back(signature.domain);
    selectors.push_back(signature.selector);
    results.emplace_back(toString(signature.result));
    algorithms.push_back(signature.algorithm);
    humanResults.push_back(signature.humanResult);
    keyBits.push_back(std::to_string(signature.keyBits));
  }
  out.push_back(pgArrayLiteral(domains));
  out.push_back(pgArrayLiteral(selectors));
  out.push_back(pgArrayLiteral(results));
  out.push_back(pgArrayLiteral(algorithms));
  out.push_back(pgArrayLiteral(humanResults));
  out.push_back(pgArrayLiteral(keyBits));
}

// The session's TLS; all NULL for a cleartext session.
void appendTlsParams(const std::optional<TlsFacts>& tls, std::vector<PgParam>& out)
{
  if (tls) {
    out.push_back(text(tls->version));
    out.push_back(text(tls->cipher));
    out.push_back(std::to_string(tls->bits));
    out.push_back(text(tls->verify));
    out.push_back(text(tls->certSubject));
    out.push_back(text(tls->certIssuer));
  } else {
    for (int i = 0; i < 6; ++i) {
      out.push_back(std::nullopt);
    }
  }
}

// The ARC chain and the override it caused (sql/0007_arc.sql).
void appendArcParams(const MessageRecord& record, std::vector<PgParam>& out)
{
  out.push_back(name(record.arcResult));
  out.push_back(pgArrayLiteral(record.arcSealers));
  out.push_back(text(record.arcTrustedSealer));
  out.push_back(text(record.overrideComment));
}
} // namespace

std::size_t verdictColumnCount()
{
  return verdictColumns().size();
}

std::string verdictInsertSql()
{
  std::string names;
  std::string selected;
  std::string unnested;
  std::string aliases;
  std::size_t parameter = 1;
  for (const auto& column : verdictColumns()) {
    const bool first = parameter == 1;
    const std::string alias = "c" + std::to_string(parameter);
    names += (first ? "" : ", ") + std::string(column.name);
    aliases += (first ? "" : ", ") + alias;
    // An array column arrives as text[] of array literals (unnest would
    // flatten a two-dimensional array) and is cast back per row.
    const bool isArray = column.type.ends_with("[]");
    selected += (first ? "" : ", ") + alias;
    if (isArray) {
      selected += "::" + std::string(column.type);
    }
    unnested += (first ? "$" : ", $") + std::to_string(parameter) + "::";
    unnested += isArray ? std::string("text[]") : std::string(column.type) + "[]";
    ++parameter;
  }
  return "INSERT INTO verdict (" + names + ") SELECT " + selected + " FROM unnest(" + unnested +
         ") AS u(" + aliases + ") ON CONFLICT DO NOTHING";
}

std::vector<std::string> verdictBatchParams(const std::vector<const MessageRecord*>& rows,
                                            std::string_view defaultHost)
{
  const std::size_t columns = verdictColumnCount();
  std::vector<std::vector<PgParam>> byColumn(columns);
  std::vector<PgParam> row;
  for (const auto* record : rows) {
    row.clear();
    appendVerdictParams(*record, defaultHost, row);
    for (std::size_t i = 0; i < columns; ++i) {
      byColumn[i].push_back(std::move(row[i]));
    }
  }
  std::vector<std::string> params;
  params.reserve(columns);
  for (const auto& values : byColumn) {
    params.push_back(pgArrayLiteral(values));
  }
  return params;
}

void appendVerdictParams(const MessageRecord& record, std::string_view defaultHost,
                         std::vector<PgParam>& out)
{
  const Verdict& verdict = record.verdict;
  const auto* policy = verdict.policy ? &*verdict.policy : nullptr;

  out.push_back(record.messageKey);
  out.push_back(pgTimestamp(record.receivedAt));
  out.push_back(text(record.reportingHost.empty() ? defaultHost : record.reportingHost));
  out.push_back(text(record.queueId));
  out.push_back(inetOrNull(record.clientIp));
  out.push_back(text(record.helo));
  out.push_back(text(record.mailFromDomain));
  out.push_back(pgArrayLiteral(record.rcptDomains));
  out.push_back(text(verdict.fromDomain));
  out.push_back(pgArrayLiteral(verdict.fromDomains));
  out.push_back(name(verdict.result));
  out.push_back(text(verdict.reason));
  out.push_back(boolean(verdict.dkimAligned));
  out.push_back(boolean(verdict.spfAligned));
  if (policy != nullptr) {
    out.push_back(text(policy->domain));
    out.push_back(text(policy->record));
    out.push_back(name(policy->p));
    out.push_back(optionalName(policy->sp));
    out.push_back(optionalName(policy->np));
    out.push_back(name(policy->adkim));
    out.push_back(name(policy->aspf));
    out.push_back(text(policy->fo));
    out.push_back(std::to_string(policy->pct > 100 ? 100 : policy->pct));
    out.push_back(boolean(policy->testing));
    out.push_back(name(policy->psd));
    out.push_back(pgArrayLiteral(policy->rua));
    out.push_back(pgArrayLiteral(policy->ruf));
  } else {
    for (int i = 0; i < 13; ++i) {
      out.push_back(std::nullopt);
    }
  }
  out.push_back(text(verdict.orgDomain));
  out.push_back(name(verdict.discoveryMethod));
  out.push_back(name(verdict.policyTag));
  out.push_back(boolean(verdict.authorDomainExists));
  out.push_back(name(verdict.effectivePolicy));
  out.push_back(name(verdict.requested));
  out.push_back(name(verdict.applied));
  std::vector<std::string> reasons;
  std::vector<std::string> comments;
  for (const auto& override : verdict.overrides) {
    reasons.emplace_back(toString(override.reason));
    comments.push_back(override.comment);
  }
  out.push_back(pgArrayLiteral(reasons));
  out.push_back(pgArrayLiteral(comments));
  out.push_back(text(verdict.spf.domain));
  out.push_back(name(verdict.spf.scope));
  out.push_back(name(verdict.spf.result));
  out.push_back(text(verdict.spf.explanation));
  if (verdict.spfHelo) {
    out.push_back(text(verdict.spfHelo->domain));
    out.push_back(name(verdict.spfHelo->result));
  } else {
    out.push_back(std::nullopt);
    out.push_back(std::nullopt);
  }
  appendDkimParams(verdict.dkim, out);
  appendTlsParams(record.tls, out);
  appendArcParams(record, out);
}

std::string pgText(std::string_view bytes)
{
  static constexpr std::string_view s_replacement = "\xEF\xBF\xBD"; // U+FFFD
  std::string out;
  out.reserve(bytes.size());
  while (!bytes.empty()) {
    std::size_t length = utf8SequenceLength(bytes);
    if (length == 0) {
      out += s_replacement;
      bytes.remove_prefix(1);
    } else {
      out.append(bytes.substr(0, length));
      bytes.remove_prefix(length);
    }
  }
  return out;
}

namespace
{
void appendElement(std::string& out, std::string_view element)
{
  out += '"';
  for (char c : pgText(element)) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
}
} // namespace

std::string pgArrayLiteral(const std::vector<std::string>& elements)
{
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    appendElement(out, elements[i]);
  }
  out += '}';
  return out;
}

std::string pgArrayLiteral(const std::vector<PgParam>& elements)
{
  std::string out = "{";
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (i != 0) {
      out += ',';
    }
    if (elements[i]) {
      appendElement(out, *elements[i]);
    } else {
      out += "NULL";
    }
  }
  out += '}';
  return out;
}

std::string pgTimestamp(std::chrono::system_clock::time_point when)
{
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(when.time_since_epoch()).count();
  auto seconds = micros / 1000000;
  auto fraction = micros % 1000000;
  if (fraction < 0) {
    fraction += 1000000;
    seconds -= 1;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d %02d:%02d:%02d.%06lld+00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(fraction));
  return buffer;
}
} // namespace dmarc
