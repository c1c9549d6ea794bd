// test-metrics_listener_cc.cc: GET /metrics answers the rendered page with
// the exposition format's content type; other paths and methods are
// refused; a port in use is a clear error.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/metrics_listener.hh"
#include "lib/core/error.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_metrics_listener_cc)

namespace
{
ListenAddress loopbackAnyPort()
{
  std::string error;
  auto address = parseListenAddress("127.0.0.1:1", error);
  address->port = 0; // the kernel picks a free one
  return *address;
}

// Sends `request` to 127.0.0.1:port and returns the whole answer.
std::string exchange(unsigned port, const std::string& request)
{
  FileDescriptor fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  BOOST_REQUIRE(::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  BOOST_REQUIRE(::write(fd.get(), request.data(), request.size()) ==
                static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  ssize_t got;
  while ((got = ::read(fd.get(), buffer, sizeof buffer)) > 0) {
    answer.append(buffer, static_cast<std::size_t>(got));
  }
  return answer;
}
} // namespace

BOOST_AUTO_TEST_CASE(test_Get_ServesThePage)
{
  MetricsListener listener(loopbackAnyPort());
  BOOST_REQUIRE(listener.port() != 0);
  int renders = 0;
  listener.start([&renders] {
    ++renders;
    return std::string("x_total 1\n");
  });
  auto answer =
      exchange(listener.port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_CHECK_MESSAGE(answer.rfind("HTTP/1.1 200", 0) == 0, answer);
  BOOST_CHECK(answer.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n") !=
              std::string::npos);
  BOOST_CHECK(answer.ends_with("\r\n\r\nx_total 1\n"));
  BOOST_CHECK_EQUAL(renders, 1);
  auto missing =
      exchange(listener.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  BOOST_CHECK_MESSAGE(missing.rfind("HTTP/1.1 404", 0) == 0, missing);
  auto post = exchange(listener.port(), "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                                        "Content-Length: 0\r\n\r\n");
  BOOST_CHECK_MESSAGE(post.rfind("HTTP/1.1 405", 0) == 0, post);
}

BOOST_AUTO_TEST_CASE(test_PortInUse_Refused)
{
  MetricsListener first(loopbackAnyPort());
  auto taken = loopbackAnyPort();
  taken.port = static_cast<std::uint16_t>(first.port());
  try {
    MetricsListener second(taken);
    BOOST_FAIL("a second listener bound the same port");
  } catch (const Error& error) {
    std::string what = error.what();
    BOOST_CHECK_MESSAGE(what.find("cannot listen on 127.0.0.1:") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find("Address already in use") != std::string::npos, what);
  }
}

BOOST_AUTO_TEST_SUITE_END()
