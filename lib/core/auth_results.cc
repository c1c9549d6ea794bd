// auth_results.cc: Authentication-Results composing and parsing (see
// auth_results.hh). Pure: no I/O.
#include "lib/core/auth_results.hh"

#include "lib/core/ascii_text.hh"
#include "lib/core/domain_name.hh"

namespace dmarc
{
namespace
{
// RFC 2045 §5.1 tspecials, plus SPACE and CTLs, are not token characters.
bool isTokenChar(char c)
{
  auto u = static_cast<unsigned char>(c);
  if (u <= 0x20 || u >= 0x7f) {
    return false;
  }
  switch (c) {
  case '(':
  case ')':
  case '<':
  case '>':
  case '@':
  case ',':
  case ';':
  case ':':
  case '\\':
  case '"':
  case '/':
  case '[':
  case ']':
  case '?':
  case '=':
    return false;
  default:
    return true;
  }
}

std::string lowerCopy(std::string_view text)
{
  return toLowerAscii(text);
}

// ---- parser ---------------------------------------------------------------

constexpr std::size_t s_maxInput = 8192;
constexpr std::size_t s_maxResults = 64;
constexpr std::size_t s_maxProperties = 32;
constexpr unsigned s_maxCommentDepth = 16;

class Lexer
{
public:
  explicit Lexer(std::string_view in) : d_in(in) {}

  // Skips CFWS; false on an unterminated or too deep comment, or a bare CR/LF.
  bool skipCfws()
  {
    while (d_pos < d_in.size()) {
      char c = d_in[d_pos];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++d_pos; // folding is whitespace; the MTA has already split fields
      } else if (c == '(') {
        unsigned depth = 0;
        while (d_pos < d_in.size()) {
          char k = d_in[d_pos];
          if (k == '\\') {
            d_pos += 2;
            continue;
          }
          ++d_pos;
          if (k == '(') {
            if (++depth > s_maxCommentDepth) {
              return false;
            }
          } else if (k == ')' && --depth == 0) {
            break;
          }
        }
        if (depth != 0) {
          return false;
        }
      } else {
        return true;
      }
    }
    return true;
  }

  bool atEnd() const { return d_pos >= d_in.size(); }
  char peek() const { return d_pos < d_in.size() ? d_in[d_pos] : '\0'; }
  bool consume(char c)
  {
    if (peek() == c && !atEnd()) {
      ++d_pos;
      return true;
    }
    return false;
  }

  // token or quoted-string, unquoted; nullopt when neither is there.
  std::optional<std::string> value()
  {
    if (peek() == '"') {
      std::string out;
      ++d_pos;
      while (d_pos < d_in.size()) {
        char c = d_in[d_pos++];
        if (c == '"') {
          return out;
        }
        if (c == '\\') {
          if (d_pos >= d_in.size()) {
            return std::nullopt;
          }
          c = d_in[d_pos++];
        }
        if (c != '\r' && c != '\n') {
          out += c;
        }
      }
      return std::nullopt;
    }
    std::size_t start = d_pos;
    while (d_pos < d_in.size() && isTokenChar(d_in[d_pos])) {
      ++d_pos;
    }
    if (d_pos == start) {
      return std::nullopt;
    }
    return std::string(d_in.substr(start, d_pos - start));
  }

private:
  std::string_view d_in;
  std::size_t d_pos = 0;
};

bool isKeyword(std::string_view text)
{
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

// pvalue = [CFWS] ( value / [ [ local-part ] "@" ] domain-name ) [CFWS]
std::optional<std::string> propertyValue(Lexer& lex)
{
  std::string out;
  if (lex.peek() != '@') {
    auto first = lex.value();
    if (!first) {
      return std::nullopt;
    }
    out = std::move(*first);
  }
  if (lex.consume('@')) {
    auto domain = lex.value();
    if (!domain) {
      return std::nullopt;
    }
    out += '@';
    out += *domain;
  }
  return out;
}

std::optional<AuthResultsMethod> resultInfo(Lexer& lex)
{
  AuthResultsMethod method;
  auto name = lex.value();
  if (!name || !isKeyword(*name) || !lex.skipCfws()) {
    return std::nullopt;
  }
  method.method = lowerCopy(*name);
  if (lex.consume('/')) {
    if (!lex.skipCfws()) {
      return std::nullopt;
    }
    auto version = lex.value();
    if (!version || !isAsciiDigits(*version) || !lex.skipCfws()) {
      return std::nullopt;
    }
    method.version = *version;
  }
  if (!lex.consume('=') || !lex.skipCfws()) {
    return std::nullopt;
  }
  auto result = lex.value();
  if (!result || !isKeyword(*result) || !lex.skipCfws()) {
    return std::nullopt;
  }
  method.result = lowerCopy(*result);
  while (!lex.atEnd() && lex.peek() != ';') {
    auto word = lex.value();
    if (!word || !lex.skipCfws()) {
      return std::nullopt;
    }
    std::string lowered = lowerCopy(*word);
    if (lowered == "reason" && method.reason.empty() && method.properties.empty()) {
      if (!lex.consume('=') || !lex.skipCfws()) {
        return std::nullopt;
      }
      auto reason = lex.value();
      if (!reason || !lex.skipCfws()) {
        return std::nullopt;
      }
      method.reason = *reason;
      continue;
    }
    // ptype "." property, possibly with CFWS around the dot
    AuthResultsProperty property;
    auto dot = lowered.find('.');
    if (dot != std::string::npos) {
      property.ptype = lowered.substr(0, dot);
      property.property = lowered.substr(dot + 1);
    } else {
      property.ptype = lowered;
      if (lex.peek() != '.') {
        return std::nullopt;
      }
      auto rest = lex.value(); // ".property" is itself a token
      if (!rest || rest->size() < 2 || !lex.skipCfws()) {
        return std::nullopt;
      }
      property.property = lowerCopy(std::string_view(*rest).substr(1));
    }
    if (!isKeyword(property.ptype) || property.property.empty() || !lex.consume('=') ||
        !lex.skipCfws()) {
      return std::nullopt;
    }
    auto value = propertyValue(lex);
    if (!value || !lex.skipCfws()) {
      return std::nullopt;
    }
    property.value = std::move(*value);
    if (method.properties.size() >= s_maxProperties) {
      return std::nullopt;
    }
    method.properties.push_back(std::move(property));
  }
  return method;
}

void appendSanitised(std::string& out, std::string_view text)
{
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      continue; // never a CR, LF or other control character in a header
    }
    out += c;
  }
}
// Text for inside one of our comments: letters, digits and a few
// punctuation marks only, so that no '(', ')' or '\' can end or escape the
// comment, at most 255 characters.
std::string commentText(std::string_view text)
{
  std::string out;
  for (char c : text.substr(0, 255)) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (alnum || std::string_view(".-_=[]: ").find(c) != std::string_view::npos) {
      out += c;
    }
  }
  return out;
}
} // namespace

std::string quoteValueIfNeeded(std::string_view text)
{
  bool token = !text.empty();
  for (char c : text) {
    token = token && isTokenChar(c);
  }
  if (token) {
    return std::string(text);
  }
  std::string out = "\"";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      continue;
    }
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  out += '"';
  return out;
}

AuthResultsBuilder::AuthResultsBuilder(std::string_view authservId)
    : d_authservId(quoteValueIfNeeded(authservId))
{}

void AuthResultsBuilder::addClause(
    std::string_view method, std::string_view result,
    const std::vector<std::pair<std::string, std::string>>& properties)
{
  std::vector<std::string> words;
  std::string head;
  appendSanitised(head, method);
  head += '=';
  head += quoteValueIfNeeded(result);
  words.push_back(std::move(head));
  for (const auto& [name, value] : properties) {
    std::string word;
    appendSanitised(word, name);
    word += '=';
    word += quoteValueIfNeeded(value);
    words.push_back(std::move(word));
  }
  d_clauses.push_back(std::move(words));
}

void AuthResultsBuilder::addSpf(const SpfOutcome& spf)
{
  std::vector<std::pair<std::string, std::string>> properties;
  if (!spf.domain.empty()) {
    properties.emplace_back(spf.scope == SpfScope::Helo ? "smtp.helo" : "smtp.mailfrom",
                            spf.domain);
  }
  addClause("spf", toString(spf.result), properties);
}

void AuthResultsBuilder::addDkim(const DkimSignatureOutcome& signature, std::size_t bPrefixLength)
{
  std::vector<std::pair<std::string, std::string>> properties;
  if (!signature.domain.empty()) {
    properties.emplace_back("header.d", signature.domain);
  }
  if (!signature.selector.empty()) {
    properties.emplace_back("header.s", signature.selector);
  }
  if (!signature.bPrefix.empty()) {
    properties.emplace_back("header.b", signature.bPrefix.substr(0, bPrefixLength));
  }
  addClause("dkim", toString(signature.result), properties);
}

void AuthResultsBuilder::addDkimNone()
{
  addClause("dkim", "none", {});
}

namespace
{
// A failure whose disposition a local rule changed (an exemption, a
// trusted forwarder or list, DomainPolicyOverrides) says so in a comment,
// as OpenDMARC's "(p=reject dis=none)" does: "(dis=none
// override=trusted_forwarder)". Without it a delivered message reads
// "dmarc=fail policy.dmarc=reject" as if the policy had been ignored by
// mistake. A comment is valid anywhere CFWS is (RFC 8601 §2.2) and every
// word in it is one of our own tokens. t=y and pct are not local rules:
// policy.dmarc already shows them.
std::string overrideComment(const Verdict& verdict, std::string_view note)
{
  if (verdict.result != DmarcResult::Fail) {
    return {};
  }
  std::string reasons;
  for (const auto& item : verdict.overrides) {
    if (item.reason == OverrideReason::PolicyTestMode ||
        item.reason == OverrideReason::SampledOut) {
      continue;
    }
    auto reason = toString(item.reason);
    if (reasons.find(reason) == std::string::npos) {
      reasons += (reasons.empty() ? "" : ",") + std::string(reason);
    }
  }
  if (reasons.empty()) {
    return {};
  }
  std::string comment = "(dis=" + std::string(toString(verdict.applied)) + " override=" + reasons;
  if (!note.empty()) {
    comment += ' ' + commentText(note);
  }
  return comment + ")";
}
} // namespace

void AuthResultsBuilder::addArc(const ArcClause& arc)
{
  std::vector<std::pair<std::string, std::string>> properties;
  if (arc.oldestPass) {
    properties.emplace_back("header.oldest-pass", std::to_string(*arc.oldestPass));
  }
  if (!arc.remoteIp.empty()) {
    properties.emplace_back("smtp.remote-ip", arc.remoteIp);
  }
  addClause("arc", arc.result, properties);
  // One word per sealer, so that a long chain folds between them.
  std::vector<std::string> comment;
  for (std::size_t i = 0; i < arc.sealers.size(); ++i) {
    comment.push_back((i == 0 ? "(as[" : "as[") + std::to_string(i + 1) +
                      "].d=" + commentText(arc.sealers[i]));
  }
  if (!comment.empty()) {
    comment.back() += ')';
    auto& words = d_clauses.back();
    words.insert(words.begin() + 1, comment.begin(), comment.end());
  }
}

void AuthResultsBuilder::addDmarc(const Verdict& verdict, std::string_view note)
{
  std::vector<std::pair<std::string, std::string>> properties;
  if (verdict.result == DmarcResult::Fail) {
    // RFC 9989 §9.1: the policy applied after policy options (t, pct)
    properties.emplace_back("policy.dmarc", std::string(toString(verdict.effectivePolicy)));
  }
  if (!verdict.fromDomain.empty()) {
    properties.emplace_back("header.from", verdict.fromDomain);
  }
  addClause("dmarc", toString(verdict.result), properties);
  if (auto comment = overrideComment(verdict, note); !comment.empty()) {
    d_clauses.back().insert(d_clauses.back().begin() + 1, std::move(comment));
  }
}

std::string AuthResultsBuilder::value(const AuthResultsFormat& format) const
{
  constexpr std::size_t fieldNameWidth = 24; // "Authentication-Results: "
  std::string out = d_authservId;
  out += ';';
  std::size_t column = fieldNameWidth + out.size();
  if (d_clauses.empty()) {
    out += " none";
    return out;
  }
  for (std::size_t c = 0; c < d_clauses.size(); ++c) {
    for (const auto& word : d_clauses[c]) {
      bool last = c + 1 == d_clauses.size() && &word == &d_clauses[c].back();
      std::size_t needed = word.size() + (last ? 0 : 1);
      if (column + 1 + needed > format.width && column > 8) {
        out += format.newline;
        out += '\t';
        column = 8;
      } else {
        out += ' ';
        column += 1;
      }
      out += word;
      column += word.size();
    }
    if (c + 1 < d_clauses.size()) {
      out += ';';
      column += 1;
    }
  }
  return out;
}

std::string AuthResultsBuilder::field(const AuthResultsFormat& format) const
{
  return "Authentication-Results: " + value(format);
}

std::string composeAuthResults(std::string_view authservId, const Verdict& verdict,
                               const AuthResultsFormat& format, const ArcClause* arc,
                               std::string_view dmarcNote)
{
  AuthResultsBuilder builder(authservId);
  builder.addSpf(verdict.spf);
  if (verdict.spfHelo && verdict.spf.scope != SpfScope::Helo) {
    builder.addSpf(*verdict.spfHelo);
  }
  if (verdict.dkim.empty()) {
    builder.addDkimNone();
  }
  for (const auto& signature : verdict.dkim) {
    builder.addDkim(signature, format.bPrefixLength);
  }
  if (arc != nullptr) {
    builder.addArc(*arc);
  }
  builder.addDmarc(verdict, dmarcNote);
  return builder.field(format);
}

std::optional<std::string> parseAuthservId(std::string_view value)
{
  if (value.size() > s_maxInput) {
    value = value.substr(0, s_maxInput);
  }
  Lexer lex(value);
  if (!lex.skipCfws()) {
    return std::nullopt;
  }
  auto id = lex.value();
  if (!id || id->empty()) {
    return std::nullopt;
  }
  return id;
}

std::optional<ParsedAuthResults> parseAuthResults(std::string_view value)
{
  if (value.size() > s_maxInput) {
    return std::nullopt;
  }
  ParsedAuthResults parsed;
  Lexer lex(value);
  if (!lex.skipCfws()) {
    return std::nullopt;
  }
  auto id = lex.value();
  if (!id || id->empty() || !lex.skipCfws()) {
    return std::nullopt;
  }
  parsed.authservId = std::move(*id);
  if (!lex.atEnd() && lex.peek() != ';') {
    auto version = lex.value();
    if (!version || !isAsciiDigits(*version) || !lex.skipCfws()) {
      return std::nullopt;
    }
    parsed.version = *version;
  }
  if (lex.atEnd()) {
    return std::nullopt; // at least "; none" is required
  }
  bool first = true;
  while (lex.consume(';')) {
    if (!lex.skipCfws()) {
      return std::nullopt;
    }
    if (lex.atEnd()) {
      break; // tolerate a trailing ';'
    }
    auto save = lex;
    auto word = lex.value();
    if (first && word && equalsIgnoreCase(*word, "none") && lex.skipCfws() && lex.atEnd()) {
      parsed.noResult = true;
      return parsed;
    }
    lex = save;
    first = false;
    auto info = resultInfo(lex);
    if (!info || parsed.results.size() >= s_maxResults) {
      return std::nullopt;
    }
    parsed.results.push_back(std::move(*info));
  }
  if (!lex.atEnd()) {
    return std::nullopt;
  }
  return parsed;
}

bool claimsAuthservId(std::string_view value, std::string_view ourAuthservId)
{
  if (ourAuthservId.empty()) {
    return false;
  }
  if (auto id = parseAuthservId(value)) {
    if (equalsIgnoreCase(*id, ourAuthservId)) {
      return true;
    }
    if (parseAuthResults(value)) {
      return false; // well-formed, and someone else's
    }
  }
  // Unparseable: another reader might still attribute it to us, so any
  // occurrence of our id as a whole word counts as a claim (fail safe).
  std::string haystack = toLowerAscii(value);
  std::string needle = toLowerAscii(ourAuthservId);
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + 1)) {
    bool startOk = pos == 0 || !isTokenChar(haystack[pos - 1]) || haystack[pos - 1] == '.';
    std::size_t end = pos + needle.size();
    bool endOk = end >= haystack.size() || !isTokenChar(haystack[end]);
    if (startOk && endOk) {
      return true;
    }
  }
  return false;
}
} // namespace dmarc
