// mime_walk.cc: the bounded MIME walk; see mime_walk.hh.
// Implementation notes: the walk is iterative over a bounded work list (no
// unbounded recursion), every search is over string_views of the input, and
// each limit is checked before the work it protects.
#include "reporting/ingest/mime_walk.hh"

#include <cctype>
#include <cstdint>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// RFC 2231 §4: charset'language'percent-encoded; the charset is dropped
// (file names are only shown and matched on their extension).
std::string decodeRfc2231(std::string_view value)
{
  const auto first = value.find('\'');
  if (first != std::string_view::npos) {
    const auto second = value.find('\'', first + 1);
    if (second != std::string_view::npos) {
      value.remove_prefix(second + 1);
    }
  }
  std::string out;
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] == '%' && i + 2 < value.size() && hexDigitValue(value[i + 1]) >= 0 &&
        hexDigitValue(value[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hexDigitValue(value[i + 1]) * 16 + hexDigitValue(value[i + 2])));
      i += 2;
    } else {
      out.push_back(value[i]);
    }
  }
  return out;
}

struct SplitMessage
{
  std::string_view header;
  std::string_view body;
};

// Splits at the first empty line (CRLF CRLF or LF LF). A message without
// a body has all of it as header.
SplitMessage splitHeaderBody(std::string_view entity)
{
  // An entity that starts with an empty line has no header fields.
  if (entity.substr(0, 2) == "\r\n") {
    return {{}, entity.substr(2)};
  }
  if (entity.substr(0, 1) == "\n") {
    return {{}, entity.substr(1)};
  }
  for (std::size_t pos = entity.find('\n'); pos != std::string_view::npos;
       pos = entity.find('\n', pos + 1)) {
    std::size_t next = pos + 1;
    if (next < entity.size() && entity[next] == '\r') {
      ++next;
    }
    if (next < entity.size() && entity[next] == '\n') {
      return {entity.substr(0, pos + 1), entity.substr(next + 1)};
    }
    if (next == entity.size()) {
      break;
    }
  }
  return {entity, {}};
}

bool parseHeaderFields(std::string_view header, const MimeLimits& limits, MimeHeaders& out,
                       std::string& error)
{
  if (header.size() > limits.maxHeaderBytes) {
    error = "header section larger than " + std::to_string(limits.maxHeaderBytes) + " bytes";
    return false;
  }
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find('\n', pos);
    if (end == std::string_view::npos) {
      end = header.size();
    }
    std::string_view line = header.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.empty()) {
      continue;
    }
    if ((line.front() == ' ' || line.front() == '\t')) {
      if (!out.fields.empty()) { // folded continuation (RFC 5322 §2.2.3)
        out.fields.back().second.push_back(' ');
        out.fields.back().second.append(trimSpace(line));
      }
      continue;
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      continue; // not a field (an mbox "From " line, garbage): skip it
    }
    if (out.fields.size() >= limits.maxHeaderFields) {
      error = "more than " + std::to_string(limits.maxHeaderFields) + " header fields";
      return false;
    }
    out.fields.emplace_back(std::string(trimSpace(line.substr(0, colon))),
                            std::string(trimSpace(line.substr(colon + 1))));
  }
  return true;
}

// Finds the parts of a multipart body delimited by "--boundary" lines
// (RFC 2046 §5.1.1); the preamble and epilogue are dropped.
std::vector<std::string_view> splitMultipart(std::string_view body, std::string_view boundary,
                                             std::size_t maxParts, bool& tooMany)
{
  std::vector<std::string_view> parts;
  const std::string delimiter = "--" + std::string(boundary);
  std::size_t pos = 0;
  std::size_t partStart = std::string_view::npos;
  tooMany = false;
  while (pos <= body.size()) {
    std::size_t lineEnd = body.find('\n', pos);
    const bool last = lineEnd == std::string_view::npos;
    if (last) {
      lineEnd = body.size();
    }
    std::string_view line = body.substr(pos, lineEnd - pos);
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    if (line.substr(0, delimiter.size()) == delimiter) {
      const std::string_view rest = trimSpace(line.substr(delimiter.size()));
      const bool closing = rest.substr(0, 2) == "--";
      if (rest.empty() || closing) {
        if (partStart != std::string_view::npos) {
          // The line break before the delimiter belongs to the delimiter.
          std::size_t partEnd = pos;
          if (partEnd > partStart && body[partEnd - 1] == '\n') {
            --partEnd;
          }
          if (partEnd > partStart && body[partEnd - 1] == '\r') {
            --partEnd;
          }
          if (parts.size() >= maxParts) {
            tooMany = true;
            return parts;
          }
          parts.push_back(body.substr(partStart, partEnd - partStart));
        }
        if (closing) {
          return parts;
        }
        partStart = last ? body.size() : lineEnd + 1;
      }
    }
    if (last) {
      break;
    }
    pos = lineEnd + 1;
  }
  // No closing delimiter: keep the last part (truncated mail is common).
  if (partStart != std::string_view::npos && partStart < body.size()) {
    if (parts.size() >= maxParts) {
      tooMany = true;
      return parts;
    }
    parts.push_back(body.substr(partStart));
  }
  return parts;
}
} // namespace

std::string MimeHeaders::get(std::string_view name) const
{
  for (const auto& [fieldName, value] : fields) {
    if (equalsIgnoreCase(fieldName, name)) {
      return value;
    }
  }
  return {};
}

MimeHeaderValue parseMimeHeaderValue(std::string_view field)
{
  MimeHeaderValue result;
  std::size_t pos = field.find(';');
  result.value = toLowerAscii(trimSpace(field.substr(0, pos)));
  // Extended parameters split in sections (name*0, name*1) are joined here.
  std::map<std::string, std::string> sections;
  while (pos != std::string_view::npos && pos < field.size()) {
    ++pos; // past ';'
    const auto equals = field.find('=', pos);
    if (equals == std::string_view::npos) {
      break;
    }
    std::string name = toLowerAscii(trimSpace(field.substr(pos, equals - pos)));
    std::size_t valueStart = equals + 1;
    while (valueStart < field.size() && (field[valueStart] == ' ' || field[valueStart] == '\t')) {
      ++valueStart;
    }
    std::string value;
    if (valueStart < field.size() && field[valueStart] == '"') {
      std::size_t i = valueStart + 1;
      for (; i < field.size() && field[i] != '"'; ++i) {
        if (field[i] == '\\' && i + 1 < field.size()) {
          ++i;
        }
        value.push_back(field[i]);
      }
      pos = field.find(';', i);
    } else {
      pos = field.find(';', valueStart);
      value = std::string(trimSpace(
          field.substr(valueStart, pos == std::string_view::npos ? pos : pos - valueStart)));
    }
    if (name.empty()) {
      continue;
    }
    const auto star = name.find('*');
    if (star == std::string::npos) {
      result.params.emplace(name, value);
    } else {
      // name*=ext, name*0=..., name*0*=ext, ...: joined in section order
      // (sections sort as strings; more than 10 sections are not seen).
      const bool extended = name.back() == '*';
      sections[name] = extended ? decodeRfc2231(value) : value;
    }
  }
  for (const auto& [sectionName, value] : sections) {
    const std::string base = sectionName.substr(0, sectionName.find('*'));
    if (result.params.count(base) == 0 || sectionName.find('*') != std::string::npos) {
      auto& target = result.params[base];
      if (sectionName == base + "*" || sectionName == base + "*0" || sectionName == base + "*0*") {
        target = value;
      } else {
        target += value;
      }
    }
  }
  return result;
}

std::string decodeBase64(std::string_view text)
{
  std::string out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (const char c : text) {
    int value = -1;
    if (c >= 'A' && c <= 'Z') {
      value = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      value = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      value = c - '0' + 52;
    } else if (c == '+') {
      value = 62;
    } else if (c == '/') {
      value = 63;
    } else if (c == '=') {
      break; // padding ends the data
    } else {
      continue; // line breaks and stray characters (RFC 2045 §6.8)
    }
    accumulator = (accumulator << 6U) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((accumulator >> static_cast<unsigned>(bits)) & 0xffU));
    }
  }
  return out;
}

std::string decodeQuotedPrintable(std::string_view text)
{
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '=') {
      out.push_back(c);
      continue;
    }
    if (i + 2 < text.size() && hexDigitValue(text[i + 1]) >= 0 && hexDigitValue(text[i + 2]) >= 0) {
      out.push_back(
          static_cast<char>(hexDigitValue(text[i + 1]) * 16 + hexDigitValue(text[i + 2])));
      i += 2;
    } else if (i + 1 < text.size() && text[i + 1] == '\n') {
      i += 1; // soft line break
    } else if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      i += 2;
    } else {
      out.push_back(c); // a lone '=' is kept (RFC 2045 §6.7 note 1)
    }
  }
  return out;
}

namespace
{
// A part that is not a container: its type, its file name (from
// Content-Disposition, else the older name= of Content-Type) and its body
// with the transfer encoding undone.
MimeLeaf decodedLeaf(const MimeHeaders& headers, const MimeHeaderValue& contentType,
                     const std::string& encoding, std::string_view body)
{
  MimeLeaf leaf;
  leaf.mediaType = contentType.value;
  const MimeHeaderValue disposition = parseMimeHeaderValue(headers.get("Content-Disposition"));
  if (const auto name = disposition.params.find("filename"); name != disposition.params.end()) {
    leaf.filename = name->second;
  } else if (const auto typeName = contentType.params.find("name");
             typeName != contentType.params.end()) {
    leaf.filename = typeName->second;
  }
  if (encoding == "base64") {
    leaf.body = decodeBase64(body);
  } else if (encoding == "quoted-printable") {
    leaf.body = decodeQuotedPrintable(body);
  } else {
    leaf.body.assign(body);
  }
  return leaf;
}
} // namespace

MimeWalkResult walkMime(std::string_view message, const MimeLimits& limits)
{
  MimeWalkResult result;
  struct Pending
  {
    std::string_view entity;
    int depth;
    std::string defaultType;
  };
  std::vector<Pending> work{{message, 0, "text/plain"}};
  std::size_t entities = 0;
  std::size_t decodedTotal = 0;
  // Depth-first, in document order: the work list is used as a stack and
  // children are pushed in reverse.
  while (!work.empty()) {
    Pending current = work.back();
    work.pop_back();
    if (++entities > limits.maxParts) {
      result.error = "more than " + std::to_string(limits.maxParts) + " MIME parts";
      return result;
    }
    const SplitMessage split = splitHeaderBody(current.entity);
    MimeHeaders headers;
    if (!parseHeaderFields(split.header, limits, headers, result.error)) {
      return result;
    }
    const std::string contentTypeField = headers.get("Content-Type");
    MimeHeaderValue contentType = parseMimeHeaderValue(contentTypeField);
    if (contentType.value.empty() || contentType.value.find('/') == std::string::npos) {
      contentType.value = current.defaultType; // RFC 2045 §5.2
    }
    if (current.depth == 0) {
      result.headers = headers;
    }
    if (contentType.value.rfind("multipart/", 0) == 0) {
      const auto boundary = contentType.params.find("boundary");
      if (boundary == contentType.params.end() || boundary->second.empty() ||
          boundary->second.size() > 200) {
        result.error = "multipart entity without a usable boundary";
        return result;
      }
      if (current.depth + 1 > limits.maxDepth) {
        result.error = "MIME nesting deeper than " + std::to_string(limits.maxDepth);
        return result;
      }
      bool tooMany = false;
      const auto parts = splitMultipart(split.body, boundary->second, limits.maxParts, tooMany);
      if (tooMany || work.size() + parts.size() > limits.maxParts) {
        result.error = "more than " + std::to_string(limits.maxParts) + " MIME parts";
        return result;
      }
      const std::string childDefault = contentType.value == "multipart/digest"
                                           ? "message/rfc822"
                                           : "text/plain"; // RFC 2046 §5.1.5
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
        work.push_back({*it, current.depth + 1, childDefault});
      }
      continue;
    }
    const std::string encoding = toLowerAscii(trimSpace(headers.get("Content-Transfer-Encoding")));
    if (contentType.value == "message/rfc822" &&
        (encoding.empty() || encoding == "7bit" || encoding == "8bit")) {
      if (current.depth + 1 > limits.maxDepth) {
        result.error = "MIME nesting deeper than " + std::to_string(limits.maxDepth);
        return result;
      }
      work.push_back({split.body, current.depth + 1, "text/plain"});
      continue;
    }
    MimeLeaf leaf = decodedLeaf(headers, contentType, encoding, split.body);
    decodedTotal += leaf.body.size();
    if (decodedTotal > limits.maxDecodedBytes) {
      result.error =
          "decoded parts larger than " + std::to_string(limits.maxDecodedBytes) + " bytes";
      return result;
    }
    result.leaves.push_back(std::move(leaf));
  }
  result.ok = true;
  return result;
}
} // namespace dmarc
