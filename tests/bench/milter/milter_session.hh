// milter_session.hh: the MTA side of one milter protocol (v6) connection.
//
// Speaks the protocol the way Postfix's milter8.c does: option negotiation,
// then per SMTP session CONNECT and HELO, and per message MAIL, RCPT, DATA,
// HEADER..., EOH, BODY chunks (<= 65535 bytes) and end of message, each with
// the macros Postfix defines at that stage. Steps the milter declined in the
// negotiation are not sent, and commands it asked not to answer (SMFIP_NR_*)
// are written back to back without waiting, so the client costs as little
// as the protocol allows. Trusts nothing the milter sends: every reply is
// length-checked (at most 1 MB, per SMFIP_MDS_1M) and a protocol error ends
// the session with an exception.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "tests/bench/milter/bench_corpus.hh"

namespace dmarc::bench
{
// What one milter decided about one message.
struct MilterOutcome
{
  char action =
      'c'; // a accept, c continue (= accept at eom), r reject, t tempfail, d discard, y reply
  std::string reply; // text of an SMFIR_REPLYCODE
  bool quarantined = false;
  // Header edits, in the order received: 'h' add, 'i' insert (index), 'm' change (index).
  struct HeaderEdit
  {
    char kind;
    std::uint32_t index;
    std::string name;
    std::string value;
  };
  std::vector<HeaderEdit> edits;
};

class MilterSession
{
public:
  // spec: unix:/path, local:/path or inet:port@host (IPv4). Connects and negotiates.
  // writeEach: one write(2) per protocol packet, as Postfix flushes each
  // milter command; otherwise the packets before a reply go out in one write.
  explicit MilterSession(const std::string& spec, bool writeEach = false);
  ~MilterSession();
  MilterSession(const MilterSession&) = delete;
  MilterSession& operator=(const MilterSession&) = delete;

  // SMTP-session level: CONNECT (+ macros) and HELO.
  void beginSession(const CorpusMessage& first, const std::string& hostname);
  // One message; headers may differ from message.headers (a chain adds the
  // previous milter's header), so they are passed separately. rcptTo is
  // the corpus recipient made unique per send (see bench_client.cc).
  MilterOutcome sendMessage(const CorpusMessage& message,
                            const std::vector<std::pair<std::string, std::string>>& headers,
                            const std::string& queueId, const std::string& rcptTo);
  // SMFIC_QUIT and close.
  void quit();

  std::uint32_t protocolFlags() const { return d_protocol; }

private:
  void queue(char command, const std::string& data);
  void queueMacros(char stage, const std::vector<std::pair<std::string, std::string>>& macros);
  void flush();
  // Flushes, then reads one reply packet.
  std::pair<char, std::string> readReply();
  // Sends command and, unless noReplyFlag was negotiated, reads its reply;
  // returns the reply code ('c' when none is expected).
  char command(char cmd, const std::string& data, std::uint32_t noReplyFlag, std::string* reply);
  void readExact(char* out, std::size_t size);

  int d_fd = -1;
  bool d_writeEach = false;
  std::uint32_t d_protocol = 0;
  bool d_sessionDone = false; // the milter accepted or refused the whole SMTP session
  std::uint32_t d_actions = 0;
  std::string d_out;
  std::string d_in;
  std::size_t d_inPos = 0;
};
} // namespace dmarc::bench
