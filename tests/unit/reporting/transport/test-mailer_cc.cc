// test-mailer_cc.cc: the sendmail transport passes the message on stdin
// with -f, and maps exit statuses to delivered / temporary / permanent.
// The "MTA" is a shell script in a temp dir, so the test is hermetic.
// The SMTP transport talks to a scripted relay in a thread on 127.0.0.1:
// what it sends (envelope, CRLF lines, dot-stuffing), what it makes of
// the relay's replies (a refused recipient among accepted ones, all
// refused, the reply that is logged), and how messages share a session.
#include <algorithm>
#include <arpa/inet.h>
#include <csignal>
#include <fstream>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <thread>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/adapters/c_handles.hh"
#include "lib/core/error.hh"
#include "reporting/transport/mailer.hh"
#include "tests/unit/loopback_listener.hh"
#include "tests/unit/smtp_lines.hh"
#include "tests/unit/temp_directory.hh"

using namespace dmarc;

namespace
{
// A temp dir that holds the fake sendmail script and the message file.
struct ScriptDir : TempDirectory
{
  std::string script(const std::string& body)
  {
    std::string file = path() + "/fake-sendmail";
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    ::chmod(file.c_str(), 0755);
    return file;
  }
  std::string message(const std::string& text)
  {
    std::string file = path() + "/message.eml";
    std::ofstream(file) << text;
    return file;
  }
};

// A plain SMTP relay, one session at a time until finish(): refuses RCPT
// for addresses starting with "bad", keeps the commands and the message
// data it was given. With `hangUpOnNextMail` it closes a session without a
// word when a second MAIL comes on it, as a relay whose idle time-out ends a
// kept session just when the client starts its next message.
class ScriptedRelay
{
public:
  explicit ScriptedRelay(bool hangUpOnNextMail = false) : d_hangUp(hangUpOnNextMail)
  {
    std::signal(SIGPIPE, SIG_IGN);
    d_listener = listenOnLoopback(1, d_port);
    d_thread = std::thread([this] { serve(); });
  }
  ScriptedRelay(const ScriptedRelay&) = delete;
  ScriptedRelay& operator=(const ScriptedRelay&) = delete;
  ~ScriptedRelay() { finish(); }

  SmtpOptions options() const
  {
    SmtpOptions options;
    options.port = std::to_string(d_port);
    options.tls = SmtpTls::None;
    options.heloName = "reporter.test";
    options.timeout = std::chrono::seconds(10);
    return options;
  }
  // Waits for the session in progress to end (the mailer's QUIT).
  void finish()
  {
    if (d_thread.joinable()) {
      shutdown(d_listener.get(), SHUT_RDWR);
      d_thread.join();
    }
  }
  std::vector<std::string> commands;
  std::string data;
  int sessions = 0;

private:
  void serve()
  {
    while (true) {
      const FileDescriptor connection(accept(d_listener.get(), nullptr, nullptr));
      if (!connection.valid()) {
        return;
      }
      ++sessions;
      session(connection.get());
    }
  }
  void session(int fd)
  {
    SmtpLines smtp(fd);
    auto say = [&](const std::string& reply) { BOOST_CHECK(smtp.say(reply)); };
    say("220 relay.test ESMTP");
    bool hadMessage = false;
    std::string line;
    while (smtp.readLine(line)) {
      commands.push_back(line);
      const std::string verb = line.substr(0, 4);
      if (verb == "EHLO") {
        say("250-relay.test\r\n250 8BITMIME");
      } else if (verb == "MAIL" && hadMessage && d_hangUp) {
        d_hangUp = false;
        return;
      } else if (verb == "RCPT") {
        say(line.find("<bad") != std::string::npos ? "550 5.1.1 no such user" : "250 2.1.5 Ok");
      } else if (verb == "DATA") {
        say("354 go ahead");
        while (smtp.readLine(line) && line != ".") {
          data += line + "\r\n";
        }
        hadMessage = true;
        say("250 2.0.0 Ok: queued as ABC123");
      } else if (verb == "QUIT") {
        say("221 2.0.0 Bye");
        return;
      } else {
        say("250 2.1.0 Ok");
      }
    }
  }
  bool d_hangUp;
  FileDescriptor d_listener;
  std::uint16_t d_port = 0;
  std::thread d_thread;
};

std::string slurp(const std::string& file)
{
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}
} // namespace

BOOST_AUTO_TEST_SUITE(test_mailer_cc)

BOOST_AUTO_TEST_CASE(test_Sendmail_PassesMessageAndSender)
{
  ScriptDir dir;
  std::string fake =
      dir.script("echo \"$@\" > " + dir.path() + "/args; cat > " + dir.path() + "/got");
  SendmailMailer mailer(fake + " -t -oi");
  auto delivery =
      mailer.send("reports@r.example", {"rua@example.com"}, dir.message("Subject: x\n\nbody\n"));
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK_EQUAL(slurp(dir.path() + "/got"), "Subject: x\n\nbody\n");
  BOOST_CHECK_EQUAL(slurp(dir.path() + "/args"), "-f reports@r.example -t -oi\n");
}

BOOST_AUTO_TEST_CASE(test_Sendmail_WithoutT_NamesRecipients)
{
  ScriptDir dir;
  std::string fake = dir.script("echo \"$@\" > " + dir.path() + "/args; cat > /dev/null");
  SendmailMailer mailer(fake + " -oi");
  mailer.send("reports@r.example", {"rua@example.com"}, dir.message("x\n"));
  BOOST_CHECK_EQUAL(slurp(dir.path() + "/args"), "-f reports@r.example -oi -- rua@example.com\n");
}

BOOST_AUTO_TEST_CASE(test_Sendmail_ExitStatuses)
{
  ScriptDir dir;
  auto message = dir.message("x\n");
  auto outcome = [&](int code) {
    SendmailMailer mailer(dir.script("cat > /dev/null; exit " + std::to_string(code)));
    return mailer.send("a@r.example", {"b@example.com"}, message).outcome;
  };
  BOOST_CHECK(outcome(EX_TEMPFAIL) == Delivery::Outcome::Tempfail);
  BOOST_CHECK(outcome(EX_NOUSER) == Delivery::Outcome::Permfail);
  BOOST_CHECK(outcome(1) == Delivery::Outcome::Tempfail);
  // An MTA that does not read its input and fails: no SIGPIPE kills us.
  SendmailMailer early(dir.script("exit 75"));
  std::string big(1 << 20, 'x');
  BOOST_CHECK(early.send("a@r.example", {"b@example.com"}, dir.message(big)).outcome ==
              Delivery::Outcome::Tempfail);
  SendmailMailer missing(dir.path() + "/no-such-sendmail");
  BOOST_CHECK(missing.send("a@r.example", {"b@example.com"}, message).outcome ==
              Delivery::Outcome::Tempfail);
}

BOOST_AUTO_TEST_CASE(test_Smtp_RefusesAuthWithoutTls)
{
  SmtpOptions options;
  options.tls = SmtpTls::None;
  options.user = "u";
  BOOST_CHECK_THROW(SmtpMailer{options}, ConfigError);
  BOOST_CHECK_THROW(smtpTlsFromString("sometimes"), ConfigError);
}

BOOST_AUTO_TEST_CASE(test_Smtp_RelayDown_IsTemporary)
{
  SmtpOptions options;
  options.host = "127.0.0.1";
  options.port = "1"; // nothing listens on tcpmux
  options.timeout = std::chrono::seconds(5);
  ScriptDir dir;
  SmtpMailer mailer(options);
  auto delivery = mailer.send("a@r.example", {"b@example.com"}, dir.message("x\n"));
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Tempfail);
}

BOOST_AUTO_TEST_CASE(test_Smtp_MessageDotStuffedInCrlfLines)
{
  ScriptedRelay relay;
  ScriptDir dir;
  Delivery delivery;
  {
    SmtpMailer mailer(relay.options());
    delivery = mailer.send("r@reporter.test", {"a@x.example", "bad@x.example"},
                           dir.message("Subject: t\n\n.leading dot\nlast"));
  } // the mailer ends its session
  relay.finish();
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Delivered);
  // The reply to the message, not to QUIT, is what the log shows.
  BOOST_CHECK_EQUAL(delivery.detail, "250 2.0.0 Ok: queued as ABC123");
  BOOST_REQUIRE_GE(relay.commands.size(), 5U);
  BOOST_CHECK_EQUAL(relay.commands[0], "EHLO reporter.test");
  BOOST_CHECK_EQUAL(relay.commands[1].substr(0, 23), "MAIL FROM:<r@reporter.t");
  BOOST_CHECK_EQUAL(relay.commands[2], "RCPT TO:<a@x.example>");
  BOOST_CHECK_EQUAL(relay.commands[3], "RCPT TO:<bad@x.example>");
  BOOST_CHECK_EQUAL(relay.data, "Subject: t\r\n\r\n..leading dot\r\nlast\r\n");
}

// Messages share one session; a refused one ends it, and the next message
// starts a new session that knows nothing of the refusal.
BOOST_AUTO_TEST_CASE(test_Smtp_OneSessionForManyMessages_ARefusalEndsIt)
{
  ScriptedRelay relay;
  ScriptDir dir;
  std::vector<Delivery> deliveries;
  {
    SmtpMailer mailer(relay.options());
    for (const char* rcpt : {"a@x.example", "b@x.example", "bad@x.example", "c@x.example"}) {
      deliveries.push_back(mailer.send("r@reporter.test", {rcpt}, dir.message("x\n")));
    }
  }
  relay.finish();
  BOOST_REQUIRE_EQUAL(deliveries.size(), 4U);
  BOOST_CHECK(deliveries[0].outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK(deliveries[1].outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK(deliveries[2].outcome == Delivery::Outcome::Permfail);
  BOOST_CHECK_EQUAL(deliveries[2].detail, "550 5.1.1 no such user");
  BOOST_CHECK(deliveries[3].outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK_EQUAL(deliveries[3].detail, "250 2.0.0 Ok: queued as ABC123");
  BOOST_CHECK_EQUAL(relay.sessions, 2);
  BOOST_CHECK_EQUAL(std::count(relay.commands.begin(), relay.commands.end(), "EHLO reporter.test"),
                    2);
  BOOST_CHECK_EQUAL(relay.data, "x\r\nx\r\nx\r\n");
}

// A kept session the relay has ended without a word: the message goes
// once more on a new connection, and arrives once.
BOOST_AUTO_TEST_CASE(test_Smtp_SessionClosedByTheRelay_MessageGoesOnANewOne)
{
  ScriptedRelay relay(true);
  ScriptDir dir;
  Delivery first;
  Delivery second;
  {
    SmtpMailer mailer(relay.options());
    first = mailer.send("r@reporter.test", {"a@x.example"}, dir.message("one\n"));
    second = mailer.send("r@reporter.test", {"a@x.example"}, dir.message("two\n"));
  }
  relay.finish();
  BOOST_CHECK(first.outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK(second.outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK_EQUAL(relay.sessions, 2);
  BOOST_CHECK_EQUAL(relay.data, "one\r\ntwo\r\n");
}

BOOST_AUTO_TEST_CASE(test_Smtp_EveryRecipientRefusedIsTheRelaysAnswer)
{
  ScriptedRelay relay;
  ScriptDir dir;
  SmtpMailer mailer(relay.options());
  const auto delivery =
      mailer.send("r@reporter.test", {"bad1@x.example", "bad2@x.example"}, dir.message("x\n"));
  relay.finish();
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Permfail);
  BOOST_CHECK_EQUAL(delivery.detail, "550 5.1.1 no such user");
  BOOST_CHECK(relay.data.empty());
}

BOOST_AUTO_TEST_SUITE_END()
