// mailer_options.hh: the transport options report senders share (send and
// send-failures): sendmail or an SMTP relay, and the Mailer they select.
// Trusts the command line; the SMTP password comes from a file.
#pragma once

#include <memory>
#include <string>

#include "reporting/report_options.hh"
#include "reporting/transport/mailer.hh"

namespace dmarc
{
// Defaults: the option table (report_options.def).
struct MailerSettings
{
  std::string transport; // "sendmail" or "smtp"
  std::string sendmailCommand;
  SmtpOptions smtp;
};

// The transport options (--transport, --sendmail, --smtp-*) of a report
// sender; the SMTP password is read from its file (ConfigError when it
// cannot be, or is not kept private). heloName: the EHLO name for a relay.
MailerSettings mailerSettings(const ReportArguments& args, const std::string& heloName);

// "host", "host:port", "[v6]:port" into smtp.host and smtp.port.
void setSmtpRelay(SmtpOptions& smtp, const std::string& relay);

// The Mailer of the settings; throws ConfigError for an unknown transport.
std::unique_ptr<Mailer> makeMailer(const MailerSettings& settings);
} // namespace dmarc
