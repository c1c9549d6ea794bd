// local_part_redaction.cc: finding local parts in hostile text and
// replacing them in one pass over the original (so that a token is never
// matched again by a later replacement).
#include "lib/core/local_part_redaction.hh"

#include <algorithm>
#include <cstring>

#include "lib/core/ascii_text.hh"

namespace dmarc
{
namespace
{
struct Span
{
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string localPart;
};

bool isAtext(char c)
{
  unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
         (u >= 0x80) || (c != '\0' && std::strchr("!#$%&'*+-/=?^_`{|}~.", c) != nullptr);
}

bool isDomainStart(char c)
{
  unsigned char u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') || u == '[' ||
         u >= 0x80;
}

// The start of the local part that ends just before text[at] == '@', or at
// when there is none. A quoted local part ("a b"@x) is taken whole.
std::size_t localPartStart(std::string_view text, std::size_t at)
{
  if (at > 0 && text[at - 1] == '"') {
    std::size_t open = text.rfind('"', at >= 2 ? at - 2 : 0);
    if (open != std::string_view::npos && open < at - 1) {
      return open;
    }
  }
  std::size_t start = at;
  while (start > 0 && isAtext(text[start - 1])) {
    --start;
  }
  return start;
}

std::vector<Span> addressSpans(std::string_view text)
{
  std::vector<Span> spans;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at + 1 >= text.size() || !isDomainStart(text[at + 1])) {
      continue;
    }
    std::size_t start = localPartStart(text, at);
    if (start == at || (!spans.empty() && start < spans.back().end)) {
      continue;
    }
    spans.push_back({start, at, std::string(text.substr(start, at - start))});
  }
  return spans;
}

// Every case-insensitive occurrence of needle in text that stands as a
// word of its own: "rcpt" in "rcpt.example" or "bobby" is not that local
// part, "rcpt" in "Dear rcpt," is.
void addOccurrences(std::string_view text, std::string_view needle, std::vector<Span>& spans)
{
  const std::string lowerText = toLowerAscii(text);
  const std::string lowerNeedle = toLowerAscii(needle);
  for (std::size_t pos = lowerText.find(lowerNeedle); pos != std::string::npos;
       pos = lowerText.find(lowerNeedle, pos + 1)) {
    const std::size_t end = pos + needle.size();
    if ((pos > 0 && isAtext(text[pos - 1])) || (end < text.size() && isAtext(text[end]))) {
      continue;
    }
    spans.push_back({pos, end, std::string(needle)});
  }
}

std::string unquoted(std::string_view localPart)
{
  if (localPart.size() >= 2 && localPart.front() == '"' && localPart.back() == '"') {
    return std::string(localPart.substr(1, localPart.size() - 2));
  }
  return std::string(localPart);
}
} // namespace

LocalPartRedactor::LocalPartRedactor(KeyedHash keyedHash) : d_keyedHash(std::move(keyedHash)) {}

std::string LocalPartRedactor::token(std::string_view localPart) const
{
  const std::string digest = d_keyedHash(toLowerAscii(unquoted(localPart)));
  return "redacted-" + lowerHex(std::string_view(digest).substr(0, 10));
}

std::string LocalPartRedactor::address(std::string_view address) const
{
  if (address.empty()) {
    return {};
  }
  auto at = address.rfind('@');
  if (at == std::string_view::npos) {
    return token(address);
  }
  return token(address.substr(0, at)) + std::string(address.substr(at));
}

std::string LocalPartRedactor::text(std::string_view text,
                                    const std::vector<std::string>& known) const
{
  std::vector<Span> spans = addressSpans(text);
  std::vector<std::string> needles = known;
  for (const auto& span : spans) {
    needles.push_back(unquoted(span.localPart));
  }
  std::sort(needles.begin(), needles.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& needle : needles) {
    if (needle.size() >= s_minFreeLocalPart) {
      addOccurrences(text, needle, spans);
    }
  }
  // Earliest first; of two starting together the longer wins; overlaps are
  // merged into the first, so that no byte of a local part survives.
  std::stable_sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::string out;
  out.reserve(text.size());
  std::size_t done = 0;
  for (const auto& span : spans) {
    if (span.begin < done) {
      done = std::max(done, span.end);
      continue;
    }
    out.append(text.substr(done, span.begin - done));
    out += token(span.localPart);
    done = span.end;
  }
  out.append(text.substr(std::min(done, text.size())));
  return out;
}

std::string_view localPartOf(std::string_view address)
{
  auto at = address.rfind('@');
  return at == std::string_view::npos ? address : address.substr(0, at);
}
} // namespace dmarc
