// mailer_options.hh: the transport options report senders share (send and
// send-failures): sendmail or an SMTP relay, and the Mailer they select.
// Trusts the command line; the SMTP password comes from a file.
#pragma once

#include <memory>
#include <string>

#include "reporting/transport/mailer.hh"

namespace dmarc
{
struct MailerSettings
{
  std::string transport = "sendmail"; // "sendmail" or "smtp"
  std::string sendmailCommand = "/usr/sbin/sendmail -t -oi";
  SmtpOptions smtp;
};

// "host", "host:port", "[v6]:port" into smtp.host and smtp.port.
void setSmtpRelay(SmtpOptions& smtp, const std::string& relay);

// The Mailer of the settings; throws ConfigError for an unknown transport.
std::unique_ptr<Mailer> makeMailer(const MailerSettings& settings);
} // namespace dmarc
