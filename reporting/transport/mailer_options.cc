// mailer_options.cc: relay address parsing and the transport choice.
#include "reporting/transport/mailer_options.hh"

#include "lib/adapters/trusted_file.hh"
#include "lib/core/error.hh"

namespace dmarc
{
void setSmtpRelay(SmtpOptions& smtp, const std::string& relay)
{
  if (relay.empty()) {
    throw ConfigError("--transport smtp needs --smtp-relay");
  }
  auto colon = relay.rfind(':');
  if (colon != std::string::npos && relay.find(']') == std::string::npos &&
      relay.find(':') == colon) {
    smtp.host = relay.substr(0, colon);
    smtp.port = relay.substr(colon + 1);
  } else if (relay.starts_with("[") && relay.find("]:") != std::string::npos) {
    smtp.host = relay.substr(1, relay.find("]:") - 1);
    smtp.port = relay.substr(relay.find("]:") + 2);
  } else {
    smtp.host = relay;
  }
}

MailerSettings mailerSettings(const ReportArguments& args, const std::string& heloName)
{
  MailerSettings settings;
  settings.transport = args.text(ReportOption::Transport);
  settings.sendmailCommand = args.text(ReportOption::Sendmail);
  if (settings.transport != "smtp") {
    return settings;
  }
  SmtpOptions& smtp = settings.smtp;
  setSmtpRelay(smtp, args.text(ReportOption::SmtpRelay));
  smtp.tls = smtpTlsFromString(args.text(ReportOption::SmtpTls));
  smtp.caFile = args.text(ReportOption::SmtpCaFile);
  smtp.user = args.text(ReportOption::SmtpUser);
  if (const auto& file = args.text(ReportOption::SmtpPasswordFile); !file.empty()) {
    smtp.password = readSecretLine(file, "SMTP password file");
  }
  smtp.heloName = heloName;
  return settings;
}

std::unique_ptr<Mailer> makeMailer(const MailerSettings& settings)
{
  if (settings.transport == "smtp") {
    return std::make_unique<SmtpMailer>(settings.smtp);
  }
  if (settings.transport == "sendmail") {
    return std::make_unique<SendmailMailer>(settings.sendmailCommand);
  }
  throw ConfigError("--transport must be sendmail or smtp");
}
} // namespace dmarc
