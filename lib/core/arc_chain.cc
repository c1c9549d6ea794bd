// arc_chain.cc: RFC 8617 §5.2 steps 1-3 (see the header).
#include "lib/core/arc_chain.hh"

#include <algorithm>
#include <optional>

#include "lib/core/header_canon.hh"

namespace dmarc
{
namespace
{
std::string_view fieldValue(std::string_view field)
{
  auto colon = field.find(':');
  return colon == std::string_view::npos ? std::string_view() : field.substr(colon + 1);
}

// The fields of one instance while they are collected.
struct PendingSet
{
  std::optional<ArcAuthResults> authResults;
  std::optional<ArcMessageSignature> signature;
  std::optional<ArcSeal> seal;
  std::size_t authResultsField = 0;
  std::size_t signatureField = 0;
  std::size_t sealField = 0;
};

ArcChainShape failed(ArcChainShape shape, std::string reason)
{
  shape.status = ArcResult::Fail;
  shape.reason = std::move(reason);
  shape.sets.clear();
  return shape;
}

std::string instanceText(unsigned instance)
{
  return "i=" + std::to_string(instance);
}

// Step 1: the ARC fields of the header, parsed, by instance. Only
// instances up to the limit are kept, so a hostile i=999999999 costs
// nothing.
struct CollectedFields
{
  std::vector<PendingSet> pending = std::vector<PendingSet>(g_maxArcInstance + 1);
  unsigned highestInstance = 0;
  bool any = false;
  std::string firstError;    // the first field that does not parse
  std::string duplicateText; // the first instance with two fields of a kind
};

// A parsed field into its instance's slot. Returns its instance, 0 when it
// did not parse; `seen`: the slot had a field already.
template <class Field>
unsigned keep(std::optional<Field> parsed, std::vector<PendingSet>& pending,
              std::optional<Field> PendingSet::*slot, std::size_t PendingSet::*where,
              std::size_t index, bool& seen)
{
  if (!parsed) {
    return 0;
  }
  const unsigned instance = parsed->instance;
  if (instance <= g_maxArcInstance) {
    PendingSet& set = pending[instance];
    seen = (set.*slot).has_value();
    set.*slot = std::move(parsed);
    set.*where = index;
  }
  return instance;
}

CollectedFields collectArcFields(const std::vector<std::string_view>& fields)
{
  CollectedFields out;
  for (std::size_t index = 0; index < fields.size(); ++index) {
    auto kind = arcFieldKind(headerFieldName(fields[index]));
    if (!kind) {
      continue;
    }
    out.any = true;
    std::string_view value = fieldValue(fields[index]);
    std::string why;
    bool seen = false;
    unsigned instance =
        *kind == ArcFieldKind::Seal ? keep(parseArcSeal(value, &why), out.pending,
                                           &PendingSet::seal, &PendingSet::sealField, index, seen)
        : *kind == ArcFieldKind::MessageSignature
            ? keep(parseArcMessageSignature(value, &why), out.pending, &PendingSet::signature,
                   &PendingSet::signatureField, index, seen)
            : keep(parseArcAuthResults(value, &why), out.pending, &PendingSet::authResults,
                   &PendingSet::authResultsField, index, seen);
    if (instance == 0) {
      if (out.firstError.empty()) {
        out.firstError = std::string(toString(*kind)) + ": " + why;
      }
      continue;
    }
    out.highestInstance = std::max(out.highestInstance, instance);
    if (seen && out.duplicateText.empty()) {
      out.duplicateText =
          "more than one " + std::string(toString(*kind)) + " with " + instanceText(instance);
    }
  }
  return out;
}

// Step 3: every instance 1..N has exactly its three fields, cv=none on the
// first seal and cv=pass above it.
ArcChainShape checkSets(ArcChainShape shape, std::vector<PendingSet>& pending)
{
  const unsigned newest = shape.highestInstance;
  for (unsigned instance = 1; instance <= newest; ++instance) {
    PendingSet& set = pending[instance];
    if (!set.seal && !set.signature && !set.authResults) {
      return failed(std::move(shape), "no ARC set with " + instanceText(instance) +
                                          " (instances must run from 1 to " +
                                          std::to_string(newest) + ")");
    }
    if (!set.seal || !set.signature || !set.authResults) {
      std::string_view missing = !set.authResults ? toString(ArcFieldKind::AuthResults)
                                 : !set.signature ? toString(ArcFieldKind::MessageSignature)
                                                  : toString(ArcFieldKind::Seal);
      return failed(std::move(shape),
                    "ARC set " + instanceText(instance) + " has no " + std::string(missing));
    }
    ArcResult expected = instance == 1 ? ArcResult::None : ArcResult::Pass;
    if (set.seal->cv != expected) {
      return failed(std::move(shape), "ARC-Seal " + instanceText(instance) +
                                          " says cv=" + std::string(toString(set.seal->cv)) +
                                          ", not " + std::string(toString(expected)));
    }
    shape.sets.push_back({std::move(*set.authResults), std::move(*set.signature),
                          std::move(*set.seal), set.authResultsField, set.signatureField,
                          set.sealField});
  }
  shape.status = ArcResult::Pass;
  return shape;
}
} // namespace

ArcChainShape checkArcChain(const std::vector<std::string_view>& fields)
{
  ArcChainShape shape;
  CollectedFields collected = collectArcFields(fields);
  if (!collected.any) {
    return shape; // step 1: no ARC sets, cv=none
  }
  shape.highestInstance = collected.highestInstance;
  if (shape.highestInstance > g_maxArcInstance) {
    shape.highestInstance = g_maxArcInstance;
    return failed(std::move(shape), "more than " + std::to_string(g_maxArcInstance) +
                                        " ARC sets (RFC 8617 §5.2 step 1)");
  }
  if (!collected.firstError.empty()) {
    return failed(std::move(shape), collected.firstError);
  }
  const unsigned newest = shape.highestInstance;
  // Step 2: the newest seal says the chain already failed.
  const auto& newestSeal = collected.pending[newest].seal;
  if (newestSeal && newestSeal->cv == ArcResult::Fail) {
    shape.terminated = true;
    return failed(std::move(shape), "ARC-Seal " + instanceText(newest) + " says cv=fail");
  }
  if (!collected.duplicateText.empty()) {
    return failed(std::move(shape), collected.duplicateText);
  }
  return checkSets(std::move(shape), collected.pending);
}

std::vector<ArcSetSummary> summarizeArcSets(const std::vector<ArcSetFields>& sets)
{
  std::vector<ArcSetSummary> summaries;
  summaries.reserve(sets.size());
  for (const auto& set : sets) {
    ArcSetSummary summary;
    summary.instance = set.seal.instance;
    summary.sealDomain = set.seal.domain;
    summary.sealSelector = set.seal.selector;
    summary.signatureDomain = set.signature.domain;
    summary.signatureSelector = set.signature.selector;
    summary.sealCv = set.seal.cv;
    summary.authResults = set.authResults.results;
    summaries.push_back(std::move(summary));
  }
  return summaries;
}
} // namespace dmarc
