// arc_test_messages.hh: messages for the ARC unit tests, sealed hop by hop
// with ArcSealer and validated with ArcVerifier (the body in small chunks,
// as libmilter gives it).
#pragma once

#include <string>
#include <vector>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/arc_verifier.hh"
#include "lib/adapters/dkim/dkim_body_hash.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "tests/unit/fake_resolver.hh"

namespace dmarc::test
{
struct ArcTestMessage
{
  std::vector<std::string> fields;
  std::string body;
};

inline ArcTestMessage plainArcTestMessage()
{
  return {{"From: Alice <alice@author.example>", "To: team@lists.example",
           "Subject: Quarterly figures", "Date: Sun, 15 Jun 2025 15:06:40 +0000",
           "Message-ID: <arc-unit@author.example>", "MIME-Version: 1.0"},
          "Hello team,\r\nthe figures are in.\r\n  -- Alice\r\n"};
}

// One sealing hop: a domain with its key published in `resolver`.
class ArcTestHop
{
public:
  ArcTestHop(FakeResolver& resolver, std::string domain, DkimKeyType type = DkimKeyType::Rsa)
      : d_domain(std::move(domain))
  {
    DkimSigningKey key = DkimSigningKey::generate(type, 2048);
    resolver.add("arc._domainkey." + d_domain, DnsType::TXT, key.dnsRecord());
    ArcSealerSettings settings;
    settings.domain = d_domain;
    settings.selector = "arc";
    settings.privateKeyPem = key.privateKeyPem;
    d_sealer = std::make_unique<ArcSealer>(settings);
  }

  // The message with this hop's ARC set on top; `chain` is what the hop
  // found validating it.
  ArcTestMessage seal(const ArcTestMessage& message, ArcResult chain, std::time_t now = 1750000000)
  {
    DkimBodyHash hash(DkimCanon::Relaxed);
    hash.update(message.body);
    ArcSealOutcome outcome =
        d_sealer->seal(message.fields, hash.finish(), chain,
                       "mx." + d_domain + "; arc=" + std::string(toString(chain)) +
                           ";\r\n\tdmarc=pass header.from=author.example",
                       now);
    if (!outcome.sealed) {
      throw std::runtime_error("not sealed: " + outcome.reason);
    }
    ArcTestMessage out = message;
    out.fields.insert(out.fields.begin(),
                      {outcome.seal, outcome.messageSignature, outcome.authResults});
    return out;
  }

  const ArcSealer& sealer() const { return *d_sealer; }

private:
  std::string d_domain;
  std::unique_ptr<ArcSealer> d_sealer;
};

inline ArcValidation validateArc(DnsResolver& resolver, const ArcTestMessage& message,
                                 ArcSettings settings = {}, BodyHashPool* bodies = nullptr)
{
  ArcVerifier verifier(resolver, settings, bodies);
  for (const auto& field : message.fields) {
    verifier.headerField(field);
  }
  verifier.endOfHeaders();
  for (std::size_t i = 0; i < message.body.size(); i += 5) {
    verifier.body(std::string_view(message.body).substr(i, 5));
  }
  return verifier.finish();
}
} // namespace dmarc::test
