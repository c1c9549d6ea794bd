// dkim_bench.cc: how fast DkimVerifier checks a 10 KB message signed with
// RSA-2048 or Ed25519, next to what the raw primitives cost on this
// machine: measured here with OpenSSL's EVP calls, and as `openssl speed`
// reports them. Prints figures; not part of `make check` (timings on a
// shared machine are not pass/fail material).
//
// Target (issue 4): a verification costs at most 1.5 times one signature
// verification plus SHA-256 over the 10 KB message.
//
// Usage: dkim-bench [seconds per key type, default 3] [--no-openssl-speed]
// Keys are served by an in-memory resolver: DNS time is not measured.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "lib/adapters/dkim/dkim_signer.hh"
#include "lib/adapters/dkim/dkim_verifier.hh"
#include "tests/bench/bench_message.hh"
#include "tests/unit/fake_resolver.hh"

using namespace dmarc;
using namespace dmarc::bench;

namespace
{
EvpPkeyPtr loadPrivate(const DkimSigningKey& key)
{
  BioPtr bio(BIO_new_mem_buf(key.privateKeyPem.data(), static_cast<int>(key.privateKeyPem.size())));
  return EvpPkeyPtr(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
}

// One raw signature verification of a SHA-256 digest, as DKIM does it:
// RSA PKCS#1 v1.5 over the digest, or Ed25519 over the 32 digest bytes
// (RFC 8463 §3).
std::function<void()> rawVerify(const DkimSigningKey& key)
{
  auto pkey = std::make_shared<EvpPkeyPtr>(loadPrivate(key));
  auto digest = std::make_shared<std::vector<unsigned char>>(32, 0x5a);
  auto signature = std::make_shared<std::vector<unsigned char>>(512);
  std::size_t length = signature->size();
  if (key.type == DkimKeyType::Rsa) {
    EvpPkeyCtxPtr ctx(EVP_PKEY_CTX_new(pkey->get(), nullptr));
    EVP_PKEY_sign_init(ctx.get());
    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256());
    EVP_PKEY_sign(ctx.get(), signature->data(), &length, digest->data(), digest->size());
    signature->resize(length);
    return [pkey, digest, signature] {
      EvpPkeyCtxPtr verify(EVP_PKEY_CTX_new(pkey->get(), nullptr));
      EVP_PKEY_verify_init(verify.get());
      EVP_PKEY_CTX_set_rsa_padding(verify.get(), RSA_PKCS1_PADDING);
      EVP_PKEY_CTX_set_signature_md(verify.get(), EVP_sha256());
      if (EVP_PKEY_verify(verify.get(), signature->data(), signature->size(), digest->data(),
                          digest->size()) != 1) {
        std::abort();
      }
    };
  }
  EVP_MD_CTX* sign = EVP_MD_CTX_new();
  EVP_DigestSignInit(sign, nullptr, nullptr, nullptr, pkey->get());
  EVP_DigestSign(sign, signature->data(), &length, digest->data(), digest->size());
  EVP_MD_CTX_free(sign);
  signature->resize(length);
  return [pkey, digest, signature] {
    EVP_MD_CTX* verify = EVP_MD_CTX_new();
    EVP_DigestVerifyInit(verify, nullptr, nullptr, nullptr, pkey->get());
    int ok = EVP_DigestVerify(verify, signature->data(), signature->size(), digest->data(),
                              digest->size());
    EVP_MD_CTX_free(verify);
    if (ok != 1) {
      std::abort();
    }
  };
}

// OpenSSL's own figures for the same primitives: `openssl speed`, parsed.
struct OpensslSpeed
{
  double rsa2048Verify = 0; // per second
  double ed25519Verify = 0; // per second
  double sha256Of10k = 0;   // 10 KB blocks per second
  std::string text;         // the result tables, to print
};

double lastNumber(const std::string& line)
{
  auto end = line.find_last_not_of(" \n\r");
  auto start = line.find_last_of(" \t", end);
  return std::atof(line.substr(start + 1, end - start).c_str());
}

OpensslSpeed runOpensslSpeed(double seconds)
{
  OpensslSpeed speed;
  auto whole = std::to_string(static_cast<int>(seconds < 1 ? 1 : seconds));
  for (const std::string& command : {"openssl speed -seconds " + whole + " rsa2048 ed25519",
                                     "openssl speed -seconds " + whole + " -bytes 10240 sha256"}) {
    speed.text += "$ " + command + "\n";
    FILE* pipe = ::popen((command + " 2>/dev/null").c_str(), "r");
    if (pipe == nullptr) {
      speed.text += "(could not run openssl)\n";
      continue;
    }
    char buffer[512];
    bool table = false;
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) {
      std::string line(buffer);
      if (line.find("verify/s") != std::string::npos || line.starts_with("type")) {
        table = true; // the result tables; the progress lines before are dropped
      }
      if (!table) {
        continue;
      }
      speed.text += line;
      if (line.starts_with("rsa 2048 bits")) {
        speed.rsa2048Verify = lastNumber(line);
      } else if (line.find("(Ed25519)") != std::string::npos) {
        speed.ed25519Verify = lastNumber(line);
      } else if (line.starts_with("sha256")) {
        // "sha256  1760972.80k": thousands of bytes per second.
        speed.sha256Of10k = std::atof(line.c_str() + 6) * 1000.0 / 10240.0;
      }
    }
    ::pclose(pipe);
  }
  return speed;
}

// What libopendkim does to every RSA key it fetches (dkim_sig_process):
// decode the SubjectPublicKeyInfo with d2i_PUBKEY_bio. Measured on its own
// because on OpenSSL 3.0 it costs more than the verification.
std::function<void()> keyDecode(const DkimSigningKey& key)
{
  auto der = std::make_shared<std::vector<unsigned char>>(key.publicKeyBase64.size());
  int length = EVP_DecodeBlock(der->data(),
                               reinterpret_cast<const unsigned char*>(key.publicKeyBase64.data()),
                               static_cast<int>(key.publicKeyBase64.size()));
  der->resize(static_cast<std::size_t>(length > 0 ? length : 0));
  return [der] {
    BioPtr bio(BIO_new_mem_buf(der->data(), static_cast<int>(der->size())));
    EvpPkeyPtr pkey(d2i_PUBKEY_bio(bio.get(), nullptr));
    if (!pkey) {
      std::abort();
    }
  };
}
} // namespace

int main(int argc, char** argv)
{
  double seconds = 3.0;
  bool opensslSpeed = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--no-openssl-speed") == 0) {
      opensslSpeed = false;
    } else {
      seconds = std::atof(argv[i]);
      if (seconds <= 0) {
        std::cerr << "usage: dkim-bench [seconds per key type] [--no-openssl-speed]\n";
        return 64;
      }
    }
  }

  try {
    Message message = makeMessage();
    std::size_t total = message.body.size() + 2;
    for (const auto& field : message.fields) {
      total += field.size() + 2;
    }
    std::cout << "DKIM verification of a " << total << "-byte message (" << message.body.size()
              << "-byte body), relaxed/relaxed, key from an in-memory resolver\n"
              << "(DNS not measured); " << seconds
              << " s of CPU time per key type, jobs interleaved in 50 ms\n"
              << "slices; all rates are per second of CPU time.\n\n";

    std::vector<unsigned char> digest(32);
    auto sha = [&message, &digest] {
      unsigned int length = 0;
      EVP_Digest(message.body.data(), message.body.size(), digest.data(), &length, EVP_sha256(),
                 nullptr);
    };

    struct Row
    {
      std::string name;
      DkimKeyType type;
      double dkim, raw, sha, decode;
    };
    std::vector<Row> rows;
    for (auto [type, bits, name] : {std::tuple{DkimKeyType::Rsa, 2048U, "rsa-2048"},
                                    std::tuple{DkimKeyType::Ed25519, 256U, "ed25519"}}) {
      DkimSigningKey key = DkimSigningKey::generate(type, bits);
      test::FakeResolver resolver;
      resolver.add("bench._domainkey.example.org", DnsType::TXT, key.dnsRecord());
      DkimLibrary library(resolver);
      DkimSignRequest request;
      request.domain = "example.org";
      request.selector = "bench";
      request.signTime = s_signTime;
      DkimSigner signer;
      Message signedMessage = message;
      signedMessage.fields.insert(signedMessage.fields.begin(),
                                  signer.sign(key, request, message.fields, message.body));
      auto dkim = [&library, &signedMessage] {
        DkimVerifier verifier(library, s_signTime + 60);
        for (const auto& field : signedMessage.fields) {
          verifier.headerField(field);
        }
        verifier.endOfHeaders();
        verifier.body(signedMessage.body);
        auto outcomes = verifier.finish();
        if (outcomes.size() != 1 || outcomes[0].result != DkimResult::Pass) {
          std::cerr << "verification did not pass\n";
          std::exit(1);
        }
      };
      std::vector<std::function<void()>> jobs = {dkim, rawVerify(key), sha};
      if (type == DkimKeyType::Rsa) {
        jobs.push_back(keyDecode(key));
      }
      auto r = rates(seconds, jobs);
      rows.push_back({name, type, r[0], r[1], r[2], r.size() > 3 ? r[3] : 0.0});
    }

    OpensslSpeed speed;
    if (opensslSpeed) {
      speed = runOpensslSpeed(seconds / 2);
    }

    std::printf("%-9s %12s %13s %13s %12s %14s %14s\n", "key", "dkim/s", "EVP verify/s",
                "EVP sha256/s", "ratio (EVP)", "speed verify/s", "ratio (speed)");
    for (const auto& row : rows) {
      // Ratio: the time of one DKIM verification over the time of one raw
      // verification plus one SHA-256 of the 10 KB message (target <= 1.5).
      double evpRatio = (1.0 / row.dkim) / (1.0 / row.raw + 1.0 / row.sha);
      double speedVerify = row.type == DkimKeyType::Rsa ? speed.rsa2048Verify : speed.ed25519Verify;
      std::printf("%-9s %12.0f %13.0f %13.0f %11.2fx", row.name.c_str(), row.dkim, row.raw, row.sha,
                  evpRatio);
      if (speedVerify > 0 && speed.sha256Of10k > 0) {
        double speedRatio = (1.0 / row.dkim) / (1.0 / speedVerify + 1.0 / speed.sha256Of10k);
        std::printf(" %14.0f %13.2fx", speedVerify, speedRatio);
      }
      std::printf("\n");
    }
    for (const auto& row : rows) {
      if (row.decode > 0) {
        std::printf("\nrsa-2048 key decode inside libopendkim (d2i_PUBKEY_bio): %.0f/s, "
                    "%.1f us of the %.1f us a DKIM verification takes\n",
                    row.decode, 1e6 / row.decode, 1e6 / row.dkim);
      }
    }
    if (opensslSpeed) {
      std::printf("openssl speed sha256, 10 KB blocks: %.0f/s\n\n%s", speed.sha256Of10k,
                  speed.text.c_str());
    }
  } catch (const std::exception& e) {
    std::cerr << "dkim-bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
