// test-message_identity_cc.cc: the same message sent again in a new SMTP
// transaction has the same identity; a message without a single
// Message-ID has none; any field that differs makes another message; the
// key is a version 8 UUID.
#include <boost/test/unit_test.hpp>

#include "lib/core/message_identity.hh"

using namespace dmarc;

namespace
{
struct Attempt
{
  std::string messageId = "<1234.5678@sender.example>";
  std::string date = "Sat, 28 Nov 2026 12:00:00 +0000";
  std::string from = "Alice <alice@sender.example>";
  std::string mailFrom = "bounce@sender.example";
  std::vector<std::string> recipients{"bob@rcpt.example", "carol@rcpt.example"};
  std::string client = "198.51.100.7";

  std::optional<std::string> identity() const
  {
    MessageIdentity id;
    id.mailFrom(mailFrom);
    for (const auto& rcpt : recipients) {
      id.recipient(rcpt);
    }
    id.header("from", from);
    id.header("subject", "hello");
    id.header("date", date);
    id.header("message-id", messageId);
    return id.text(client);
  }
};
} // namespace

BOOST_AUTO_TEST_SUITE(test_message_identity_cc)

BOOST_AUTO_TEST_CASE(test_Identity_RetryIsTheSameMessage)
{
  Attempt first;
  Attempt retry;
  retry.recipients = {"carol@rcpt.example", "bob@rcpt.example"}; // another order
  retry.messageId = " <1234.5678@sender.example>\r\n";           // folded as received
  BOOST_REQUIRE(first.identity());
  BOOST_CHECK_EQUAL(*first.identity(), *retry.identity());
}

BOOST_AUTO_TEST_CASE(test_Identity_NoneWithoutASingleMessageId)
{
  MessageIdentity none;
  none.header("from", "a@b.example");
  BOOST_CHECK(!none.text("192.0.2.1"));
  MessageIdentity empty;
  empty.header("message-id", "  ");
  BOOST_CHECK(!empty.text("192.0.2.1"));
  MessageIdentity two;
  two.header("message-id", "<1@a.example>");
  two.header("message-id", "<2@a.example>");
  BOOST_CHECK(!two.text("192.0.2.1"));
}

BOOST_AUTO_TEST_CASE(test_Identity_AnyFieldMakesAnotherMessage)
{
  const auto base = *Attempt{}.identity();
  std::vector<std::pair<std::string, Attempt>> others(7);
  others[0].first = "Message-ID";
  others[0].second.messageId = "<other@sender.example>";
  others[1].first = "Date";
  others[1].second.date = "Sat, 28 Nov 2026 12:00:01 +0000";
  others[2].first = "From";
  others[2].second.from = "Alice <alice@other.example>";
  others[3].first = "MAIL FROM";
  others[3].second.mailFrom = "";
  others[4].first = "one recipient fewer";
  others[4].second.recipients.pop_back();
  others[5].first = "client";
  others[5].second.client = "198.51.100.8";
  // Length-prefixed fields: moving a character from one to the next does
  // not give the same text.
  others[6].first = "a character moved between fields";
  others[6].second.mailFrom = "bounce@sender.example1";
  others[6].second.client = "98.51.100.7";
  for (const auto& [what, attempt] : others) {
    BOOST_TEST_CONTEXT(what)
    {
      BOOST_CHECK_NE(*attempt.identity(), base);
    }
  }
}

BOOST_AUTO_TEST_CASE(test_KeyFromDigest_IsUuidVersion8)
{
  std::array<unsigned char, 32> digest{};
  digest.fill(0xff);
  BOOST_CHECK_EQUAL(MessageIdentity::keyFromDigest(digest), "ffffffff-ffff-8fff-bfff-ffffffffffff");
  digest.fill(0);
  BOOST_CHECK_EQUAL(MessageIdentity::keyFromDigest(digest), "00000000-0000-8000-8000-000000000000");
}

BOOST_AUTO_TEST_SUITE_END()
