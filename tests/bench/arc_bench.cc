// arc_bench.cc: how fast ArcVerifier validates a three-set ARC chain on a
// 10 KB message, next to one DKIM verification (DkimVerifier) of the same
// message, for RSA-2048 and Ed25519 keys. Prints figures; not part of
// `make check` (timings on a shared machine are not pass/fail material).
//
// Target (issue 15): ARC validation of a three-set chain costs at most 3x
// one DKIM verification of the same message. A three-set chain means at
// least four public-key verifications (the newest ARC-Message-Signature
// and three seals, RFC 8617 §5.2 steps 4 and 6), six with oldest-pass
// (step 5), against DKIM's one; the body is hashed once either way.
//
// Columns: "dkim" one DKIM verification; "arc" the chain with oldest-pass
// (ArcSettings::oldestPass); "arc-nop" without step 5 (the default);
// "dkim+arc" both verifiers on one message with shared body hashes, as the
// milter runs them (default settings): its cost over "dkim" is what ARC
// adds to a message that has both.
//
// Usage: arc-bench [seconds per key type, default 3]
// Keys are served by an in-memory resolver: DNS time is not measured.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <tuple>

#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/dkim/arc_verifier.hh"
#include "lib/adapters/dkim/body_hash_pool.hh"
#include "lib/adapters/dkim/dkim_body_hash.hh"
#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "tests/bench/bench_message.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using namespace dmarc::bench;

namespace
{
// The message DKIM-signed by its author, then sealed by three hops.
Message chainOfThree(test::FakeResolver& resolver, DkimKeyType type, const Message& message)
{
  DkimSigningKey author = DkimSigningKey::generate(type, 2048);
  resolver.add("bench._domainkey.example.org", DnsType::TXT, author.dnsRecord());
  DkimSignRequest request;
  request.domain = "example.org";
  request.selector = "bench";
  request.signTime = s_signTime;
  DkimSigner signer;
  Message out = message;
  out.fields.insert(out.fields.begin(), signer.sign(author, request, message.fields, message.body));
  DkimBodyHash hash(DkimCanon::Relaxed);
  hash.update(out.body);
  const std::string bodyHash = hash.finish();
  ArcResult chain = ArcResult::None;
  for (const char* domain : {"lists.example", "forwarder.example", "relay.example"}) {
    DkimSigningKey key = DkimSigningKey::generate(type, 2048);
    resolver.add(std::string("arc._domainkey.") + domain, DnsType::TXT, key.dnsRecord());
    ArcSealerSettings settings;
    settings.domain = domain;
    settings.selector = "arc";
    settings.privateKeyPem = key.privateKeyPem;
    ArcSealOutcome sealed = ArcSealer(settings).seal(
        out.fields, bodyHash, chain,
        std::string("mx.") + domain + "; dkim=pass header.d=example.org; dmarc=pass", s_signTime);
    out.fields.insert(out.fields.begin(),
                      {sealed.seal, sealed.messageSignature, sealed.authResults});
    chain = ArcResult::Pass;
  }
  return out;
}

void require(bool condition, const char* what)
{
  if (!condition) {
    std::cerr << "arc-bench: " << what << "\n";
    std::exit(1);
  }
}
} // namespace

int main(int argc, char** argv)
{
  double seconds = argc > 1 ? std::atof(argv[1]) : 3.0;
  if (seconds <= 0) {
    std::cerr << "usage: arc-bench [seconds per key type]\n";
    return 64;
  }
  try {
    Message message = makeMessage();
    std::cout << "ARC validation of a three-set chain on a DKIM-signed 10 KB message, next to\n"
              << "one DKIM verification of it; keys from an in-memory resolver (DNS not\n"
              << "measured); " << seconds
              << " s of CPU time per key type, jobs interleaved in 50 ms slices;\n"
              << "rates are per second of CPU time.\n\n";
    std::printf("%-9s %10s %10s %12s %12s %10s %12s %14s\n", "key", "dkim/s", "arc/s", "arc-nop/s",
                "dkim+arc/s", "arc/dkim", "arc-nop/dkim", "(dkim+arc)/dkim");
    for (auto [type, name] :
         {std::tuple{DkimKeyType::Rsa, "rsa-2048"}, std::tuple{DkimKeyType::Ed25519, "ed25519"}}) {
      test::FakeResolver resolver;
      Message sealed = chainOfThree(resolver, type, message);
      DkimLibrary library(resolver);
      auto dkim = [&library, &sealed] {
        DkimVerifier verifier(library, s_signTime + 60);
        for (const auto& field : sealed.fields) {
          verifier.headerField(field);
        }
        verifier.endOfHeaders();
        verifier.body(sealed.body);
        auto outcomes = verifier.finish();
        require(outcomes.size() == 1 && outcomes[0].result == DkimResult::Pass, "DKIM failed");
      };
      auto arc = [&resolver, &sealed](bool oldestPass) {
        ArcSettings settings;
        settings.oldestPass = oldestPass;
        ArcVerifier verifier(resolver, settings);
        for (const auto& field : sealed.fields) {
          verifier.headerField(field);
        }
        verifier.endOfHeaders();
        verifier.body(sealed.body);
        require(verifier.finish().result == ArcResult::Pass, "ARC failed");
      };
      auto both = [&library, &resolver, &sealed] {
        BodyHashPool bodies;
        DkimVerifier dkimVerifier(library, s_signTime + 60, nullptr, "BENCH", &bodies);
        ArcVerifier arcVerifier(resolver, ArcSettings{}, &bodies);
        for (const auto& field : sealed.fields) {
          dkimVerifier.headerField(field);
          arcVerifier.headerField(field);
        }
        dkimVerifier.endOfHeaders();
        arcVerifier.endOfHeaders();
        dkimVerifier.body(sealed.body);
        arcVerifier.body(sealed.body);
        require(dkimVerifier.finish()[0].result == DkimResult::Pass, "DKIM failed");
        require(arcVerifier.finish().result == ArcResult::Pass, "ARC failed");
      };
      auto r = rates(seconds, {dkim, [&arc] { arc(true); }, [&arc] { arc(false); }, both});
      std::printf("%-9s %10.0f %10.0f %12.0f %12.0f %9.2fx %11.2fx %14.2fx\n", name, r[0], r[1],
                  r[2], r[3], r[0] / r[1], r[0] / r[2], r[0] / r[3]);
    }
    std::printf("\narc/dkim: the cost of one ARC validation in DKIM verifications (target <= 3)\n");
  } catch (const std::exception& e) {
    std::cerr << "arc-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
