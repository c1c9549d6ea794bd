// header_canon.cc: DKIM header canonicalisation and field selection (see
// the header).
#include "lib/core/header_canon.hh"

#include <unordered_map>

#include "lib/core/ascii_text.hh"
#include "lib/core/header_name.hh"

namespace dmarc
{
namespace
{
bool isLineBreak(char c)
{
  return c == '\r' || c == '\n';
}

std::optional<DkimCanon> canonNamed(std::string_view name)
{
  if (name == "simple") {
    return DkimCanon::Simple;
  }
  if (name == "relaxed") {
    return DkimCanon::Relaxed;
  }
  return std::nullopt;
}

// RFC 5322 §3.6.8 ftext: printable US-ASCII except ':'.
bool isFieldName(std::string_view name)
{
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == ':') {
      return false;
    }
  }
  return true;
}

// RFC 6376 §3.4.2: name lower-cased, no white space around the colon,
// continuation lines unfolded, runs of white space one SP, none at the end.
void appendRelaxed(std::string& out, std::string_view field)
{
  auto colon = field.find(':');
  std::string_view name = field.substr(0, colon);
  while (!name.empty() && (isSpaceOrTab(name.back()) || isLineBreak(name.back()))) {
    name.remove_suffix(1);
  }
  for (char c : name) {
    out.push_back(lowerAscii(c));
  }
  out.push_back(':');
  if (colon == std::string_view::npos) {
    return;
  }
  std::string_view value = field.substr(colon + 1);
  bool space = false;
  bool any = false;
  for (char c : value) {
    if (isLineBreak(c)) {
      continue; // unfolding removes the line breaks, keeps the WSP after them
    }
    if (isSpaceOrTab(c)) {
      space = true;
      continue;
    }
    if (space && any) {
      out.push_back(' ');
    }
    space = false;
    any = true;
    out.push_back(c);
  }
}
} // namespace

std::optional<DkimCanons> parseDkimCanons(std::string_view value)
{
  auto slash = value.find('/');
  auto header = canonNamed(value.substr(0, slash));
  if (!header) {
    return std::nullopt;
  }
  DkimCanons canons;
  canons.header = *header;
  if (slash != std::string_view::npos) {
    auto body = canonNamed(value.substr(slash + 1));
    if (!body) {
      return std::nullopt;
    }
    canons.body = *body;
  }
  return canons;
}

std::string_view headerFieldName(std::string_view field)
{
  auto colon = field.find(':');
  if (colon == std::string_view::npos) {
    return {};
  }
  return bareFieldName(field.substr(0, colon));
}

void appendCanonicalField(std::string& out, DkimCanon canon, std::string_view field, bool finalCrlf)
{
  if (canon == DkimCanon::Simple) {
    out.append(field);
  } else {
    appendRelaxed(out, field);
  }
  if (finalCrlf) {
    out.append("\r\n");
  }
}

std::string withoutSignatureValue(std::string_view field)
{
  auto colon = field.find(':');
  if (colon == std::string_view::npos) {
    return std::string(field);
  }
  // Tag by tag: "b" alone, not "bh", with any white space around the name.
  std::size_t begin = colon + 1;
  while (begin <= field.size()) {
    std::size_t end = field.find(';', begin);
    if (end == std::string_view::npos) {
      end = field.size();
    }
    std::string_view spec = field.substr(begin, end - begin);
    auto equals = spec.find('=');
    if (equals != std::string_view::npos) {
      std::string_view name = spec.substr(0, equals);
      while (!name.empty() && (isSpaceOrTab(name.front()) || isLineBreak(name.front()))) {
        name.remove_prefix(1);
      }
      while (!name.empty() && (isSpaceOrTab(name.back()) || isLineBreak(name.back()))) {
        name.remove_suffix(1);
      }
      if (name == "b") {
        std::string out(field.substr(0, begin + equals + 1));
        out.append(field.substr(end));
        return out;
      }
    }
    begin = end + 1;
  }
  return std::string(field);
}

std::vector<std::size_t> selectSignedFields(const std::vector<std::string_view>& fields,
                                            const std::vector<std::string_view>& names)
{
  // For each lower-cased name, the indices of its fields, bottom-most last;
  // selecting one pops it.
  std::unordered_map<std::string, std::vector<std::size_t>> byName;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    byName[toLowerAscii(headerFieldName(fields[i]))].push_back(i);
  }
  std::vector<std::size_t> selected;
  selected.reserve(names.size());
  for (std::string_view name : names) {
    auto found = byName.find(toLowerAscii(name));
    if (found == byName.end() || found->second.empty()) {
      continue;
    }
    selected.push_back(found->second.back());
    found->second.pop_back();
  }
  return selected;
}

std::optional<std::vector<std::string_view>> parseSignedHeaderList(std::string_view value)
{
  std::vector<std::string_view> names;
  if (trimSpace(value).empty()) {
    return names;
  }
  std::size_t begin = 0;
  while (begin <= value.size()) {
    std::size_t end = value.find(':', begin);
    if (end == std::string_view::npos) {
      end = value.size();
    }
    std::string_view name = value.substr(begin, end - begin);
    while (!name.empty() && (isSpaceOrTab(name.front()) || isLineBreak(name.front()))) {
      name.remove_prefix(1);
    }
    while (!name.empty() && (isSpaceOrTab(name.back()) || isLineBreak(name.back()))) {
      name.remove_suffix(1);
    }
    // An empty name ("from::to") selects nothing, like a name without a
    // field; signers that write one exist (the open ARC test suite expects
    // such a signature to verify).
    if (!name.empty() && !isFieldName(name)) {
      return std::nullopt;
    }
    if (!name.empty()) {
      names.push_back(name);
    }
    begin = end + 1;
  }
  return names;
}
} // namespace dmarc
