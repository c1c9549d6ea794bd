// offline.hh: dmarc-milter -t FILE: evaluate one message read from a file,
// as if it had arrived from the given client, HELO and MAIL FROM, and print
// the verdict, the SMTP reply, the header changes and the decision trace
// (for administrators debugging one message). Runs exactly the session and
// checks the daemon runs, with a recording MilterActions in place of the
// MTA and no history store.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace dmarc
{
class Config;
class MessageChecker;

struct OfflineOptions
{
  std::string messageFile; // "-" for standard input
  std::string clientIp = "127.0.0.1";
  std::string clientName = "localhost";
  std::string helo = "localhost";
  std::string mailFrom; // "" for the null reverse-path
  std::vector<std::string> recipients;
  std::string authUser; // as {auth_authen}
};

// Returns an exit status: 0 when the message was evaluated (whatever the
// verdict), EX_NOINPUT or EX_DATAERR when it could not be read.
int runOffline(const Config& config, const OfflineOptions& options, MessageChecker& checker,
               std::ostream& out);
} // namespace dmarc
