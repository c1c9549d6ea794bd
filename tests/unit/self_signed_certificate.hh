// self_signed_certificate.hh: a throwaway EC P-256 certificate for the
// in-process TLS peers of the unit tests (an HTTPS server, a STARTTLS MX),
// written as PEM so that the client under test can trust it as its CA file.
#pragma once

#include <string>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "lib/adapters/c_handles.hh"

namespace dmarc
{
// Makes `key` and a certificate for `commonName` signed by it, valid from a
// minute ago for an hour, and writes the certificate to `pemPath`.
inline void makeSelfSignedCertificate(EvpPkeyPtr& key, CHandle<X509, &X509_free>& cert,
                                      const std::string& commonName, const std::string& pemPath)
{
  key.reset(EVP_EC_gen("P-256"));
  cert.reset(X509_new());
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(commonName.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  BOOST_REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  BioPtr out(BIO_new_file(pemPath.c_str(), "w"));
  BOOST_REQUIRE(out && PEM_write_bio_X509(out.get(), cert.get()) == 1);
}
} // namespace dmarc
