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
} // namespace

ArcChainShape checkArcChain(const std::vector<std::string_view>& fields)
{
  ArcChainShape shape;
  // Indexed by instance; only instances up to the limit are kept, so a
  // hostile i=999999999 costs nothing.
  std::vector<PendingSet> pending(g_maxArcInstance + 1);
  std::string firstError;
  bool any = false;
  bool duplicate = false;
  std::string duplicateText;
  for (std::size_t index = 0; index < fields.size(); ++index) {
    auto kind = arcFieldKind(headerFieldName(fields[index]));
    if (!kind) {
      continue;
    }
    any = true;
    std::string_view value = fieldValue(fields[index]);
    std::string why;
    unsigned instance = 0;
    bool seen = false;
    switch (*kind) {
    case ArcFieldKind::Seal:
      if (auto seal = parseArcSeal(value, &why)) {
        instance = seal->instance;
        if (instance <= g_maxArcInstance) {
          seen = pending[instance].seal.has_value();
          pending[instance].seal = std::move(seal);
          pending[instance].sealField = index;
        }
      }
      break;
    case ArcFieldKind::MessageSignature:
      if (auto signature = parseArcMessageSignature(value, &why)) {
        instance = signature->instance;
        if (instance <= g_maxArcInstance) {
          seen = pending[instance].signature.has_value();
          pending[instance].signature = std::move(signature);
          pending[instance].signatureField = index;
        }
      }
      break;
    case ArcFieldKind::AuthResults:
      if (auto authResults = parseArcAuthResults(value, &why)) {
        instance = authResults->instance;
        if (instance <= g_maxArcInstance) {
          seen = pending[instance].authResults.has_value();
          pending[instance].authResults = std::move(authResults);
          pending[instance].authResultsField = index;
        }
      }
      break;
    }
    if (instance == 0) {
      if (firstError.empty()) {
        firstError = std::string(toString(*kind)) + ": " + why;
      }
      continue;
    }
    shape.highestInstance = std::max(shape.highestInstance, instance);
    if (seen && !duplicate) {
      duplicate = true;
      duplicateText =
          "more than one " + std::string(toString(*kind)) + " with " + instanceText(instance);
    }
  }
  if (!any) {
    return shape; // step 1: no ARC sets, cv=none
  }
  if (shape.highestInstance > g_maxArcInstance) {
    shape.highestInstance = g_maxArcInstance;
    return failed(std::move(shape), "more than " + std::to_string(g_maxArcInstance) +
                                        " ARC sets (RFC 8617 §5.2 step 1)");
  }
  if (!firstError.empty()) {
    return failed(std::move(shape), firstError);
  }
  const unsigned newest = shape.highestInstance;
  // Step 2: the newest seal says the chain already failed.
  if (pending[newest].seal && pending[newest].seal->cv == ArcResult::Fail) {
    shape.terminated = true;
    return failed(std::move(shape), "ARC-Seal " + instanceText(newest) + " says cv=fail");
  }
  // Step 3: structure.
  if (duplicate) {
    return failed(std::move(shape), duplicateText);
  }
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
