// mailer.hh: hands a composed report mail to the mail system: the local MTA
// (`sendmail -t -oi`, configurable) or an SMTP relay (STARTTLS, AUTH PLAIN,
// spoken by libcurl). Each delivery says delivered, temporary or permanent
// failure, so the caller can retry across runs.
//
// Trusts its configuration (command, relay, credentials). The message file
// was composed by report_message (every header value checked); a relay's
// replies are untrusted and bounded (line length, line count, timeouts).
// Never logs the password.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace dmarc
{
struct Delivery
{
  enum class Outcome
  {
    Delivered,
    Tempfail,
    Permfail,
  };
  Outcome outcome = Outcome::Tempfail;
  std::string detail; // exit status or the relay's last reply
};

class Mailer
{
public:
  virtual ~Mailer() = default;
  // Sends the message in `messageFile` (LF line ends) from `envelopeFrom`
  // to `recipients`.
  virtual Delivery send(const std::string& envelopeFrom, const std::vector<std::string>& recipients,
                        const std::string& messageFile) = 0;
  virtual std::string transport() const = 0; // "sendmail", "smtp"
};

// Runs the command (split at spaces; no shell) with `-f <from>` added after
// the program name, and the message on its standard input. Exit status 0 is
// delivered, EX_TEMPFAIL or a signal temporary, other sysexits permanent
// where they say so (EX_NOUSER, EX_NOHOST, EX_DATAERR, EX_USAGE), else
// temporary.
class SendmailMailer : public Mailer
{
public:
  explicit SendmailMailer(std::string command,
                          std::chrono::seconds timeout = std::chrono::seconds(300));
  Delivery send(const std::string& envelopeFrom, const std::vector<std::string>& recipients,
                const std::string& messageFile) override;
  std::string transport() const override { return "sendmail"; }

private:
  std::vector<std::string> d_argv;
  std::chrono::seconds d_timeout;
};

enum class SmtpTls
{
  None,    // never STARTTLS
  May,     // STARTTLS when offered, certificate not checked
  Encrypt, // STARTTLS required, certificate not checked
  Verify,  // STARTTLS required, certificate and host name verified
};

struct SmtpOptions
{
  std::string host = "127.0.0.1";
  std::string port = "25";
  std::string heloName = "localhost";
  SmtpTls tls = SmtpTls::May;
  std::string caFile; // for Verify; empty: the system's default CA paths
  std::string user;   // AUTH PLAIN when set; only ever sent over TLS
  std::string password;
  std::chrono::seconds timeout{60}; // per read or write
};

// One libcurl handle and one SMTP session serve the messages of the
// mailer's life, one after another: a new handle and a new session per
// message cost more CPU than the delivery. A message that fails ends the
// session (the next one opens a new connection), so a refusal never
// carries over; the session ends with QUIT when the mailer is destroyed.
class SmtpMailer : public Mailer
{
public:
  explicit SmtpMailer(SmtpOptions options);
  ~SmtpMailer() override;
  SmtpMailer(const SmtpMailer&) = delete;
  SmtpMailer& operator=(const SmtpMailer&) = delete;
  Delivery send(const std::string& envelopeFrom, const std::vector<std::string>& recipients,
                const std::string& messageFile) override;
  std::string transport() const override { return "smtp"; }

private:
  struct Handle; // the libcurl handle and its error buffer, made at the first send
  SmtpOptions d_options;
  std::unique_ptr<Handle> d_handle;
};

SmtpTls smtpTlsFromString(const std::string& text); // throws ConfigError
} // namespace dmarc
