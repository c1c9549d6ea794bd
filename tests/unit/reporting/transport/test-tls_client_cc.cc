// test-tls_client_cc.cc: the TLS client's handshake and what it says when
// a handshake fails, against an in-process server on a socket pair: a TLS
// server with a throwaway certificate, a server that speaks plain text, and
// one that hangs up. Each failure must be named for what the peer did, and
// an error left in the thread's OpenSSL queue by earlier, unrelated work
// must not be taken for the outcome of a later read.
#include <array>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "reporting/transport/tls_client.hh"

using namespace dmarc;

namespace
{
using PkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using X509Ptr = CHandle<X509, &X509_free>;

enum class Peer
{
  Tls,       // completes the handshake
  PlainText, // an SMTP banner where a ServerHello belongs
  HangUp,    // closes without a word
};

// A server context with a self-signed P-256 certificate for "tls.test".
SslCtxPtr serverContext()
{
  PkeyPtr key(EVP_EC_gen("P-256"));
  BOOST_REQUIRE(key);
  X509Ptr cert(X509_new());
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("tls.test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  BOOST_REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
  BOOST_REQUIRE(context);
  BOOST_REQUIRE_EQUAL(SSL_CTX_use_certificate(context.get(), cert.get()), 1);
  BOOST_REQUIRE_EQUAL(SSL_CTX_use_PrivateKey(context.get(), key.get()), 1);
  return context;
}

// Runs `peer` on one end of a socket pair and a client handshake on the
// other, then `then` on the client if the handshake succeeded; returns the
// handshake's error ("" when it succeeded).
std::string handshakeWith(Peer peer, const std::function<void(TlsStream&)>& then = {})
{
  std::signal(SIGPIPE, SIG_IGN); // as dmarc-reports does (main.cc)
  int ends[2];
  BOOST_REQUIRE_EQUAL(socketpair(AF_UNIX, SOCK_STREAM, 0, ends), 0);
  // Non-blocking, as connectTcp() makes it: the client waits in poll().
  BOOST_REQUIRE_EQUAL(fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK), 0);
  FileDescriptor client(ends[0]);
  FileDescriptor server(ends[1]);
  SslCtxPtr serverCtx = serverContext();
  std::thread serverThread([&] {
    if (peer == Peer::Tls) {
      SslPtr ssl(SSL_new(serverCtx.get()));
      SSL_set_fd(ssl.get(), server.get());
      if (SSL_accept(ssl.get()) == 1) {
        std::array<char, 256> data{};
        while (SSL_read(ssl.get(), data.data(), data.size()) > 0) {
        } // until the client hangs up
      }
    } else if (peer == Peer::PlainText) {
      const std::string_view banner = "220 relay.test ESMTP\r\n";
      BOOST_CHECK_EQUAL(write(server.get(), banner.data(), banner.size()),
                        static_cast<ssize_t>(banner.size()));
      // Take the ClientHello, so that the client reads the banner rather
      // than failing to write.
      std::array<char, 4096> hello{};
      BOOST_CHECK_GT(read(server.get(), hello.data(), hello.size()), 0);
    }
    ERR_clear_error(); // the server's errors are its own thread's
    shutdown(server.get(), SHUT_RDWR);
  });
  std::string error;
  SslCtxPtr clientCtx = makeTlsContext({}, error);
  BOOST_REQUIRE_MESSAGE(clientCtx, error);
  TlsStream tls;
  const bool started = tls.start(clientCtx.get(), client.get(), "tls.test",
                                 TlsClock::now() + std::chrono::seconds(30), error);
  if (started && then) {
    then(tls);
  }
  shutdown(client.get(), SHUT_RDWR);
  serverThread.join();
  BOOST_CHECK_EQUAL(started, error.empty());
  return error;
}

// An error that earlier work (a config file, another connection) left in
// this thread's queue.
void leaveStaleError()
{
  ERR_raise(ERR_LIB_SSL, SSL_R_WRONG_VERSION_NUMBER);
  BOOST_REQUIRE(ERR_peek_error() != 0);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_tls_client_cc)

BOOST_AUTO_TEST_CASE(test_Start_HandshakeWithTlsPeer)
{
  const std::string error = handshakeWith(Peer::Tls);
  BOOST_CHECK_MESSAGE(error.empty(), "got error '" << error << "', want none");
}

BOOST_AUTO_TEST_CASE(test_Start_PlainTextPeerIsWrongVersion)
{
  const std::string error = handshakeWith(Peer::PlainText);
  BOOST_CHECK_MESSAGE(error.find("TLS handshake failed") == 0, "got '" << error << "'");
  BOOST_CHECK_MESSAGE(error.find("wrong version number") != std::string::npos,
                      "got '" << error << "', want the record layer's complaint");
}

BOOST_AUTO_TEST_CASE(test_Start_HangUpIsNamed)
{
  // No TLS error is queued for a peer that hangs up: the socket's own error
  // is the reason, not "unknown TLS error".
  const std::string error = handshakeWith(Peer::HangUp);
  BOOST_CHECK_MESSAGE(error == "TLS handshake failed: Broken pipe" ||
                          error == "TLS handshake failed: connection closed by the peer" ||
                          error == "TLS handshake failed: Connection reset by peer",
                      "got '" << error << "'");
}

BOOST_AUTO_TEST_CASE(test_Read_StaleQueuedErrorIsNotTakenForTheReadsOutcome)
{
  // SSL_get_error() reads the thread's error queue: an error left there by
  // earlier, unrelated work made a read that only had to wait fail at once,
  // with that old error as its reason. Nothing is sent, so the read waits
  // and its deadline, not the old error, ends it.
  const std::string outcome = handshakeWith(Peer::Tls, [&](TlsStream& tls) {
    leaveStaleError();
    tls.setDeadline(TlsClock::now() + std::chrono::milliseconds(50));
    std::string data;
    BOOST_CHECK(!tls.read(data, 100));
    BOOST_CHECK_EQUAL(tls.failure(), "timed out");
  });
  BOOST_CHECK_MESSAGE(outcome.empty(), "got handshake error '" << outcome << "'");
}

BOOST_AUTO_TEST_SUITE_END()
