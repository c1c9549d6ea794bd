// test-body_hash_pool_cc.cc: body hashes shared between the verifiers of
// one message: each canonicalisation and length hashed once, whoever
// feeds first; DkimBodyHash's l= (the DKIM and ARC verifiers sharing a
// pool are tested in test-arc_verifier_cc.cc).
#include <boost/test/unit_test.hpp>

#include "lib/adapters/dkim/body_hash_pool.hh"

using namespace dmarc;

BOOST_AUTO_TEST_SUITE(test_body_hash_pool_cc)

namespace
{
std::string alone(DkimCanon canon, std::string_view body,
                  std::optional<std::uint64_t> limit = std::nullopt)
{
  DkimBodyHash hash(canon, limit);
  hash.update(body);
  return hash.finish();
}
} // namespace

BOOST_AUTO_TEST_CASE(test_request_SameKindShared)
{
  BodyHashPool pool;
  auto relaxed = pool.request(DkimCanon::Relaxed);
  auto again = pool.request(DkimCanon::Relaxed);
  auto simple = pool.request(DkimCanon::Simple);
  auto limited = pool.request(DkimCanon::Relaxed, 10);
  BOOST_REQUIRE(relaxed && again && simple && limited);
  BOOST_CHECK_EQUAL(*relaxed, *again);
  BOOST_CHECK_EQUAL(pool.hashCount(), 3U);
  const std::string body = "Hello  world \r\n\r\nsecond line\r\n\r\n";
  pool.update(0, body.substr(0, 7));
  BOOST_CHECK(!pool.request(DkimCanon::Simple, 3)); // too late: bytes were hashed
  pool.update(7, body.substr(7));
  BOOST_CHECK_EQUAL(pool.result(*relaxed), alone(DkimCanon::Relaxed, body));
  BOOST_CHECK_EQUAL(pool.result(*simple), alone(DkimCanon::Simple, body));
  BOOST_CHECK_EQUAL(pool.result(*limited), alone(DkimCanon::Relaxed, body, 10));
  BOOST_CHECK_NE(pool.result(*limited), pool.result(*relaxed));
}

BOOST_AUTO_TEST_CASE(test_update_TwoFeedersHashOnce)
{
  BodyHashPool pool;
  auto id = pool.request(DkimCanon::Simple);
  const std::string body = "line one\r\nline two\r\n";
  // Two feeders with different chunk sizes, interleaved.
  std::uint64_t a = 0;
  std::uint64_t b = 0;
  while (a < body.size() || b < body.size()) {
    if (a < body.size()) {
      std::string_view chunk = std::string_view(body).substr(a, 3);
      pool.update(a, chunk);
      a += chunk.size();
    }
    if (b < body.size()) {
      std::string_view chunk = std::string_view(body).substr(b, 5);
      pool.update(b, chunk);
      b += chunk.size();
    }
  }
  BOOST_CHECK_EQUAL(pool.bytesHashed(), body.size());
  BOOST_CHECK_EQUAL(pool.result(*id), alone(DkimCanon::Simple, body));
}

BOOST_AUTO_TEST_CASE(test_DkimBodyHash_LengthLimit)
{
  // RFC 6376 §3.4.4 relaxed "a  b\r\n" is "a b\r\n"; l=3 hashes "a b".
  BOOST_CHECK_EQUAL(alone(DkimCanon::Relaxed, "a  b\r\n", 3), alone(DkimCanon::Simple, "a b", 3));
  BOOST_CHECK_EQUAL(alone(DkimCanon::Simple, "abc\r\n", 0), alone(DkimCanon::Simple, "xyz", 0));
  BOOST_CHECK_EQUAL(alone(DkimCanon::Simple, "abc\r\n", 1000), alone(DkimCanon::Simple, "abc\r\n"));
}

BOOST_AUTO_TEST_SUITE_END()
