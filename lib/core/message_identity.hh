// message_identity.hh: what makes two SMTP transactions the same message,
// so that a message whose verdict was stored but never answered (the
// milter killed, the MTA's connection to it lost) keeps one history row
// when its sender tries again, instead of a second one that aggregate
// reports would count twice.
//
// A retry is a new SMTP transaction: a new connection, a new queue id (an
// MTA names each transaction anew; Postfix's {i} is never the same), after
// minutes or hours. What stays the same is what the message's author and
// the sending MTA wrote once: the header fields Message-ID, Date and From,
// the envelope (MAIL FROM and the RCPT TO addresses, in any order) and the
// client address. The identity is all of these, and exists only for a
// message with exactly one Message-ID: without one nothing says that two
// transactions carry the same message, and each keeps its own row. The
// Date field stands in for a time window: a sender that reuses a
// Message-ID for different messages still dates them apart.
//
// Not recognised (each attempt keeps its own row): a retry from another
// address of the sender, or with fewer recipients (a sender that splits
// them); two transactions that agree on everything above count once.
//
// Pure: the caller hashes text() with SHA-256 and turns the digest into
// the row's key with keyFromDigest().
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dmarc
{
class MessageIdentity
{
public:
  // A header field of the message (`name` in any case).
  void header(std::string_view name, std::string_view value);
  void mailFrom(std::string_view address);  // without angle brackets
  void recipient(std::string_view address); // without angle brackets

  // The identity as text (length-prefixed fields: no two identities give
  // the same text), or nothing when the message has no single Message-ID.
  std::optional<std::string> text(std::string_view clientIp) const;

  // A UUID (version 8, RFC 9562 §5.8) in text form from the first 16
  // bytes of the SHA-256 of text(). Random keys are version 4, so the two
  // kinds never meet.
  static std::string keyFromDigest(const std::array<unsigned char, 32>& digest);

private:
  unsigned d_messageIds = 0;
  std::string d_messageId;
  std::optional<std::string> d_date;
  std::optional<std::string> d_from;
  std::string d_mailFrom;
  std::vector<std::string> d_recipients;
};

// The 36-character text form of a UUID's 16 bytes (lower-case hex).
std::string uuidText(const unsigned char* bytes);
} // namespace dmarc
