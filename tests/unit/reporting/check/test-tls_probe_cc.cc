// test-tls_probe_cc.cc: the MX STARTTLS probe against a scripted MX in a
// thread on 127.0.0.1 with a throwaway certificate for "mx.test": what it
// reports when the handshake succeeds (version, cipher, certificate valid
// for the name), and the step it names when an MX fails (no STARTTLS in
// the EHLO reply, STARTTLS refused, bytes injected after the 220, a
// certificate for another name, a peer that hangs up).
#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/adapters/c_handles.hh"
#include "reporting/check/tls_probe.hh"
#include "tests/unit/loopback_listener.hh"
#include "tests/unit/self_signed_certificate.hh"
#include "tests/unit/smtp_lines.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
using PkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using X509Ptr = CHandle<X509, &X509_free>;
using SslCtxPtr = CHandle<SSL_CTX, &SSL_CTX_free>;
using SslPtr = CHandle<SSL, &SSL_free>;

enum class Mx
{
  Good,       // offers STARTTLS and completes the handshake
  NoStarttls, // its EHLO reply has no STARTTLS
  Refuses,    // answers STARTTLS with 454
  Injects,    // sends a second line right after its 220 to STARTTLS
  HangsUp,    // closes after the greeting
};

// One SMTP session as `kind` says, on a listener of its own.
class ScriptedMx
{
public:
  explicit ScriptedMx(Mx kind) : d_kind(kind)
  {
    std::signal(SIGPIPE, SIG_IGN);
    makeCertificate();
    d_listener = listenOnLoopback(1, d_port);
    d_thread = std::thread([this] { serve(); });
  }
  ScriptedMx(const ScriptedMx&) = delete;
  ScriptedMx& operator=(const ScriptedMx&) = delete;
  ~ScriptedMx()
  {
    shutdown(d_listener.get(), SHUT_RDWR);
    d_thread.join();
  }

  StarttlsResult probe(const std::string& host = "mx.test")
  {
    TlsProbeOptions options;
    options.caFile = d_directory.path() + "/ca.pem";
    options.timeout = std::chrono::milliseconds(10000);
    CurlStarttlsProber prober(options, "checker.test");
    return prober.probe({host, {"127.0.0.1"}, d_port});
  }

private:
  void makeCertificate()
  {
    makeSelfSignedCertificate(d_key, d_cert, "mx.test", d_directory.path() + "/ca.pem");
  }

  void serve()
  {
    const FileDescriptor connection(accept(d_listener.get(), nullptr, nullptr));
    if (!connection.valid()) {
      return;
    }
    d_fd = connection.get();
    SmtpLines smtp(d_fd);
    smtp.say("220 mx.test ESMTP");
    if (d_kind == Mx::HangsUp) {
      return;
    }
    std::string line;
    while (smtp.readLine(line)) {
      if (line.rfind("EHLO", 0) == 0) {
        smtp.say(d_kind == Mx::NoStarttls ? "250-mx.test\r\n250 8BITMIME"
                                          : "250-mx.test\r\n250-STARTTLS\r\n250 8BITMIME");
      } else if (line == "STARTTLS" && d_kind == Mx::Refuses) {
        smtp.say("454 4.7.0 TLS not available");
      } else if (line == "STARTTLS") {
        smtp.say(d_kind == Mx::Injects ? "220 go ahead\r\n250 injected" : "220 go ahead");
        handshake();
        return;
      } else {
        smtp.say("221 bye");
        return;
      }
    }
  }

  void handshake()
  {
    SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(context.get(), d_cert.get());
    SSL_CTX_use_PrivateKey(context.get(), d_key.get());
    SslPtr ssl(SSL_new(context.get()));
    SSL_set_fd(ssl.get(), d_fd);
    if (SSL_accept(ssl.get()) != 1) {
      return;
    }
    // The EHLO that follows the handshake (RFC 3207 §4.2), then QUIT.
    std::array<char, 512> data{};
    while (SSL_read(ssl.get(), data.data(), static_cast<int>(data.size())) > 0) {
      const bool quit = std::string_view(data.data(), 4) == "QUIT";
      const std::string_view reply = quit ? "221 bye\r\n" : "250 mx.test\r\n";
      SSL_write(ssl.get(), reply.data(), static_cast<int>(reply.size()));
      if (quit) {
        return;
      }
    }
  }

  Mx d_kind;
  TempDirectory d_directory;
  PkeyPtr d_key;
  X509Ptr d_cert;
  FileDescriptor d_listener;
  std::uint16_t d_port = 0;
  int d_fd = -1;
  std::thread d_thread;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_tls_probe_cc)

BOOST_AUTO_TEST_CASE(test_Probe_GoodMxReportsWhatWasNegotiated)
{
  ScriptedMx mx(Mx::Good);
  const StarttlsResult result = mx.probe();
  BOOST_CHECK(result.connected && result.starttlsOffered && result.handshake);
  BOOST_CHECK_MESSAGE(result.certificateValid, "got " << result.error);
  BOOST_CHECK_EQUAL(result.tlsVersion.substr(0, 6), "TLSv1.");
  BOOST_CHECK(!result.cipher.empty());
}

BOOST_AUTO_TEST_CASE(test_Probe_CertificateForAnotherName)
{
  ScriptedMx mx(Mx::Good);
  const StarttlsResult result = mx.probe("other.test");
  BOOST_CHECK(result.handshake);
  BOOST_CHECK(!result.certificateValid);
  BOOST_CHECK_EQUAL(result.error, "certificate not valid for other.test: hostname mismatch");
}

BOOST_AUTO_TEST_CASE(test_Probe_EachFailingStepIsNamed)
{
  {
    ScriptedMx mx(Mx::NoStarttls);
    const StarttlsResult result = mx.probe();
    BOOST_CHECK(result.connected && !result.starttlsOffered);
    BOOST_CHECK_EQUAL(result.error, "STARTTLS not offered");
  }
  {
    ScriptedMx mx(Mx::Refuses);
    BOOST_CHECK_EQUAL(mx.probe().error, "STARTTLS refused (454)");
  }
  {
    ScriptedMx mx(Mx::Injects);
    const StarttlsResult result = mx.probe();
    BOOST_CHECK(!result.handshake);
    BOOST_CHECK_EQUAL(result.error, "server sent data after its STARTTLS reply");
  }
  {
    ScriptedMx mx(Mx::HangsUp);
    const StarttlsResult result = mx.probe();
    BOOST_CHECK(result.connected && !result.handshake);
    BOOST_CHECK_EQUAL(result.error, "EHLO refused (0)");
  }
}

BOOST_AUTO_TEST_SUITE_END()
