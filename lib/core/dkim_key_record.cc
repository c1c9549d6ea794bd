// dkim_key_record.cc: DKIM key record parsing (see the header).
#include "lib/core/dkim_key_record.hh"

#include "lib/core/ascii_text.hh"
#include "lib/core/base64.hh"
#include "lib/core/tag_list.hh"

namespace dmarc
{
namespace
{
// True when the colon-separated `list` holds `item` (case-insensitively)
// or, with `star`, "*".
bool listHolds(std::string_view list, std::string_view item, bool star)
{
  while (true) {
    auto colon = list.find(':');
    std::string_view entry = trimSpace(list.substr(0, colon));
    if (equalsIgnoreCase(entry, item) || (star && entry == "*")) {
      return true;
    }
    if (colon == std::string_view::npos) {
      return false;
    }
    list.remove_prefix(colon + 1);
  }
}

std::nullopt_t refuse(std::string* why, const char* text)
{
  if (why != nullptr) {
    *why = text;
  }
  return std::nullopt;
}
} // namespace

std::optional<DkimKeyRecord> parseDkimKeyRecord(std::string_view text, std::string* why,
                                                std::string_view service)
{
  std::string syntax;
  auto tags = parseTagList(text, &syntax);
  if (!tags) {
    if (why != nullptr) {
      *why = "key record syntax: " + syntax;
    }
    return std::nullopt;
  }
  DkimKeyRecord record;
  if (auto version = tags->find("v")) {
    if (tags->tags().front().name != "v" || *version != "DKIM1") {
      return refuse(why, "key record v= is not DKIM1 or not the first tag");
    }
  }
  if (auto type = tags->find("k")) {
    if (equalsIgnoreCase(*type, "rsa")) {
      record.type = DkimKeyType::Rsa;
    } else if (equalsIgnoreCase(*type, "ed25519")) {
      record.type = DkimKeyType::Ed25519;
    } else {
      return refuse(why, "key type k= not supported");
    }
  }
  if (auto hashes = tags->find("h"); hashes && !listHolds(*hashes, "sha256", false)) {
    return refuse(why, "key record h= does not permit sha256");
  }
  if (auto services = tags->find("s"); services && !listHolds(*services, service, true)) {
    return refuse(why, "key record s= does not permit this service");
  }
  if (auto flags = tags->find("t")) {
    record.testing = listHolds(*flags, "y", false);
    record.strict = listHolds(*flags, "s", false);
  }
  auto key = tags->find("p");
  if (!key) {
    return refuse(why, "key record without p=");
  }
  auto decoded = decodeStrictBase64(*key);
  if (!decoded) {
    return refuse(why, "key record p= is not base64");
  }
  record.publicKey = std::move(*decoded);
  return record;
}
} // namespace dmarc
