// from_header.cc: RFC 5322 From field parser (see from_header.hh).
// Pure: no I/O. Two passes: a tokenizer that removes CFWS and recognises
// quoted strings, domain literals and encoded words, then a recursive descent
// over the tokens. Every loop advances, every index is checked.
#include "lib/core/from_header.hh"

#include <cstdint>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
enum class TokenType : std::uint8_t
{
  Atom,    // 1*atext (UTF-8 bytes included), or a whole RFC 2047 encoded word
  Quoted,  // quoted-string; text is the raw content between the quotes
  Literal, // domain literal including the brackets
  Special, // one of < > : ; @ , .
  End,
};

struct Token
{
  TokenType type = TokenType::End;
  char special = 0;
  bool encodedWord = false; // an RFC 2047 encoded word (only valid in a phrase)
  std::string_view text;
};

bool isAtext(unsigned char c)
{
  if (c >= 0x80) {
    return true; // RFC 6532 UTF8-non-ascii
  }
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
  case '!':
  case '#':
  case '$':
  case '%':
  case '&':
  case '\'':
  case '*':
  case '+':
  case '-':
  case '/':
  case '=':
  case '?':
  case '^':
  case '_':
  case '`':
  case '{':
  case '|':
  case '}':
  case '~':
    return true;
  default:
    return false;
  }
}

class Tokenizer
{
public:
  Tokenizer(std::string_view input, const FromParseLimits& limits) : d_in(input), d_limits(limits)
  {}

  // Fills tokens; returns nullptr on success or a static error text.
  const char* run(std::vector<Token>& tokens)
  {
    for (;;) {
      if (const char* err = skipCfws()) {
        return err;
      }
      if (d_pos >= d_in.size()) {
        tokens.push_back(Token{});
        return nullptr;
      }
      char c = d_in[d_pos];
      Token token;
      switch (c) {
      case '"':
        if (const char* err = quoted(token)) {
          return err;
        }
        break;
      case '[':
        if (const char* err = literal(token)) {
          return err;
        }
        break;
      case '<':
      case '>':
      case ':':
      case ';':
      case '@':
      case ',':
      case '.':
        token.type = TokenType::Special;
        token.special = c;
        token.text = d_in.substr(d_pos, 1);
        ++d_pos;
        break;
      default:
        if (c == '=' && encodedWord(token)) {
          break;
        }
        if (!isAtext(static_cast<unsigned char>(c))) {
          return "unexpected character";
        }
        {
          std::size_t start = d_pos;
          while (d_pos < d_in.size() && isAtext(static_cast<unsigned char>(d_in[d_pos]))) {
            ++d_pos;
          }
          token.type = TokenType::Atom;
          token.text = d_in.substr(start, d_pos - start);
        }
        break;
      }
      tokens.push_back(token);
    }
  }

private:
  // A line break is only allowed as folding: CRLF or LF followed by WSP, or
  // trailing at the very end of the value. Returns false for a bare break.
  bool skipLineBreak()
  {
    std::size_t p = d_pos;
    if (p < d_in.size() && d_in[p] == '\r') {
      ++p;
    }
    if (p < d_in.size() && d_in[p] == '\n') {
      ++p;
    }
    if (p == d_pos) {
      return false;
    }
    if (p >= d_in.size() || isSpaceOrTab(d_in[p])) {
      d_pos = p;
      return true;
    }
    return false;
  }

  const char* skipCfws()
  {
    while (d_pos < d_in.size()) {
      char c = d_in[d_pos];
      if (isSpaceOrTab(c)) {
        ++d_pos;
      } else if (c == '\r' || c == '\n') {
        if (!skipLineBreak()) {
          return "bare CR or LF";
        }
      } else if (c == '(') {
        if (const char* err = comment()) {
          return err;
        }
      } else {
        break;
      }
    }
    return nullptr;
  }

  const char* comment()
  {
    unsigned depth = 0;
    while (d_pos < d_in.size()) {
      char c = d_in[d_pos];
      if (c == '(') {
        if (++depth > d_limits.maxCommentDepth) {
          return "comments nested too deep";
        }
        ++d_pos;
      } else if (c == ')') {
        ++d_pos;
        if (--depth == 0) {
          return nullptr;
        }
      } else if (c == '\\') {
        d_pos += 2; // quoted-pair
      } else if (c == '\r' || c == '\n') {
        if (!skipLineBreak()) {
          return "bare CR or LF in comment";
        }
      } else if (c == '\0') {
        return "NUL in comment";
      } else {
        ++d_pos;
      }
    }
    return "unterminated comment";
  }

  const char* quoted(Token& token)
  {
    std::size_t start = ++d_pos;
    while (d_pos < d_in.size()) {
      char c = d_in[d_pos];
      if (c == '"') {
        token.type = TokenType::Quoted;
        token.text = d_in.substr(start, d_pos - start);
        ++d_pos;
        return nullptr;
      }
      if (c == '\\') {
        if (d_pos + 1 >= d_in.size() || d_in[d_pos + 1] == '\r' || d_in[d_pos + 1] == '\n') {
          return "bad quoted-pair";
        }
        d_pos += 2;
      } else if (c == '\r' || c == '\n') {
        if (!skipLineBreak()) {
          return "bare CR or LF in quoted string";
        }
      } else if (c == '\0') {
        return "NUL in quoted string";
      } else {
        ++d_pos;
      }
    }
    return "unterminated quoted string";
  }

  const char* literal(Token& token)
  {
    std::size_t start = d_pos++;
    while (d_pos < d_in.size()) {
      char c = d_in[d_pos];
      if (c == ']') {
        ++d_pos;
        token.type = TokenType::Literal;
        token.text = d_in.substr(start, d_pos - start);
        return nullptr;
      }
      if (c == '[' || c == '\\' || c == '\r' || c == '\n' || c == '\0') {
        return "bad domain literal";
      }
      ++d_pos;
    }
    return "unterminated domain literal";
  }

  // RFC 2047 §2: "=?" charset "?" encoding "?" encoded-text "?=", no space,
  // at most 75 octets. Taken as one word when it matches exactly.
  bool encodedWord(Token& token)
  {
    std::string_view rest = d_in.substr(d_pos);
    if (rest.size() < 8 || rest[1] != '?') {
      return false;
    }
    std::size_t limit = rest.size() < 75 ? rest.size() : 75;
    unsigned questionMarks = 1;
    for (std::size_t i = 2; i < limit; ++i) {
      unsigned char c = static_cast<unsigned char>(rest[i]);
      if (c <= ' ' || c >= 0x7f) {
        return false;
      }
      if (c == '?') {
        ++questionMarks;
        if (questionMarks == 4) {
          if (i + 1 < rest.size() && rest[i + 1] == '=' && i >= 6) {
            token.type = TokenType::Atom;
            token.encodedWord = true;
            token.text = rest.substr(0, i + 2);
            d_pos += i + 2;
            return true;
          }
          return false;
        }
      }
    }
    return false;
  }

  std::string_view d_in;
  const FromParseLimits& d_limits;
  std::size_t d_pos = 0;
};

bool isWord(const Token& token)
{
  return token.type == TokenType::Atom || token.type == TokenType::Quoted;
}

bool isSpecial(const Token& token, char c)
{
  return token.type == TokenType::Special && token.special == c;
}

void appendUnquoted(std::string& out, std::string_view quoted)
{
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    char c = quoted[i];
    if (c == '\\' && i + 1 < quoted.size()) {
      c = quoted[++i];
    } else if (c == '\r' || c == '\n') {
      continue; // unfold
    }
    out += c;
  }
}

void appendLower(std::string& out, std::string_view text)
{
  for (char c : text) {
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
}

class Parser
{
public:
  Parser(const std::vector<Token>& tokens, const FromParseLimits& limits, FromParseResult& result)
      : d_tokens(tokens), d_limits(limits), d_result(result)
  {}

  const char* run()
  {
    if (const char* err = list(false)) {
      return err;
    }
    if (current().type != TokenType::End) {
      return "trailing garbage after address list";
    }
    return nullptr;
  }

private:
  const Token& current() const { return d_tokens[d_pos]; }
  void advance()
  {
    if (d_tokens[d_pos].type != TokenType::End) {
      ++d_pos;
    }
  }

  bool atListEnd(bool inGroup) const
  {
    return current().type == TokenType::End || (inGroup && isSpecial(current(), ';'));
  }

  // address-list / mailbox-list with the RFC 5322 §4.4 obsolete empty elements.
  const char* list(bool inGroup)
  {
    for (;;) {
      while (isSpecial(current(), ',')) {
        advance();
      }
      if (atListEnd(inGroup)) {
        return nullptr;
      }
      if (const char* err = element(inGroup)) {
        return err;
      }
      if (isSpecial(current(), ',')) {
        advance();
        continue;
      }
      if (atListEnd(inGroup)) {
        return nullptr;
      }
      return "unexpected text after an address";
    }
  }

  const char* element(bool inGroup)
  {
    // Classify by the first '<', ':' or '@' before the end of this element.
    std::size_t angle = 0;
    std::size_t colon = 0;
    std::size_t at = 0;
    bool haveAngle = false;
    bool haveColon = false;
    bool haveAt = false;
    for (std::size_t i = d_pos; i < d_tokens.size(); ++i) {
      const Token& t = d_tokens[i];
      if (t.type == TokenType::End || isSpecial(t, ',') || isSpecial(t, ';')) {
        break;
      }
      if (isSpecial(t, '<')) {
        haveAngle = true;
        angle = i;
        break;
      }
      if (isSpecial(t, ':') && !haveColon) {
        haveColon = true;
        colon = i;
      }
      if (isSpecial(t, '@') && !haveAt) {
        haveAt = true;
        at = i;
      }
    }
    if (haveColon && (!haveAngle || colon < angle) && (!haveAt || colon < at)) {
      if (inGroup) {
        return "nested group";
      }
      return group(colon);
    }
    if (haveAngle) {
      return nameAddr(angle);
    }
    return addrSpec(nullptr);
  }

  const char* phrase(std::size_t end, std::string* out, bool allowAt)
  {
    for (; d_pos < end; ++d_pos) {
      const Token& t = current();
      if (isWord(t)) {
        if (out != nullptr) {
          if (!out->empty()) {
            *out += ' ';
          }
          if (t.type == TokenType::Quoted) {
            appendUnquoted(*out, t.text);
          } else {
            *out += t.text;
          }
        }
      } else if (isSpecial(t, '.')) {
        if (out != nullptr) {
          *out += '.'; // obs-phrase
        }
      } else if (allowAt && isSpecial(t, '@')) {
        ++d_result.warnings;
        if (out != nullptr) {
          *out += '@';
        }
      } else {
        return "bad display name";
      }
    }
    return nullptr;
  }

  const char* group(std::size_t colon)
  {
    if (const char* err = phrase(colon, nullptr, false)) {
      return err;
    }
    advance(); // ':'
    if (const char* err = list(true)) {
      return err;
    }
    if (!isSpecial(current(), ';')) {
      return "group without ';'";
    }
    advance();
    return nullptr;
  }

  const char* nameAddr(std::size_t angle)
  {
    std::string display;
    if (const char* err = phrase(angle, &display, true)) {
      return err;
    }
    advance(); // '<'
    if (isSpecial(current(), '@')) {
      if (const char* err = route()) {
        return err;
      }
    }
    if (isSpecial(current(), '>')) {
      return "empty angle address";
    }
    if (const char* err = addrSpec(&display)) {
      return err;
    }
    if (!isSpecial(current(), '>')) {
      return "angle address without '>'";
    }
    advance();
    return nullptr;
  }

  // obs-route = obs-domain-list ":" (RFC 5322 §4.4); the route is discarded.
  const char* route()
  {
    for (;;) {
      if (isSpecial(current(), '@')) {
        advance();
        std::string ignored;
        bool literal = false;
        if (const char* err = domain(ignored, literal)) {
          return err;
        }
      }
      if (isSpecial(current(), ',')) {
        advance();
        continue;
      }
      if (isSpecial(current(), ':')) {
        advance();
        return nullptr;
      }
      return "bad route";
    }
  }

  const char* domain(std::string& out, bool& literal)
  {
    if (current().type == TokenType::Literal) {
      appendLower(out, current().text);
      literal = true;
      advance();
      return nullptr;
    }
    for (;;) {
      const Token& t = current();
      if (t.type != TokenType::Atom || t.encodedWord) {
        return "bad domain";
      }
      appendLower(out, t.text);
      advance();
      if (!isSpecial(current(), '.')) {
        return nullptr;
      }
      out += '.';
      advance();
    }
  }

  const char* addrSpec(std::string* display)
  {
    FromAddress address;
    if (display != nullptr) {
      address.displayName = std::move(*display);
    }
    bool sawWord = false;
    for (;;) {
      const Token& t = current();
      if (isWord(t) && !t.encodedWord) {
        if (t.type == TokenType::Quoted) {
          appendUnquoted(address.localPart, t.text);
        } else {
          address.localPart += t.text;
        }
        sawWord = true;
      } else if (isSpecial(t, '.')) {
        address.localPart += '.'; // obs-local-part, tolerated consecutive dots
      } else {
        break;
      }
      advance();
    }
    if (!sawWord) {
      return "missing local part";
    }
    if (!isSpecial(current(), '@')) {
      return "address without '@'";
    }
    advance();
    if (const char* err = domain(address.domain, address.domainLiteral)) {
      return err;
    }
    if (d_result.addresses.size() >= d_limits.maxAddresses) {
      d_tooMany = true;
      return "too many addresses";
    }
    d_result.addresses.push_back(std::move(address));
    return nullptr;
  }

public:
  bool d_tooMany = false;

private:
  const std::vector<Token>& d_tokens;
  const FromParseLimits& d_limits;
  FromParseResult& d_result;
  std::size_t d_pos = 0;
};
} // namespace

FromParseResult parseFromHeader(std::string_view value, const FromParseLimits& limits)
{
  FromParseResult result;
  if (value.size() > limits.maxLength) {
    result.status = FromParseStatus::TooLong;
    result.error = "From field too long";
    return result;
  }
  // A per-thread scratch buffer: no allocation per parse in the steady state,
  // no state shared between threads; trimmed after an unusually long value.
  thread_local std::vector<Token> tokens;
  tokens.clear();
  if (tokens.capacity() > 4096) {
    tokens.shrink_to_fit();
  }
  Tokenizer tokenizer(value, limits);
  if (const char* err = tokenizer.run(tokens)) {
    result.status = FromParseStatus::Malformed;
    result.error = err;
    return result;
  }
  Parser parser(tokens, limits, result);
  if (const char* err = parser.run()) {
    result.status =
        parser.d_tooMany ? FromParseStatus::TooManyAddresses : FromParseStatus::Malformed;
    result.error = err;
    result.addresses.clear();
    return result;
  }
  result.status = result.addresses.empty() ? FromParseStatus::NoAddress : FromParseStatus::Ok;
  if (result.addresses.empty()) {
    result.error = "no address";
  }
  return result;
}

std::string_view toString(FromParseStatus status)
{
  switch (status) {
  case FromParseStatus::Ok:
    return "ok";
  case FromParseStatus::NoAddress:
    return "no-address";
  case FromParseStatus::Malformed:
    return "malformed";
  case FromParseStatus::TooLong:
    return "too-long";
  case FromParseStatus::TooManyAddresses:
    return "too-many-addresses";
  }
  return "malformed";
}
} // namespace dmarc
