// test-https_client_cc.cc: the HTTPS client adapter against an in-process
// TLS server on 127.0.0.1 with a throwaway certificate: what reaches the
// server (the request line, our fields, the body), how the response's
// framing is undone (Content-Length, chunking with extensions and trailer,
// an interim 100, the end of the connection), and every refusal (body and
// header bounds, a certificate for another name before anything is sent).
#include <arpa/inet.h>
#include <array>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sstream>
#include <sys/socket.h>
#include <thread>

#include <boost/test/unit_test.hpp>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "lib/adapters/c_handles.hh"
#include "reporting/transport/https_client.hh"
#include "tests/unit/loopback_listener.hh"
#include "tests/unit/self_signed_certificate.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
using PkeyPtr = CHandle<EVP_PKEY, &EVP_PKEY_free>;
using X509Ptr = CHandle<X509, &X509_free>;
using SslCtxPtr = CHandle<SSL_CTX, &SSL_CTX_free>;
using SslPtr = CHandle<SSL, &SSL_free>;

// A TLS server for "tls.test" that answers one connection with `reply` and
// keeps what the client sent.
class OneShotServer
{
public:
  explicit OneShotServer(std::string reply) : d_reply(std::move(reply))
  {
    std::signal(SIGPIPE, SIG_IGN); // as dmarc-reports does (main.cc)
    makeCertificate();
    d_listener = listenOnLoopback(4, d_port);
    d_thread = std::thread([this] { serve(); });
  }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;
  ~OneShotServer()
  {
    shutdown(d_listener.get(), SHUT_RDWR);
    d_thread.join();
  }

  TlsEndpoint endpoint(const std::string& host = "tls.test") const
  {
    return {host, {"127.0.0.1"}, d_port};
  }
  TlsClientOptions options() const
  {
    TlsClientOptions options;
    options.caFile = d_directory.path() + "/ca.pem";
    options.timeout = std::chrono::milliseconds(10000);
    options.connectTimeout = std::chrono::milliseconds(5000);
    return options;
  }
  // What arrived, once the exchange is over.
  const std::string& received() const { return d_received; }

private:
  void makeCertificate()
  {
    makeSelfSignedCertificate(d_key, d_cert, "tls.test", d_directory.path() + "/ca.pem");
  }

  void serve()
  {
    const FileDescriptor connection(accept(d_listener.get(), nullptr, nullptr));
    if (!connection.valid()) {
      return; // nobody came
    }
    SslCtxPtr context(SSL_CTX_new(TLS_server_method()));
    SSL_CTX_use_certificate(context.get(), d_cert.get());
    SSL_CTX_use_PrivateKey(context.get(), d_key.get());
    SslPtr ssl(SSL_new(context.get()));
    SSL_set_fd(ssl.get(), connection.get());
    if (SSL_accept(ssl.get()) != 1) {
      return; // the client refused our certificate
    }
    std::array<char, 4096> data{};
    while (!requestComplete()) {
      const int got = SSL_read(ssl.get(), data.data(), static_cast<int>(data.size()));
      if (got <= 0) {
        break;
      }
      d_received.append(data.data(), static_cast<std::size_t>(got));
    }
    SSL_write(ssl.get(), d_reply.data(), static_cast<int>(d_reply.size()));
    SSL_shutdown(ssl.get());
  }

  bool requestComplete() const
  {
    const auto end = d_received.find("\r\n\r\n");
    if (end == std::string::npos) {
      return false;
    }
    const auto length = d_received.find("Content-Length: ");
    if (length == std::string::npos || length > end) {
      return true;
    }
    return d_received.size() >= end + 4 + std::stoul(d_received.substr(length + 16));
  }

  TempDirectory d_directory;
  std::string d_reply;
  PkeyPtr d_key;
  X509Ptr d_cert;
  FileDescriptor d_listener;
  std::uint16_t d_port = 0;
  std::string d_received;
  std::thread d_thread;
};

HttpsResponse get(const std::string& reply, std::size_t maxBody = 1024)
{
  OneShotServer server(reply);
  HttpsRequest request;
  request.target = "/.well-known/mta-sts.txt";
  return httpsExchange(server.endpoint(), server.options(), request, maxBody);
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_https_client_cc)

BOOST_AUTO_TEST_CASE(test_Exchange_PostCarriesFieldsAndBody)
{
  OneShotServer server("HTTP/1.1 201 Created\r\nContent-Length: 7\r\n\r\nstored\n");
  std::istringstream body("report bytes");
  HttpsRequest request;
  request.method = "POST";
  request.target = "/reports?x=1";
  request.headers = {{"Content-Type", "application/gzip"}, {"Subject", "Report Domain: a"}};
  request.body = &body;
  request.bodyLength = 12;
  const HttpsResponse response = httpsExchange(server.endpoint(), server.options(), request, 1024);
  BOOST_REQUIRE_MESSAGE(response.complete, "got error " << response.error);
  BOOST_CHECK_EQUAL(response.status, 201);
  BOOST_CHECK_EQUAL(response.body, "stored\n");
  const std::string& sent = server.received();
  BOOST_CHECK_EQUAL(sent.substr(0, sent.find("\r\n")), "POST /reports?x=1 HTTP/1.1");
  for (const char* field : {"\r\nHost: tls.test:", "\r\nContent-Type: application/gzip\r\n",
                            "\r\nSubject: Report Domain: a\r\n", "\r\nContent-Length: 12\r\n",
                            "\r\nUser-Agent: dmarc-reports\r\n", "\r\nConnection: close\r\n"}) {
    BOOST_CHECK_MESSAGE(sent.find(field) != std::string::npos, "no " << field << " in " << sent);
  }
  BOOST_CHECK_MESSAGE(sent.find("Expect:") == std::string::npos, "sent " << sent);
  BOOST_CHECK_EQUAL(sent.substr(sent.size() - 12), "report bytes");
}

BOOST_AUTO_TEST_CASE(test_Exchange_ChunkedWithExtensionsAndTrailer)
{
  const HttpsResponse response =
      get("HTTP/1.1 200 OK\r\nContent-Type: Text/Plain\r\n"
          "Transfer-Encoding: chunked\r\n\r\n"
          "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n");
  BOOST_REQUIRE_MESSAGE(response.complete, "got error " << response.error);
  BOOST_CHECK_EQUAL(response.body, "hello world");
  BOOST_CHECK_EQUAL(response.contentType, "text/plain");
}

BOOST_AUTO_TEST_CASE(test_Exchange_InterimContinueAndClosedConnection)
{
  // The fields of the 100 are forgotten; a body without length ends with
  // the connection.
  const HttpsResponse response = get("HTTP/1.1 100 Continue\r\nContent-Type: a/b\r\n\r\n"
                                     "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end");
  BOOST_REQUIRE_MESSAGE(response.complete, "got error " << response.error);
  BOOST_CHECK_EQUAL(response.status, 200);
  BOOST_CHECK_EQUAL(response.contentType, "");
  BOOST_CHECK_EQUAL(response.body, "until the end");
}

BOOST_AUTO_TEST_CASE(test_Exchange_RedirectLocationKept)
{
  const HttpsResponse response =
      get("HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/\r\n"
          "Content-Length: 0\r\n\r\n");
  BOOST_CHECK_EQUAL(response.status, 302);
  BOOST_CHECK_EQUAL(response.location, "https://elsewhere.example/");
}

BOOST_AUTO_TEST_CASE(test_Exchange_BodyAndHeaderBounds)
{
  const HttpsResponse large =
      get("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x'));
  BOOST_CHECK(!large.complete);
  BOOST_CHECK(large.bodyTooLarge);
  BOOST_CHECK_EQUAL(large.status, 200);
  BOOST_CHECK_EQUAL(large.error, "response body larger than 1024 bytes");
  const HttpsResponse chunked = get("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
                                    std::string(2048, 'x') + "\r\n0\r\n\r\n");
  BOOST_CHECK(chunked.bodyTooLarge);
  const HttpsResponse header =
      get("HTTP/1.1 200 OK\r\nX-Big: " + std::string(20000, 'h') + "\r\nContent-Length: 0\r\n\r\n");
  BOOST_CHECK(!header.complete);
  BOOST_CHECK_EQUAL(header.error, "oversized HTTP response header");
}

BOOST_AUTO_TEST_CASE(test_Exchange_CertificateForAnotherNameSendsNothing)
{
  OneShotServer server("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
  const HttpsResponse response =
      httpsExchange(server.endpoint("other.test"), server.options(), HttpsRequest{}, 1024);
  BOOST_CHECK(!response.complete);
  BOOST_CHECK(response.certificateRejected);
  BOOST_CHECK_EQUAL(response.status, 0);
  BOOST_CHECK_MESSAGE(response.error.rfind("certificate of other.test not valid: ", 0) == 0,
                      "got " << response.error);
  BOOST_CHECK_EQUAL(server.received(), "");
}

BOOST_AUTO_TEST_SUITE_END()
