// tag_list.hh: the tag=value lists of DKIM signatures and key records
// (RFC 6376 §3.2) and of the ARC-Seal and ARC-Message-Signature fields
// (RFC 8617 §4.1), parsed without trusting the input.
//
// Pure: string work only. The parsed tags are views into the caller's
// text, which must outlive them. Rejects rather than guesses: a tag-spec
// without '=', a tag name that is not ALPHA *(ALPHA / DIGIT / "_"), a byte
// outside VALCHAR and white space in a value, the same tag twice, an empty
// tag-spec anywhere but after the final ';', and lists over the bounds
// below. Tag names are case-sensitive (RFC 6376 §3.2): "H=" is not "h=".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
// A signature has about ten tags and a key record five; 64 leaves room for
// extensions without letting a hostile field cost more than a glance.
inline constexpr std::size_t g_maxTags = 64;
// A DKIM-Signature or ARC field with a 4096-bit b= and a long h= is under
// 4 KB; 64 KiB bounds the scan of anything larger.
inline constexpr std::size_t g_maxTagListBytes = 64 * 1024;

struct Tag
{
  std::string_view name;
  std::string_view value; // without the white space around it
};

class TagList
{
public:
  explicit TagList(std::vector<Tag> tags) : d_tags(std::move(tags)) {}
  const std::vector<Tag>& tags() const noexcept { return d_tags; }
  // The value of tag `name`, or nullopt when the list has no such tag.
  std::optional<std::string_view> find(std::string_view name) const noexcept;

private:
  std::vector<Tag> d_tags;
};

// Parses `text`; nullopt when it is not a valid tag-list, with the reason
// in `why` (when given).
std::optional<TagList> parseTagList(std::string_view text, std::string* why = nullptr);

// `value` with all white space (SP, HTAB, CR, LF) removed: how b=, bh= and
// p= are read (RFC 6376 §3.5: FWS may appear anywhere in them).
std::string withoutFoldingSpace(std::string_view value);
} // namespace dmarc
