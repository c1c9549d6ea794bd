// arc_verifier.cc: RFC 8617 §5.2 chain validation (see the header).
#include "lib/adapters/dkim/arc_verifier.hh"

#include <openssl/evp.h>

#include "lib/adapters/dkim/body_hash_pool.hh"
#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/adapters/dkim/dkim_text.hh"
#include "lib/core/base64.hh"
#include "lib/core/error.hh"
#include "lib/core/header_canon.hh"
#include "lib/core/header_name.hh"

namespace dmarc
{
namespace
{
constexpr std::size_t s_headerReserve = 4096;

std::string instanceText(std::size_t index)
{
  return "i=" + std::to_string(index + 1);
}
} // namespace

ArcVerifier::ArcVerifier(DnsResolver& resolver, ArcSettings settings, BodyHashPool* bodies)
    : d_resolver(resolver), d_settings(settings), d_bodies(bodies)
{
  d_keyRules.minRsaKeyBits = d_settings.minRsaKeyBits;
  d_header.reserve(s_headerReserve);
}

ArcVerifier::~ArcVerifier() = default;

void ArcVerifier::header(std::string_view name, std::string_view value)
{
  if (d_eoh) {
    return;
  }
  if (d_overflow) {
    d_anyArcField = d_anyArcField || arcFieldKind(bareFieldName(name)).has_value();
    return;
  }
  std::size_t start = d_header.size();
  appendWithCrlf(d_header, name);
  d_header.push_back(':');
  appendWithCrlf(d_header, value);
  keepField(start);
}

void ArcVerifier::headerField(std::string_view field)
{
  if (d_eoh) {
    return;
  }
  if (d_overflow) {
    d_anyArcField = d_anyArcField || arcFieldKind(headerFieldName(field)).has_value();
    return;
  }
  std::size_t start = d_header.size();
  appendWithCrlf(d_header, field);
  keepField(start);
}

// The field just appended at `start` stays unless it passes the bounds.
void ArcVerifier::keepField(std::size_t start)
{
  std::string_view field = std::string_view(d_header).substr(start);
  d_anyArcField = d_anyArcField || arcFieldKind(headerFieldName(field)).has_value();
  if (++d_fieldCount > d_settings.maxHeaderFields || d_header.size() > d_settings.maxHeaderBytes) {
    d_overflow = true;
    d_header.resize(start);
    return;
  }
  d_spans.emplace_back(start, field.size());
}

void ArcVerifier::endOfHeaders()
{
  if (d_eoh) {
    return;
  }
  d_eoh = true;
  if (d_overflow || (!d_anyArcField && !d_settings.keepHeader)) {
    // Nothing to validate: the header is not needed any more.
    d_header = std::string();
    d_spans = {};
    return;
  }
  d_fields.reserve(d_spans.size());
  for (auto [offset, length] : d_spans) {
    d_fields.push_back(std::string_view(d_header).substr(offset, length));
  }
  if (!d_anyArcField) {
    return;
  }
  d_shape = checkArcChain(d_fields);
  if (d_shape.status != ArcResult::Pass) {
    return;
  }
  if (d_bodies == nullptr || d_bodies->started()) {
    d_ownBodies = std::make_unique<BodyHashPool>();
    d_bodies = d_ownBodies.get();
  }
  // The newest set's body hash always; the older ones for oldest-pass.
  const std::size_t sets = d_shape.sets.size();
  d_bodyHashes.resize(sets);
  for (std::size_t i = sets; i-- > 0;) {
    const auto& signature = d_shape.sets[i].signature;
    d_bodyHashes[i] = d_bodies->request(signature.canons.body, signature.bodyLength);
    if (!d_settings.oldestPass) {
      break;
    }
  }
}

std::optional<std::vector<std::string>> ArcVerifier::headerFields() const
{
  if (!d_eoh || d_overflow || (!d_anyArcField && !d_settings.keepHeader)) {
    return std::nullopt;
  }
  return std::vector<std::string>(d_fields.begin(), d_fields.end());
}

void ArcVerifier::body(std::string_view chunk)
{
  endOfHeaders();
  if (d_finished || d_shape.status != ArcResult::Pass || chunk.empty()) {
    return;
  }
  d_bodies->update(d_bodyOffset, chunk);
  d_bodyOffset += chunk.size();
}

ArcVerifier::Key& ArcVerifier::key(std::string_view selector, std::string_view domain,
                                   DkimKeyType type)
{
  std::string name = (type == DkimKeyType::Rsa ? "rsa:" : "ed25519:") + std::string(selector) +
                     "._domainkey." + std::string(domain);
  auto found = d_keys.find(name);
  if (found == d_keys.end()) {
    Key fetched{fetchDkimPublicKey(d_resolver, selector, domain, type, d_keyRules), nullptr};
    if (fetched.key.status == DkimKeyStatus::Found) {
      fetched.check = std::make_unique<DkimSignatureCheck>(fetched.key.key.get(), type,
                                                           std::move(fetched.key.rsaVerify));
    }
    found = d_keys.emplace(std::move(name), std::move(fetched)).first;
  }
  return found->second;
}

// One signature of the chain: the key of s= and d= (fetched once per
// message), then the signature over `digest`.
ArcVerifier::CheckOutcome ArcVerifier::checkSignature(std::string_view selector,
                                                      std::string_view domain, DkimKeyType type,
                                                      const DkimDigest& digest,
                                                      std::string_view signature,
                                                      const char* failure)
{
  Key& publicKey = key(selector, domain, type);
  if (publicKey.key.status != DkimKeyStatus::Found) {
    return {false, publicKey.key.status == DkimKeyStatus::Temporary, publicKey.key.reason};
  }
  if (!publicKey.check->verify(digest, signature)) {
    return {false, false, failure};
  }
  return {true, false, {}};
}

// RFC 8617 §5.2 step 4 (and 5): the set's ARC-Message-Signature checked
// as a DKIM signature (RFC 6376 §6.1.3), the body hash first.
ArcVerifier::CheckOutcome ArcVerifier::checkMessageSignature(std::size_t set)
{
  const ArcSetFields& fields = d_shape.sets[set];
  const ArcMessageSignature& signature = fields.signature;
  if (!d_bodyHashes[set]) {
    return {false, false, "body not hashed"};
  }
  auto ours = decodeStrictBase64(d_bodies->result(*d_bodyHashes[set]));
  if (!ours || *ours != signature.bodyHash) {
    return {false, false, "body hash mismatch"};
  }
  std::vector<std::string_view> names(signature.signedHeaders.begin(),
                                      signature.signedHeaders.end());
  std::string data;
  for (std::size_t index : selectSignedFields(d_fields, names)) {
    appendCanonicalField(data, signature.canons.header, d_fields[index]);
  }
  appendCanonicalField(data, signature.canons.header,
                       withoutSignatureValue(d_fields[fields.signatureField]), false);
  return checkSignature(signature.selector, signature.domain, signature.algorithm, dkimDigest(data),
                        signature.signature, "signature did not verify");
}

// RFC 8617 §5.1.1, §5.2 step 6: what the seal of each set signs, as
// digests. Seal i covers every set up to i, each as AAR, AMS, AS in
// relaxed canonical form, its own AS without the b= value and final CRLF.
// The sets before i are a common prefix, hashed once: the running hash is
// copied for each seal.
std::vector<DkimDigest> ArcVerifier::sealDigests() const
{
  EvpMdCtxPtr running(EVP_MD_CTX_new());
  EvpMdCtxPtr own(EVP_MD_CTX_new());
  if (!running || !own || EVP_DigestInit_ex(running.get(), dkimSha256(), nullptr) != 1) {
    throw Error("cannot start a SHA-256 hash");
  }
  std::vector<DkimDigest> digests;
  digests.reserve(d_shape.sets.size());
  std::string set;
  std::string seal;
  for (const ArcSetFields& fields : d_shape.sets) {
    set.clear();
    appendCanonicalField(set, DkimCanon::Relaxed, d_fields[fields.authResultsField]);
    appendCanonicalField(set, DkimCanon::Relaxed, d_fields[fields.signatureField]);
    seal.clear();
    appendCanonicalField(seal, DkimCanon::Relaxed,
                         withoutSignatureValue(d_fields[fields.sealField]), false);
    DkimDigest digest{};
    unsigned int length = 0;
    if (EVP_MD_CTX_copy_ex(own.get(), running.get()) != 1 ||
        EVP_DigestUpdate(own.get(), set.data(), set.size()) != 1 ||
        EVP_DigestUpdate(own.get(), seal.data(), seal.size()) != 1 ||
        EVP_DigestFinal_ex(own.get(), digest.data(), &length) != 1) {
      throw Error("cannot compute a SHA-256 digest");
    }
    digests.push_back(digest);
    appendCanonicalField(set, DkimCanon::Relaxed, d_fields[fields.sealField]);
    EVP_DigestUpdate(running.get(), set.data(), set.size());
  }
  return digests;
}

ArcValidation ArcVerifier::finish()
{
  endOfHeaders();
  ArcValidation result;
  if (d_finished || !d_anyArcField) {
    d_finished = true;
    return result;
  }
  d_finished = true;
  if (d_overflow) {
    result.result = ArcResult::Fail;
    result.reason = "not validated: the header exceeds local limits";
    return result;
  }
  result.instances = d_shape.highestInstance;
  if (d_shape.status != ArcResult::Pass) {
    result.result = d_shape.status;
    result.reason = d_shape.reason;
    return result;
  }
  result.sets = summarizeArcSets(d_shape.sets);
  auto fail = [&result](std::string what, const CheckOutcome& outcome) {
    result.result = outcome.temporary ? ArcResult::TempError : ArcResult::Fail;
    result.reason = std::move(what) + ": " + outcome.reason;
    return result;
  };
  const std::size_t newest = d_shape.sets.size() - 1;
  // Step 4: the newest ARC-Message-Signature.
  if (auto outcome = checkMessageSignature(newest); !outcome.valid) {
    return fail("ARC-Message-Signature " + instanceText(newest), outcome);
  }
  // Step 6 before step 5: a chain whose seals fail needs no oldest-pass.
  // Newest first, as RFC 8617 lists them.
  std::vector<DkimDigest> digests = sealDigests();
  for (std::size_t set = newest + 1; set-- > 0;) {
    const ArcSeal& seal = d_shape.sets[set].seal;
    if (auto outcome = checkSignature(seal.selector, seal.domain, seal.algorithm, digests[set],
                                      seal.signature, "seal did not verify");
        !outcome.valid) {
      return fail("ARC-Seal " + instanceText(set), outcome);
    }
  }
  // Step 5: the oldest instance whose ARC-Message-Signature still verifies.
  if (d_settings.oldestPass) {
    result.oldestPass = 0;
    for (std::size_t set = newest; set-- > 0;) {
      if (!checkMessageSignature(set).valid) {
        result.oldestPass = static_cast<unsigned>(set + 2);
        break;
      }
    }
  }
  result.result = ArcResult::Pass;
  return result;
}
} // namespace dmarc
