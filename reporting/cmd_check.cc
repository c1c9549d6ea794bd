// cmd_check.cc: the `check` subcommand; see cmd_check.hh and posture_check.hh.
#include "reporting/cmd_check.hh"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>
#include <string_view>
#include <sysexits.h>
#include <vector>

#include "config.h"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/unbound_resolver.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "reporting/posture_check.hh"

namespace dmarc
{
namespace
{
const char* const s_usage =
    "usage: dmarc-reports check [--dns-server ADDR[@PORT]]... [--ca-file FILE] [--psl-file FILE]\n"
    "                           [--https-port N] [--smtp-port N] [--timeout SECONDS] [--helo "
    "NAME]\n"
    "                           [--no-starttls] [--suggest] DOMAIN...\n";

// Untrusted text (from DNS, servers) shown on the terminal is bounded.
constexpr std::size_t s_maxShownText = 2000;

// A finding for the terminal: printable ASCII only (it quotes records and
// server replies), but the section sign of our own RFC references is
// spelled out first instead of turning into "??".
std::string shownFinding(std::string_view message)
{
  std::string text;
  text.reserve(message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message.substr(i, 2) == "\xC2\xA7") {
      text += "section ";
      ++i;
    } else {
      text.push_back(message[i]);
    }
  }
  return printableAscii(text, s_maxShownText);
}

bool parsePort(const std::string& text, std::uint16_t& port)
{
  try {
    std::size_t used = 0;
    const long value = std::stol(text, &used);
    if (used != text.size() || value < 1 || value > 65535) {
      return false;
    }
    port = static_cast<std::uint16_t>(value);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}
} // namespace

int checkCommand(int argc, char** argv)
{
  UnboundResolverOptions dnsOptions;
  TlsProbeOptions tlsOptions;
  PostureOptions postureOptions;
  std::string pslFile = DM_DEFAULT_PSL_FILE;
  std::string helo = "dmarc-reports.invalid";
  bool suggest = false;
  std::vector<std::string> domains;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool hasValue = i + 1 < argc;
    auto bad = [&](const std::string& why) {
      std::cerr << "dmarc-reports check: " << why << "\n" << s_usage;
      return EX_USAGE;
    };
    if (arg == "--dns-server" || arg == "--ca-file" || arg == "--psl-file" ||
        arg == "--https-port" || arg == "--smtp-port" || arg == "--timeout" || arg == "--helo") {
      if (!hasValue) {
        return bad(arg + " needs a value");
      }
      const std::string value = argv[++i];
      if (arg == "--dns-server") {
        dnsOptions.nameservers.push_back(value);
      } else if (arg == "--ca-file") {
        tlsOptions.caFile = value;
      } else if (arg == "--psl-file") {
        pslFile = value;
      } else if (arg == "--helo") {
        helo = value;
      } else if (arg == "--timeout") {
        std::uint16_t seconds = 0;
        if (!parsePort(value, seconds) || seconds > 600) {
          return bad("--timeout takes 1 to 600 seconds");
        }
        tlsOptions.timeout = std::chrono::seconds(seconds);
        dnsOptions.queryTimeout =
            std::min<std::chrono::milliseconds>(dnsOptions.queryTimeout, tlsOptions.timeout);
      } else if (!parsePort(value, arg == "--https-port" ? postureOptions.httpsPort
                                                         : postureOptions.smtpPort)) {
        return bad(arg + " takes a port number 1-65535");
      }
    } else if (arg == "--no-starttls") {
      postureOptions.checkStarttls = false;
    } else if (arg == "--suggest") {
      suggest = true;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << s_usage;
      return EX_OK;
    } else if (!arg.empty() && arg[0] == '-') {
      return bad("unknown option " + printableAscii(arg, s_maxShownText));
    } else {
      domains.push_back(arg);
    }
  }
  if (domains.empty()) {
    std::cerr << "dmarc-reports check: no DOMAIN given\n" << s_usage;
    return EX_USAGE;
  }
  try {
    UnboundResolver resolver(dnsOptions);
    const PslPublicSuffixList psl(pslFile);
    OpenSslHttpsFetcher fetcher(tlsOptions);
    OpenSslStarttlsProber prober(tlsOptions, helo);
    PostureChecker checker(resolver, psl, fetcher, prober, postureOptions);
    Finding::Level worst = Finding::Level::Ok;
    for (const auto& domain : domains) {
      const DomainPosture posture = checker.check(domain);
      std::cout << posture.domain << "\n";
      for (const auto& finding : posture.findings) {
        const std::string level(toString(finding.level));
        std::cout << "  " << level << std::string(8 - level.size(), ' ') << finding.area
                  << std::string(finding.area.size() < 9 ? 9 - finding.area.size() : 1, ' ')
                  << shownFinding(finding.message) << "\n";
      }
      worst = std::max(worst, posture.worst());
      if (suggest) {
        // The id only has to change when the policy does: a UTC timestamp.
        std::array<char, 32> id{};
        const std::time_t now = std::time(nullptr);
        std::tm utc{};
        gmtime_r(&now, &utc);
        std::strftime(id.data(), id.size(), "%Y%m%d%H%M%S", &utc);
        std::cout << "\n" << suggestPublication(posture.domain, posture.mxHosts, id.data()) << "\n";
      }
    }
    return worst == Finding::Level::Error ? 2 : worst == Finding::Level::Warning ? 1 : 0;
  } catch (const ConfigError& error) {
    std::cerr << "dmarc-reports check: " << error.what() << "\n";
    return EX_CONFIG;
  }
}
} // namespace dmarc
