// test-mailer_cc.cc: the sendmail transport passes the message on stdin
// with -f, and maps exit statuses to delivered / temporary / permanent.
// The "MTA" is a shell script in a temp dir, so the test is hermetic.
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include "lib/core/error.hh"
#include "reporting/transport/mailer.hh"

using namespace dmarc;

namespace
{
struct TempDir
{
  std::string path;
  TempDir()
  {
    char pattern[] = "/tmp/dmarc-mailer-test-XXXXXX";
    BOOST_REQUIRE(::mkdtemp(pattern) != nullptr);
    path = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path); }

  std::string script(const std::string& body)
  {
    std::string file = path + "/fake-sendmail";
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    ::chmod(file.c_str(), 0755);
    return file;
  }
  std::string message(const std::string& text)
  {
    std::string file = path + "/message.eml";
    std::ofstream(file) << text;
    return file;
  }
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
  TempDir dir;
  std::string fake = dir.script("echo \"$@\" > " + dir.path + "/args; cat > " + dir.path + "/got");
  SendmailMailer mailer(fake + " -t -oi");
  auto delivery =
      mailer.send("reports@r.example", {"rua@example.com"}, dir.message("Subject: x\n\nbody\n"));
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Delivered);
  BOOST_CHECK_EQUAL(slurp(dir.path + "/got"), "Subject: x\n\nbody\n");
  BOOST_CHECK_EQUAL(slurp(dir.path + "/args"), "-f reports@r.example -t -oi\n");
}

BOOST_AUTO_TEST_CASE(test_Sendmail_WithoutT_NamesRecipients)
{
  TempDir dir;
  std::string fake = dir.script("echo \"$@\" > " + dir.path + "/args; cat > /dev/null");
  SendmailMailer mailer(fake + " -oi");
  mailer.send("reports@r.example", {"rua@example.com"}, dir.message("x\n"));
  BOOST_CHECK_EQUAL(slurp(dir.path + "/args"), "-f reports@r.example -oi -- rua@example.com\n");
}

BOOST_AUTO_TEST_CASE(test_Sendmail_ExitStatuses)
{
  TempDir dir;
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
  SendmailMailer missing(dir.path + "/no-such-sendmail");
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
  TempDir dir;
  SmtpMailer mailer(options);
  auto delivery = mailer.send("a@r.example", {"b@example.com"}, dir.message("x\n"));
  BOOST_CHECK(delivery.outcome == Delivery::Outcome::Tempfail);
}

BOOST_AUTO_TEST_SUITE_END()
