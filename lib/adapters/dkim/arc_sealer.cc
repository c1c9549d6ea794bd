// arc_sealer.cc: RFC 8617 §5.1 sealing (see the header).
#include "lib/adapters/dkim/arc_sealer.hh"

#include <openssl/evp.h>

#include "lib/adapters/dkim/dkim_crypto.hh"
#include "lib/adapters/dkim/dkim_text.hh"
#include "lib/core/arc_chain.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/base64.hh"
#include "lib/core/domain_name.hh"
#include "lib/core/error.hh"
#include "lib/core/header_canon.hh"

namespace dmarc
{
namespace
{
constexpr unsigned s_minRsaBits = 1024; // RFC 8301 §3.2

std::string_view algorithmName(DkimKeyType type)
{
  return type == DkimKeyType::Rsa ? "rsa-sha256" : "ed25519-sha256";
}

// "Name: " then the tags, "; " between them written as ";" CRLF SP: the
// relaxed canonical form is the same as with a plain SP, and unfolded the
// field is exactly the one-line form. (python3-dkim, which Mailman and
// others seal and validate with, finds a set's fields by " i=N;" in their
// raw text: a TAB there makes it miss our fields.)
std::string composeField(std::string_view name,
                         const std::vector<std::pair<std::string_view, std::string>>& tags)
{
  std::string field(name);
  field += ": ";
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (i > 0) {
      field += ";\r\n ";
    }
    field.append(tags[i].first).append("=").append(tags[i].second);
  }
  return field;
}

// `field` with its (empty) b= value filled in.
std::string withSignature(std::string field, std::string_view signature)
{
  auto at = field.find(" b=;");
  field.insert(at + 3, encodeBase64(signature));
  return field;
}

// The new seal's cv= (what the caller's validation found, unless the sets
// in the header say otherwise: a chain with sets is never "none"), or why
// the message is not sealed (outcome.reason).
ArcSealOutcome sealability(const ArcChainShape& shape, ArcResult chain)
{
  ArcSealOutcome outcome;
  if (chain == ArcResult::TempError) {
    // Neither pass nor fail is known: a cv=fail would end the chain for
    // every later hop because of this site's DNS (RFC 8617 §5.1.2).
    outcome.reason = "the chain could not be validated (temporary key lookup failure)";
    return outcome;
  }
  outcome.cv = chain;
  if (shape.highestInstance > 0 && (chain == ArcResult::None || shape.status != ArcResult::Pass)) {
    outcome.cv = ArcResult::Fail;
  }
  if (shape.highestInstance == 0 && outcome.cv == ArcResult::Pass) {
    outcome.cv = ArcResult::Fail;
  }
  if (shape.terminated) {
    // RFC 8617 §5.1.2: a chain marked cv=fail is not sealed again.
    outcome.reason = "an earlier hop's seal says cv=fail";
  } else if (shape.highestInstance >= g_maxArcInstance) {
    outcome.reason = "the chain has " + std::to_string(g_maxArcInstance) + " sets already";
  } else {
    outcome.instance = shape.highestInstance + 1;
  }
  return outcome;
}
} // namespace

ArcSealer::ArcSealer(ArcSealerSettings settings) : d_settings(std::move(settings))
{
  if (!isValidDomainName(d_settings.domain) || !isValidDomainName(d_settings.selector)) {
    throw ConfigError("ARC sealing: domain and selector must be host names");
  }
  d_settings.domain = toLowerAscii(d_settings.domain);
  for (const auto& name : d_settings.signedHeaders) {
    if (name.empty() || name.find(':') != std::string::npos || arcFieldKind(name).has_value()) {
      throw ConfigError("ARC sealing: '" + name + "' cannot be a signed header field");
    }
  }
  d_key = loadDkimPrivateKey(d_settings.privateKeyPem);
  d_type = dkimKeyTypeOf(d_key.get());
  if (d_type == DkimKeyType::Rsa &&
      static_cast<unsigned>(EVP_PKEY_get_bits(d_key.get())) < s_minRsaBits) {
    throw ConfigError("ARC sealing: RSA keys under 1024 bits are not accepted (RFC 8301)");
  }
}

ArcSealOutcome ArcSealer::seal(const std::vector<std::string>& fields,
                               std::string_view relaxedBodyHash, ArcResult chain,
                               std::string_view authResultsPayload, std::time_t now) const
{
  std::vector<std::string> wire;
  wire.reserve(fields.size() + 2);
  for (const auto& field : fields) {
    wire.push_back(withCrlf(field));
  }
  std::vector<std::string_view> views(wire.begin(), wire.end());
  ArcChainShape shape = checkArcChain(views);
  ArcSealOutcome outcome = sealability(shape, chain);
  if (outcome.instance == 0) {
    return outcome;
  }
  const std::string instance = std::to_string(outcome.instance);
  const std::string timestamp = std::to_string(static_cast<long long>(now));
  outcome.authResults =
      "ARC-Authentication-Results: i=" + instance + "; " + withCrlf(trimSpace(authResultsPayload));
  // The ARC-Message-Signature, over the message with the new AAR on top
  // (it selects the bottom-most of its name when h= names it).
  views.insert(views.begin(), outcome.authResults);
  outcome.messageSignature = messageSignature(views, relaxedBodyHash, instance, timestamp);
  outcome.seal = sealField(outcome, shape, wire, timestamp);
  outcome.sealed = true;
  return outcome;
}

std::string ArcSealer::messageSignature(const std::vector<std::string_view>& fields,
                                        std::string_view relaxedBodyHash,
                                        const std::string& instance,
                                        const std::string& timestamp) const
{
  std::string signedHeaders;
  std::vector<std::string_view> names;
  for (const auto& name : d_settings.signedHeaders) {
    signedHeaders += (signedHeaders.empty() ? "" : ":") + toLowerAscii(name);
    names.push_back(name);
  }
  std::string field =
      composeField("ARC-Message-Signature", {{"a", std::string(algorithmName(d_type))},
                                             {"b", ""},
                                             {"bh", std::string(relaxedBodyHash)},
                                             {"c", "relaxed/relaxed"},
                                             {"d", d_settings.domain},
                                             {"h", signedHeaders},
                                             {"i", instance},
                                             {"s", d_settings.selector},
                                             {"t", timestamp}});
  std::string data;
  for (std::size_t index : selectSignedFields(fields, names)) {
    appendCanonicalField(data, DkimCanon::Relaxed, fields[index]);
  }
  appendCanonicalField(data, DkimCanon::Relaxed, field, false);
  return withSignature(std::move(field), signDkimData(d_key.get(), d_type, data));
}

// The ARC-Seal over the sets before it (none when the chain failed,
// RFC 8617 §5.1.2) and the new one.
std::string ArcSealer::sealField(const ArcSealOutcome& outcome, const ArcChainShape& shape,
                                 const std::vector<std::string>& wire,
                                 const std::string& timestamp) const
{
  std::string seal = composeField("ARC-Seal", {{"a", std::string(algorithmName(d_type))},
                                               {"b", ""},
                                               {"cv", std::string(toString(outcome.cv))},
                                               {"d", d_settings.domain},
                                               {"i", std::to_string(outcome.instance)},
                                               {"s", d_settings.selector},
                                               {"t", timestamp}});
  std::string data;
  if (outcome.cv != ArcResult::Fail) {
    for (const auto& set : shape.sets) {
      for (std::size_t index : {set.authResultsField, set.signatureField, set.sealField}) {
        appendCanonicalField(data, DkimCanon::Relaxed, wire[index]);
      }
    }
  }
  appendCanonicalField(data, DkimCanon::Relaxed, outcome.authResults);
  appendCanonicalField(data, DkimCanon::Relaxed, outcome.messageSignature);
  appendCanonicalField(data, DkimCanon::Relaxed, seal, false);
  return withSignature(std::move(seal), signDkimData(d_key.get(), d_type, data));
}
} // namespace dmarc
