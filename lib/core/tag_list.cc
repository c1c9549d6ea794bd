// tag_list.cc: RFC 6376 §3.2 tag-list parsing (see the header).
#include "lib/core/tag_list.hh"

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
// VALCHAR = %x21-3A / %x3C-7E (printable, not ';').
bool isValChar(char c)
{
  auto u = static_cast<unsigned char>(c);
  return u >= 0x21 && u <= 0x7e && c != ';';
}

std::string_view trimFoldingSpace(std::string_view text)
{
  return trimIf(text, isFoldingSpace);
}

bool isTagName(std::string_view name)
{
  if (name.empty() || !isAsciiAlpha(name.front())) {
    return false;
  }
  for (char c : name) {
    if (!isAsciiAlpha(c) && !isAsciiDigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool isTagValue(std::string_view value)
{
  for (char c : value) {
    if (!isValChar(c) && !isFoldingSpace(c)) {
      return false;
    }
  }
  return true;
}

void setWhy(std::string* why, std::string text)
{
  if (why != nullptr) {
    *why = std::move(text);
  }
}
} // namespace

std::optional<std::string_view> TagList::find(std::string_view name) const noexcept
{
  for (const auto& tag : d_tags) {
    if (tag.name == name) {
      return tag.value;
    }
  }
  return std::nullopt;
}

std::optional<TagList> parseTagList(std::string_view text, std::string* why)
{
  if (text.size() > g_maxTagListBytes) {
    setWhy(why, "tag list longer than " + std::to_string(g_maxTagListBytes) + " bytes");
    return std::nullopt;
  }
  std::vector<Tag> tags;
  std::size_t begin = 0;
  while (begin <= text.size()) {
    std::size_t end = text.find(';', begin);
    const bool last = end == std::string_view::npos;
    if (last) {
      end = text.size();
    }
    std::string_view spec = trimFoldingSpace(text.substr(begin, end - begin));
    begin = end + 1;
    if (spec.empty()) {
      // Only after the final ';' (or an empty list): "a=1;;b=2" is not a
      // tag-list.
      if (last) {
        break;
      }
      setWhy(why, "empty tag-spec");
      return std::nullopt;
    }
    auto equals = spec.find('=');
    if (equals == std::string_view::npos) {
      setWhy(why, "tag-spec without '='");
      return std::nullopt;
    }
    Tag tag{trimFoldingSpace(spec.substr(0, equals)), trimFoldingSpace(spec.substr(equals + 1))};
    if (!isTagName(tag.name)) {
      setWhy(why, "invalid tag name");
      return std::nullopt;
    }
    if (!isTagValue(tag.value)) {
      setWhy(why, "invalid character in the value of tag " + std::string(tag.name));
      return std::nullopt;
    }
    for (const auto& seen : tags) {
      if (seen.name == tag.name) {
        setWhy(why, "tag " + std::string(tag.name) + " appears twice");
        return std::nullopt;
      }
    }
    if (tags.size() >= g_maxTags) {
      setWhy(why, "more than " + std::to_string(g_maxTags) + " tags");
      return std::nullopt;
    }
    tags.push_back(tag);
    if (last) {
      break;
    }
  }
  return TagList(std::move(tags));
}

std::string withoutFoldingSpace(std::string_view value)
{
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (!isFoldingSpace(c)) {
      out.push_back(c);
    }
  }
  return out;
}
} // namespace dmarc
