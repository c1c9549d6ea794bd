// dnssec_zone.hh: a tiny DNSSEC-signed zone made in the test itself, so
// that the resolver's "secure" outcome is tested against a real validator
// without signing tools: one ECDSA P-256 key (algorithm 13, RFC 6605) signs
// the DNSKEY and one TXT RRset at the apex (RFC 4034 §3.1.8.1 signing
// input), and the DS for the trust anchor file is its SHA-256 digest
// (RFC 4509). The key is generated per run with OpenSSL.
#pragma once

#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/sha.h>

#include "lib/adapters/c_handles.hh"

namespace dmarc::test
{
struct SignedZone
{
  std::string zoneFile;    // text for unbound's auth-zone
  std::string trustAnchor; // "zone. IN DS ..." line for the trust anchor file
};

namespace dnssec_detail
{
using Bytes = std::vector<unsigned char>;

inline Bytes wireName(const std::string& name)
{
  Bytes out;
  std::size_t start = 0;
  while (start < name.size()) {
    auto dot = name.find('.', start);
    if (dot == std::string::npos) {
      dot = name.size();
    }
    out.push_back(static_cast<unsigned char>(dot - start));
    for (std::size_t i = start; i < dot; ++i) {
      char c = name[i];
      out.push_back(static_cast<unsigned char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
    }
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

inline void put16(Bytes& out, unsigned value)
{
  out.push_back(static_cast<unsigned char>(value >> 8));
  out.push_back(static_cast<unsigned char>(value));
}

inline void put32(Bytes& out, std::uint32_t value)
{
  put16(out, value >> 16);
  put16(out, value & 0xffff);
}

inline std::string hex(const Bytes& data)
{
  static const char* digits = "0123456789ABCDEF";
  std::string out;
  for (auto b : data) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

inline std::string base64(const Bytes& data)
{
  std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data.data(),
                          static_cast<int>(data.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

inline unsigned keyTag(const Bytes& rdata)
{
  // RFC 4034 Appendix B.
  unsigned long sum = 0;
  for (std::size_t i = 0; i < rdata.size(); ++i) {
    sum += (i & 1) ? rdata[i] : static_cast<unsigned long>(rdata[i]) << 8;
  }
  sum += (sum >> 16) & 0xffff;
  return sum & 0xffff;
}
} // namespace dnssec_detail

// zone: the apex without trailing dot; txt: the apex's TXT text (< 255).
inline SignedZone makeSignedZone(const std::string& zone, const std::string& txt)
{
  using namespace dnssec_detail;
  using EcdsaSigPtr = CHandle<ECDSA_SIG, &ECDSA_SIG_free>;

  EvpPkeyCtxPtr keyContext(EVP_PKEY_CTX_new_id(EVP_PKEY_EC, nullptr));
  EVP_PKEY* rawKey = nullptr;
  if (!keyContext || EVP_PKEY_keygen_init(keyContext.get()) != 1 ||
      EVP_PKEY_CTX_set_ec_paramgen_curve_nid(keyContext.get(), NID_X9_62_prime256v1) != 1 ||
      EVP_PKEY_keygen(keyContext.get(), &rawKey) != 1) {
    throw std::runtime_error("cannot generate a P-256 key");
  }
  EvpPkeyPtr key(rawKey);
  unsigned char point[65];
  std::size_t pointLength = sizeof(point);
  if (EVP_PKEY_get_octet_string_param(key.get(), "encoded-pub-key", point, sizeof(point),
                                      &pointLength) != 1 ||
      pointLength != 65) {
    throw std::runtime_error("cannot read the public key");
  }
  Bytes publicKey(point + 1, point + 65); // X || Y (RFC 6605 §4)

  const std::uint32_t ttl = 300;
  Bytes owner = wireName(zone);
  Bytes dnskey;
  put16(dnskey, 257); // zone key, secure entry point
  dnskey.push_back(3);
  dnskey.push_back(13);
  dnskey.insert(dnskey.end(), publicKey.begin(), publicKey.end());
  unsigned tag = keyTag(dnskey);

  Bytes txtRdata;
  txtRdata.push_back(static_cast<unsigned char>(txt.size()));
  txtRdata.insert(txtRdata.end(), txt.begin(), txt.end());

  auto now = static_cast<std::uint32_t>(std::time(nullptr));
  std::uint32_t inception = now - 3600;
  std::uint32_t expiration = now + 86400;
  unsigned labels = 0;
  for (char c : zone) {
    labels += c == '.' ? 1 : 0;
  }
  ++labels;

  auto sign = [&](unsigned type, const Bytes& rdata) {
    Bytes rrsigHead;
    put16(rrsigHead, type);
    rrsigHead.push_back(13);
    rrsigHead.push_back(static_cast<unsigned char>(labels));
    put32(rrsigHead, ttl);
    put32(rrsigHead, expiration);
    put32(rrsigHead, inception);
    put16(rrsigHead, tag);
    rrsigHead.insert(rrsigHead.end(), owner.begin(), owner.end());
    Bytes input = rrsigHead;
    input.insert(input.end(), owner.begin(), owner.end());
    put16(input, type);
    put16(input, 1);
    put32(input, ttl);
    put16(input, static_cast<unsigned>(rdata.size()));
    input.insert(input.end(), rdata.begin(), rdata.end());

    EvpMdCtxPtr md(EVP_MD_CTX_new());
    unsigned char der[128];
    std::size_t derLength = sizeof(der);
    if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
        EVP_DigestSign(md.get(), der, &derLength, input.data(), input.size()) != 1) {
      throw std::runtime_error("cannot sign");
    }
    const unsigned char* p = der;
    EcdsaSigPtr signature(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(derLength)));
    const BIGNUM* r = nullptr;
    const BIGNUM* s = nullptr;
    ECDSA_SIG_get0(signature.get(), &r, &s);
    Bytes raw(64);
    BN_bn2binpad(r, raw.data(), 32);
    BN_bn2binpad(s, raw.data() + 32, 32);
    return std::string(type == 48 ? "DNSKEY" : "TXT") + " 13 " + std::to_string(labels) + " " +
           std::to_string(ttl) + " " + std::to_string(expiration) + " " +
           std::to_string(inception) + " " + std::to_string(tag) + " " + zone + ". " + base64(raw);
  };

  std::string apex = zone + ". " + std::to_string(ttl) + " IN ";
  SignedZone out;
  out.zoneFile = apex + "SOA ns." + zone + ". admin." + zone + ". 1 3600 600 86400 300\n" + apex +
                 "NS ns." + zone + ".\n" + "ns." + zone + ". 300 IN A 127.0.0.1\n" + apex +
                 "DNSKEY 257 3 13 " + base64(publicKey) + "\n" + apex + "RRSIG " +
                 sign(48, dnskey) + "\n" + apex + "TXT \"" + txt + "\"\n" + apex + "RRSIG " +
                 sign(16, txtRdata) + "\n";

  Bytes dsInput = owner;
  dsInput.insert(dsInput.end(), dnskey.begin(), dnskey.end());
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(dsInput.data(), dsInput.size(), digest.data());
  out.trustAnchor = zone + ". IN DS " + std::to_string(tag) + " 13 2 " + hex(digest) + "\n";
  return out;
}
} // namespace dmarc::test
