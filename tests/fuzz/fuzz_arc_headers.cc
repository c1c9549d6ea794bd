// fuzz_arc_headers.cc: libFuzzer target for the ARC header parsers and the
// pieces under them (lib/core/arc_headers, arc_chain, tag_list, base64,
// header_canon, dkim_key_record). The input is a header: fields separated
// by LF (a field continues on lines that start with white space). Each
// field goes through every parser; the whole header through the chain
// check, whose result must be consistent with itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/arc_chain.hh"
#include "lib/core/arc_headers.hh"
#include "lib/core/base64.hh"
#include "lib/core/dkim_key_record.hh"
#include "lib/core/header_canon.hh"
#include "lib/core/tag_list.hh"
#include "tests/fuzz/fuzz_target.hh"

namespace
{
void check(bool condition)
{
  if (!condition) {
    std::abort();
  }
}

void oneField(std::string_view field)
{
  auto colon = field.find(':');
  std::string_view value = colon == std::string_view::npos ? field : field.substr(colon + 1);
  if (auto seal = dmarc::parseArcSeal(value)) {
    check(seal->instance >= 1 && !seal->signature.empty());
  }
  if (auto signature = dmarc::parseArcMessageSignature(value)) {
    check(signature->instance >= 1 && !signature->bodyHash.empty());
    for (const auto& name : signature->signedHeaders) {
      check(!name.empty() && dmarc::arcFieldKind(name) != dmarc::ArcFieldKind::Seal);
    }
  }
  (void)dmarc::parseArcAuthResults(value);
  if (auto tags = dmarc::parseTagList(value)) {
    check(tags->tags().size() <= dmarc::g_maxTags);
  }
  (void)dmarc::parseDkimKeyRecord(value);
  if (auto bytes = dmarc::decodeStrictBase64(value)) {
    check(dmarc::decodeStrictBase64(dmarc::encodeBase64(*bytes)) == *bytes);
  }
  std::string out;
  dmarc::appendCanonicalField(out, dmarc::DkimCanon::Relaxed, field);
  dmarc::appendCanonicalField(out, dmarc::DkimCanon::Simple, dmarc::withoutSignatureValue(field),
                              false);
  (void)dmarc::parseSignedHeaderList(value);
}
} // namespace

using namespace dmarc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  std::size_t pos = 0;
  while (pos < input.size()) {
    auto end = input.find('\n', pos);
    std::string_view line =
        input.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? input.size() : end + 1;
    if (!fields.empty() && !line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      fields.back().append("\r\n").append(line);
    } else {
      fields.emplace_back(line);
    }
  }
  std::vector<std::string_view> views(fields.begin(), fields.end());
  for (std::string_view field : views) {
    oneField(field);
  }
  ArcChainShape shape = checkArcChain(views);
  check(shape.highestInstance <= g_maxArcInstance);
  if (shape.status == ArcResult::Pass) {
    check(shape.sets.size() == shape.highestInstance);
    for (std::size_t i = 0; i < shape.sets.size(); ++i) {
      const ArcSetFields& set = shape.sets[i];
      check(set.seal.instance == i + 1 && set.signature.instance == i + 1 &&
            set.authResults.instance == i + 1);
      check(set.seal.cv == (i == 0 ? ArcResult::None : ArcResult::Pass));
      check(set.sealField < views.size() && set.signatureField < views.size() &&
            set.authResultsField < views.size());
    }
    check(summarizeArcSets(shape.sets).size() == shape.sets.size());
  } else {
    check(shape.sets.empty());
  }
  // The signed-field choice never selects a field twice.
  std::vector<std::string_view> names;
  for (std::string_view field : views) {
    names.push_back(headerFieldName(field));
  }
  std::vector<std::size_t> selected = selectSignedFields(views, names);
  std::vector<bool> seen(views.size(), false);
  for (std::size_t index : selected) {
    check(index < views.size() && !seen[index]);
    seen[index] = true;
  }
  return 0;
}
