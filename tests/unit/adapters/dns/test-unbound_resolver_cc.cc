// test-unbound_resolver_cc.cc: UnboundResolver against a real unbound on
// 127.0.0.1 (tests/unit/adapters/dns/loopback_unbound.hh): the four answer kinds, record
// formats, the bounds on hostile answers, timeouts, DNSSEC bogus answers,
// concurrent use from many threads, and Nameservers parsing.
#include <atomic>
#include <chrono>
#include <fstream>
#include <sys/socket.h>
#include <thread>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/cpu_gate.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/core/error.hh"
#include "tests/unit/adapters/dns/dnssec_zone.hh"
#include "tests/unit/adapters/dns/loopback_unbound.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
std::string longTxt(std::size_t size)
{
  // One TXT record made of 255-octet character-strings.
  std::string data = "local-data: 'big.example.dmtest. 300 IN TXT";
  std::size_t left = size;
  while (left > 0) {
    std::size_t chunk = std::min<std::size_t>(left, 200);
    data += " \"" + std::string(chunk, 'x') + "\"";
    left -= chunk;
  }
  return data + "'";
}

std::vector<std::string> zone()
{
  std::vector<std::string> lines = {
      "local-zone: \"example.dmtest.\" static",
      "local-data: 'example.dmtest. 300 IN TXT \"v=spf1 \" \"ip4:192.0.2.1 -all\"'",
      "local-data: \"example.dmtest. 300 IN MX 10 mail.example.dmtest.\"",
      "local-data: \"mail.example.dmtest. 300 IN A 192.0.2.25\"",
      "local-data: \"mail.example.dmtest. 300 IN AAAA 2001:db8::25\"",
      "local-data: \"sub.deep.example.dmtest. 300 IN A 192.0.2.7\"",
      "local-data: \"alias.example.dmtest. 300 IN CNAME mail.example.dmtest.\"",
      "local-data: \"nullmx.example.dmtest. 300 IN MX 0 .\"",
      "local-zone: \"0.0.11.in-addr.arpa.\" static",
      "local-data: \"25.0.0.11.in-addr.arpa. 300 IN PTR mail.example.dmtest.\"",
      "local-zone: \"refused.dmtest.\" refuse",
      longTxt(3000),
  };
  for (int i = 0; i < 12; ++i) {
    lines.push_back("local-data: \"many.example.dmtest. 300 IN A 192.0.2." + std::to_string(i + 1) +
                    "\"");
  }
  // A chain of 10 CNAMEs: c0 -> c1 -> ... -> c10 (A).
  for (int i = 0; i < 10; ++i) {
    lines.push_back("local-data: \"c" + std::to_string(i) + ".example.dmtest. 300 IN CNAME c" +
                    std::to_string(i + 1) + ".example.dmtest.\"");
  }
  lines.push_back("local-data: \"c10.example.dmtest. 300 IN A 192.0.2.10\"");
  return lines;
}

struct ServerFixture
{
  ServerFixture() : server(zone()) {}
  UnboundResolverOptions options() const
  {
    UnboundResolverOptions result;
    result.nameservers = {server.nameserver()};
    result.queryTimeout = std::chrono::milliseconds(5000);
    return result;
  }
  dmarc::test::LoopbackUnbound server;
};

// A UDP socket that receives queries and never answers.
struct SilentServer
{
  SilentServer()
  {
    fd = ::socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(fd); }
  int fd = -1;
  unsigned port = 0;
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_unbound_resolver_cc)

BOOST_FIXTURE_TEST_CASE(test_Query_DataNoDataNxDomain, ServerFixture)
{
  UnboundResolver resolver(options());
  // RFC 7208 §3.3: the character-strings of one TXT record are joined.
  auto txt = resolver.query("example.dmtest", DnsType::TXT);
  BOOST_REQUIRE_MESSAGE(txt.status == DnsStatus::Data,
                        "got " << toString(txt.status) << " (" << txt.error << "), want data");
  BOOST_REQUIRE_EQUAL(txt.records.size(), 1u);
  BOOST_CHECK_EQUAL(txt.records[0], "v=spf1 ip4:192.0.2.1 -all");

  auto nodata = resolver.query("example.dmtest", DnsType::A);
  BOOST_CHECK_MESSAGE(nodata.status == DnsStatus::NoData,
                      "got " << toString(nodata.status) << ", want nodata");
  BOOST_CHECK(nodata.isAnswer());

  // An empty non-terminal exists (RFC 8020): NODATA, not NXDOMAIN.
  auto ent = resolver.query("deep.example.dmtest.", DnsType::TXT);
  BOOST_CHECK_MESSAGE(ent.status == DnsStatus::NoData,
                      "got " << toString(ent.status) << ", want nodata");

  auto nx = resolver.query("nothing.example.dmtest", DnsType::TXT);
  BOOST_CHECK_MESSAGE(nx.status == DnsStatus::NxDomain,
                      "got " << toString(nx.status) << ", want nxdomain");
  BOOST_CHECK(nx.isAnswer());
  BOOST_CHECK(!nx.secure);
  BOOST_CHECK(!nx.bogus);
}

BOOST_FIXTURE_TEST_CASE(test_Query_RecordFormats, ServerFixture)
{
  UnboundResolver resolver(options());
  auto a = resolver.query("mail.example.dmtest", DnsType::A);
  BOOST_REQUIRE(a.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(a.records.at(0), "192.0.2.25");
  auto aaaa = resolver.query("mail.example.dmtest", DnsType::AAAA);
  BOOST_REQUIRE(aaaa.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(aaaa.records.at(0), "2001:db8::25");
  auto mx = resolver.query("EXAMPLE.dmtest", DnsType::MX);
  BOOST_REQUIRE_MESSAGE(mx.status == DnsStatus::Data, toString(mx.status) << " " << mx.error);
  BOOST_CHECK_EQUAL(mx.records.at(0), "10 mail.example.dmtest");
  // RFC 7505 null MX: the root as exchange.
  auto nullMx = resolver.query("nullmx.example.dmtest", DnsType::MX);
  BOOST_REQUIRE(nullMx.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(nullMx.records.at(0), "0 .");
  auto ptr = resolver.query("25.0.0.11.in-addr.arpa", DnsType::PTR);
  BOOST_REQUIRE(ptr.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(ptr.records.at(0), "mail.example.dmtest");
  // A CNAME is followed: the answer holds the target's addresses.
  auto alias = resolver.query("alias.example.dmtest", DnsType::A);
  BOOST_REQUIRE(alias.status == DnsStatus::Data);
  BOOST_CHECK_EQUAL(alias.records.at(0), "192.0.2.25");
  auto big = resolver.query("big.example.dmtest", DnsType::TXT);
  BOOST_REQUIRE_MESSAGE(big.status == DnsStatus::Data, big.error);
  BOOST_CHECK_EQUAL(big.records.at(0).size(), 3000u);
}

BOOST_FIXTURE_TEST_CASE(test_Query_RefusedIsFailure, ServerFixture)
{
  UnboundResolver resolver(options());
  auto refused = resolver.query("x.refused.dmtest", DnsType::TXT);
  BOOST_CHECK_MESSAGE(refused.status == DnsStatus::Failure,
                      "got " << toString(refused.status) << ", want failure");
  BOOST_CHECK(!refused.isAnswer());
  BOOST_CHECK(!refused.error.empty());
}

BOOST_FIXTURE_TEST_CASE(test_Query_BoundsOnHostileAnswers, ServerFixture)
{
  auto opts = options();
  opts.maxTxtBytes = 2048;
  opts.maxRecords = 10;
  opts.maxCnameChain = 8;
  UnboundResolver resolver(opts);
  auto big = resolver.query("big.example.dmtest", DnsType::TXT);
  BOOST_CHECK_MESSAGE(big.status == DnsStatus::Failure,
                      "3000-byte TXT: got " << toString(big.status) << ", want failure");
  auto many = resolver.query("many.example.dmtest", DnsType::A);
  BOOST_CHECK_MESSAGE(many.status == DnsStatus::Failure,
                      "12 records: got " << toString(many.status) << ", want failure");
  auto chain = resolver.query("c0.example.dmtest", DnsType::A);
  BOOST_CHECK_MESSAGE(chain.status == DnsStatus::Failure,
                      "10 CNAMEs: got " << toString(chain.status) << ", want failure");
  // Within the bounds the same names answer.
  auto shortChain = resolver.query("c3.example.dmtest", DnsType::A);
  BOOST_CHECK_MESSAGE(shortChain.status == DnsStatus::Data,
                      "7 CNAMEs: got " << toString(shortChain.status) << " " << shortChain.error);

  opts.maxAnswerBytes = 512;
  UnboundResolver small(opts);
  auto tooLarge = small.query("many.example.dmtest", DnsType::A);
  BOOST_CHECK(tooLarge.status == DnsStatus::Failure);
}

BOOST_FIXTURE_TEST_CASE(test_Query_NamesThatCannotBeSent, ServerFixture)
{
  UnboundResolver resolver(options());
  // RFC 1035 §2.3.4: labels up to 63 octets, names up to 253.
  BOOST_CHECK(resolver.query(std::string(64, 'a') + ".example.dmtest", DnsType::A).status ==
              DnsStatus::Failure);
  BOOST_CHECK(resolver.query("a..example.dmtest", DnsType::A).status == DnsStatus::Failure);
  std::string longName;
  for (int i = 0; i < 60; ++i) {
    longName += "abcd.";
  }
  BOOST_CHECK(resolver.query(longName + "example.dmtest", DnsType::A).status == DnsStatus::Failure);
  // Odd bytes from a macro expansion are queried literally, never parsed
  // as unbound escapes or quotes.
  std::string odd = std::string("a\\\"b ;c") + '\0' + "d.example.dmtest";
  auto answer = resolver.query(odd, DnsType::A);
  BOOST_CHECK_MESSAGE(answer.status == DnsStatus::NxDomain,
                      "got " << toString(answer.status) << " " << answer.error);
}

BOOST_AUTO_TEST_CASE(test_Query_TimeoutIsFailureWithinBound)
{
  SilentServer silent;
  UnboundResolverOptions opts;
  opts.nameservers = {"127.0.0.1@" + std::to_string(silent.port)};
  opts.queryTimeout = std::chrono::milliseconds(300);
  UnboundResolver resolver(opts);
  auto start = std::chrono::steady_clock::now();
  auto answer = resolver.query("example.dmtest", DnsType::TXT);
  auto elapsed = std::chrono::steady_clock::now() - start;
  BOOST_CHECK_MESSAGE(answer.status == DnsStatus::Failure,
                      "got " << toString(answer.status) << ", want failure");
  BOOST_CHECK(elapsed >= std::chrono::milliseconds(300));
  BOOST_CHECK_MESSAGE(
      elapsed < std::chrono::milliseconds(2000),
      "took " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms, want about 300");
  // A shorter explicit bound (the DNS budget's) wins over queryTimeout.
  start = std::chrono::steady_clock::now();
  answer = resolver.query("example.dmtest", DnsType::A, std::chrono::milliseconds(50));
  elapsed = std::chrono::steady_clock::now() - start;
  BOOST_CHECK(answer.status == DnsStatus::Failure);
  BOOST_CHECK_MESSAGE(
      elapsed < std::chrono::milliseconds(290),
      "took " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
              << " ms, want about 50");
}

BOOST_AUTO_TEST_CASE(test_Query_WaitForNetworkGivesUpCpuSlot)
{
  // A message waiting for a DNS answer must not keep end-of-message work
  // of other messages from running (cpu_gate.hh): while the query waits on
  // a server that never answers, another thread gets the only slot.
  SilentServer silent;
  UnboundResolverOptions opts;
  opts.nameservers = {"127.0.0.1@" + std::to_string(silent.port)};
  opts.queryTimeout = std::chrono::milliseconds(1500);
  UnboundResolver resolver(opts);
  CpuGate gate(1);
  std::atomic<bool> holding{false};
  std::atomic<bool> queryDone{false};
  std::atomic<bool> enteredDuringQuery{false};
  DnsAnswer answer;
  std::thread waiter([&] {
    CpuGate::Slot slot(gate);
    holding = true;
    answer = resolver.query("example.dmtest", DnsType::TXT);
    queryDone = true;
  });
  while (!holding) {
    std::this_thread::yield();
  }
  std::thread other([&] {
    CpuGate::Slot slot(gate); // without OffCpuScope: only after the timeout
    enteredDuringQuery = !queryDone.load();
  });
  other.join();
  waiter.join();
  BOOST_CHECK_MESSAGE(enteredDuringQuery.load(),
                      "the other thread got the slot only after the query ended");
  BOOST_CHECK(answer.status == DnsStatus::Failure);
  BOOST_CHECK_MESSAGE(gate.holders() == 0u, "got " << gate.holders() << " holders at the end");
}

BOOST_FIXTURE_TEST_CASE(test_Query_DnssecBogusWithTrustAnchor, ServerFixture)
{
  // A trust anchor for example.dmtest. while the server answers unsigned:
  // every answer under it must be bogus, hence Failure (RFC 4035 §5.5).
  TempDirectory dir;
  std::string path = dir.path() + "/anchor";
  {
    std::ofstream ta(path);
    ta << "example.dmtest. IN DS 12345 13 2 "
          "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
  }
  auto opts = options();
  opts.trustAnchorFile = path;
  UnboundResolver resolver(opts);
  auto answer = resolver.query("example.dmtest", DnsType::TXT);
  BOOST_CHECK_MESSAGE(answer.status == DnsStatus::Failure,
                      "got " << toString(answer.status) << ", want failure");
  BOOST_CHECK(answer.bogus);
  BOOST_CHECK(!answer.secure);
}

BOOST_AUTO_TEST_CASE(test_Query_DnssecSecureWithTrustAnchor)
{
  // A zone signed in the test (tests/unit/adapters/dns/dnssec_zone.hh), served by the
  // loopback unbound as an auth-zone; with its DS as trust anchor the
  // answer validates: secure, not bogus (RFC 4035 §4.3).
  auto zone = test::makeSignedZone("signed.dmtest", "v=spf1 -all");
  TempDirectory dir;
  std::string zonePath = dir.path() + "/signed.zone";
  std::string anchorPath = dir.path() + "/anchor";
  std::ofstream(zonePath) << zone.zoneFile;
  std::ofstream(anchorPath) << zone.trustAnchor;
  {
    test::LoopbackUnbound server({"local-zone: \"signed.dmtest.\" transparent", "auth-zone:",
                                  "  name: \"signed.dmtest.\"", "  zonefile: \"" + zonePath + "\"",
                                  "  for-downstream: yes", "  for-upstream: no", "server:"});
    UnboundResolverOptions opts;
    opts.nameservers = {server.nameserver()};
    opts.trustAnchorFile = anchorPath;
    UnboundResolver resolver(opts);
    auto answer = resolver.query("signed.dmtest", DnsType::TXT);
    BOOST_CHECK_MESSAGE(answer.status == DnsStatus::Data, "got " << toString(answer.status) << " ("
                                                                 << answer.error << ")\n"
                                                                 << server.log());
    BOOST_CHECK(answer.secure);
    BOOST_CHECK(!answer.bogus);
    // Without the trust anchor the same answer is merely insecure.
    opts.trustAnchorFile.clear();
    UnboundResolver plain(opts);
    auto insecure = plain.query("signed.dmtest", DnsType::TXT);
    BOOST_CHECK(insecure.status == DnsStatus::Data);
    BOOST_CHECK(!insecure.secure);
  }
}

BOOST_FIXTURE_TEST_CASE(test_Query_ConcurrentThreadsShareOneContext, ServerFixture)
{
  UnboundResolver resolver(options());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto answer =
            (i + t) % 2 == 0
                ? resolver.query("mail.example.dmtest", DnsType::A)
                : resolver.query("nx" + std::to_string(i) + ".example.dmtest", DnsType::A);
        bool ok = (i + t) % 2 == 0 ? answer.status == DnsStatus::Data &&
                                         answer.records == std::vector<std::string>{"192.0.2.25"}
                                   : answer.status == DnsStatus::NxDomain;
        if (!ok) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  BOOST_CHECK_EQUAL(wrong.load(), 0);
}

BOOST_FIXTURE_TEST_CASE(test_Query_AnswerTableStaysCorrectWhenFull, ServerFixture)
{
  // A table of 2 entries for 4 names: every round overflows and clears it,
  // and every answer must still be the server's.
  auto opts = options();
  opts.cacheEntries = 2;
  UnboundResolver resolver(opts);
  for (int round = 0; round < 3; ++round) {
    BOOST_CHECK(resolver.query("mail.example.dmtest", DnsType::A).records ==
                std::vector<std::string>{"192.0.2.25"});
    BOOST_CHECK(resolver.query("MAIL.example.dmtest.", DnsType::AAAA).records ==
                std::vector<std::string>{"2001:db8::25"});
    BOOST_CHECK(resolver.query("nx.example.dmtest", DnsType::A).status == DnsStatus::NxDomain);
    BOOST_CHECK(resolver.query("example.dmtest", DnsType::A).status == DnsStatus::NoData);
  }
}

BOOST_AUTO_TEST_CASE(test_Constructor_BadConfigurationThrows)
{
  UnboundResolverOptions opts;
  opts.resolvConf = "/nonexistent/resolv.conf";
  BOOST_CHECK_THROW(UnboundResolver{opts}, ConfigError);
  UnboundResolverOptions ta;
  ta.nameservers = {"127.0.0.1@53"};
  ta.trustAnchorFile = "/nonexistent/anchor";
  BOOST_CHECK_THROW(UnboundResolver{ta}, ConfigError);
  UnboundResolverOptions bad;
  bad.nameservers = {"resolver.example"};
  BOOST_CHECK_THROW(UnboundResolver{bad}, ConfigError);
}

BOOST_AUTO_TEST_CASE(test_ParseNameserver_AddressAndPort)
{
  auto plain = parseNameserver("192.0.2.53");
  BOOST_CHECK_EQUAL(plain.address, "192.0.2.53");
  BOOST_CHECK_EQUAL(plain.port, 53);
  auto withPort = parseNameserver("127.0.0.1@5353");
  BOOST_CHECK_EQUAL(withPort.port, 5353);
  BOOST_CHECK_EQUAL(withPort.toUnbound(), "127.0.0.1@5353");
  auto v6 = parseNameserver("2001:db8::53@853");
  BOOST_CHECK_EQUAL(v6.address, "2001:db8::53");
  BOOST_CHECK_EQUAL(v6.port, 853);
  for (const char* bad : {"", "@53", "127.0.0.1@", "127.0.0.1@0", "127.0.0.1@65536",
                          "127.0.0.1@53x", "ns.example.com", "127.0.0.1:53"}) {
    BOOST_CHECK_THROW(parseNameserver(bad), ConfigError);
  }
}

BOOST_AUTO_TEST_SUITE_END()
