// config.cc: parser, validator and generated texts for dmarc-milter.conf.
//
// File syntax (as OpenDMARC's): one "Key value" per line, the key being the
// first word and the value the rest of the line, trimmed; lines starting
// with # are comments. A value may be written in double quotes, so that ""
// sets an empty value. Everything is checked; errors are collected so that
// one run of -n shows all of them.
#include "milter/config.hh"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <grp.h>
#include <pwd.h>
#include <sstream>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "lib/adapters/dkim/arc_sealer.hh"
#include "lib/adapters/trusted_file.hh"
#include "lib/core/ascii_text.hh"
#include "lib/core/error.hh"
#include "milter/address_source.hh"

namespace dmarc
{
namespace
{
// A configuration line longer than this is a mistake (or not a config file).
constexpr std::size_t s_maxLineLength = 8192;
constexpr std::size_t s_maxFileSize = 4 * 1024 * 1024;

std::string_view unquote(std::string_view text)
{
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

void assignValue(const ConfigKeyInfo&, std::string& member, std::string_view text, bool path)
{
  text = unquote(text);
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) {
      throw ConfigError("control character in value");
    }
  }
  if (path && !text.empty() && text.front() != '/') {
    throw ConfigError("not an absolute path: " + std::string(text));
  }
  member = std::string(text);
}

void assignValue(const ConfigKeyInfo&, bool& member, std::string_view text)
{
  auto word = toLowerAscii(unquote(text));
  if (word == "true" || word == "yes" || word == "on" || word == "1") {
    member = true;
  } else if (word == "false" || word == "no" || word == "off" || word == "0") {
    member = false;
  } else {
    throw ConfigError("not a boolean (true/false/yes/no/on/off/1/0): " + std::string(text));
  }
}

void assignNumber(const ConfigKeyInfo& info, std::uint64_t& member, std::string_view text, int base)
{
  text = unquote(text);
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (text.empty() || end != text.data() + text.size() || ec == std::errc::invalid_argument) {
    throw ConfigError(std::string(base == 8 ? "not an octal number: " : "not a number: ") +
                      std::string(text));
  }
  if (ec == std::errc::result_out_of_range || value < info.min || value > info.max) {
    std::ostringstream bounds;
    if (base == 8) {
      bounds << std::oct << (info.min == 0 ? "" : "0") << info.min << " to 0" << info.max;
    } else {
      bounds << info.min << " to " << info.max;
    }
    throw ConfigError(std::string(text) + " is out of range " + bounds.str());
  }
  member = value;
}

void assignEnum(const ConfigKeyInfo& info, std::string& member, std::string_view text)
{
  auto word = toLowerAscii(unquote(text));
  std::string_view choices = info.choices;
  while (!choices.empty()) {
    auto bar = choices.find('|');
    auto choice = choices.substr(0, bar);
    if (word == choice) {
      member = std::string(choice);
      return;
    }
    choices = bar == std::string_view::npos ? std::string_view() : choices.substr(bar + 1);
  }
  std::string allowed(info.choices);
  std::replace(allowed.begin(), allowed.end(), '|', ' ');
  throw ConfigError("\"" + std::string(text) + "\" is not one of: " + allowed);
}

void assignList(const ConfigKeyInfo&, std::vector<std::string>& member, std::string_view text)
{
  member.clear();
  text = unquote(text);
  std::string word;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t') {
      if (!word.empty()) {
        member.push_back(std::move(word));
        word.clear();
      }
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      throw ConfigError("control character in value");
    } else {
      word.push_back(c);
    }
  }
  if (!word.empty()) {
    member.push_back(std::move(word));
  }
}

template <ConfigKind K>
void assignKind(const ConfigKeyInfo& info, typename ConfigKindType<K>::type& member,
                std::string_view text)
{
  if constexpr (K == ConfigKind::String) {
    assignValue(info, member, expandInstallPaths(text), false);
  } else if constexpr (K == ConfigKind::Path) {
    assignValue(info, member, expandInstallPaths(text), true);
  } else if constexpr (K == ConfigKind::Bool) {
    assignValue(info, member, text);
  } else if constexpr (K == ConfigKind::UInt) {
    assignNumber(info, member, text, 10);
  } else if constexpr (K == ConfigKind::Mode) {
    assignNumber(info, member, text, 8);
  } else if constexpr (K == ConfigKind::Enum) {
    assignEnum(info, member, text);
  } else {
    assignList(info, member, text);
  }
}

std::string quoteIfNeeded(const std::string& value)
{
  if (value.empty() || value.front() == ' ' || value.back() == ' ' ||
      (value.front() == '"' && value.back() == '"')) {
    return "\"" + value + "\"";
  }
  return value;
}

template <ConfigKind K>
std::string renderKind(const typename ConfigKindType<K>::type& member)
{
  if constexpr (K == ConfigKind::Bool) {
    return member ? "true" : "false";
  } else if constexpr (K == ConfigKind::UInt) {
    return std::to_string(member);
  } else if constexpr (K == ConfigKind::Mode) {
    std::ostringstream out;
    out << "0" << std::oct << member;
    return out.str();
  } else if constexpr (K == ConfigKind::List) {
    std::string out;
    for (const auto& word : member) {
      out += (out.empty() ? "" : ", ") + word;
    }
    return out.empty() ? "\"\"" : out;
  } else {
    return quoteIfNeeded(member);
  }
}

const ConfigKeyInfo s_keys[] = {
#define DM_CONFIG_KEY(name, kind, def, lo, hi, choices, reload, help, doc)                         \
  ConfigKeyInfo{                                                                                   \
      #name,                                                                                       \
      ConfigKind::kind,                                                                            \
      def,                                                                                         \
      lo,                                                                                          \
      hi,                                                                                          \
      choices,                                                                                     \
      reload,                                                                                      \
      help,                                                                                        \
      doc,                                                                                         \
      [](const ConfigKeyInfo& info, ConfigValues& values, std::string_view text) {                 \
        assignKind<ConfigKind::kind>(info, values.name, text);                                     \
      },                                                                                           \
      [](const ConfigValues& values) { return renderKind<ConfigKind::kind>(values.name); },        \
      [](const ConfigValues& from, ConfigValues& to) { to.name = from.name; },                     \
  },
#include "milter/config_keys.def"
#undef DM_CONFIG_KEY
};

int facilityFromName(std::string_view name)
{
  static const std::pair<std::string_view, int> facilities[] = {
      {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
      {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
      {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
      {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
  };
  for (const auto& [text, value] : facilities) {
    if (text == name) {
      return value;
    }
  }
  return LOG_MAIL;
}

int levelFromName(std::string_view name)
{
  static const std::pair<std::string_view, int> levels[] = {
      {"error", LOG_ERR}, {"warning", LOG_WARNING}, {"notice", LOG_NOTICE},
      {"info", LOG_INFO}, {"debug", LOG_DEBUG},
  };
  for (const auto& [text, value] : levels) {
    if (text == name) {
      return value;
    }
  }
  return LOG_INFO;
}

bool validSocket(std::string_view socket)
{
  auto colon = socket.find(':');
  if (colon == std::string_view::npos) {
    // libmilter takes a bare path as a Unix socket.
    return !socket.empty() && socket.front() == '/';
  }
  auto scheme = socket.substr(0, colon);
  auto rest = socket.substr(colon + 1);
  if (scheme == "local" || scheme == "unix") {
    return !rest.empty() && rest.front() == '/';
  }
  if (scheme == "inet" || scheme == "inet6") {
    auto at = rest.find('@');
    auto port = rest.substr(0, at);
    unsigned number = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    return !port.empty() && ec == std::errc() && end == port.data() + port.size() &&
           number <= 65535 && (at == std::string_view::npos || at + 1 < rest.size());
  }
  return false;
}

// RFC 8601 authserv-id is a value (token or quoted-string); we only write
// tokens, so a character that would need quoting is refused up front.
bool validAuthservId(std::string_view id)
{
  if (id.empty() || id.size() > 255) {
    return false;
  }
  for (unsigned char c : id) {
    if (c <= 0x20 || c >= 0x7f ||
        std::string_view("()<>@,;:\\\"/[]?=").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      // '/' and '@' are tspecials in RFC 2045 tokens.
      return false;
    }
  }
  return true;
}

std::string hostName()
{
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0 || buffer[0] == '\0') {
    return "localhost";
  }
  return buffer;
}

class ErrorList
{
public:
  explicit ErrorList(const Config& config) : d_config(config) {}
  void add(std::string_view key, const std::string& message)
  {
    std::string where = d_config.sourceFile.empty() ? "(defaults)" : d_config.sourceFile;
    auto line = d_config.keyLine.find(std::string(key));
    if (line != d_config.keyLine.end()) {
      where += ":" + std::to_string(line->second);
    }
    d_text += where + ": " + std::string(key) + ": " + message + "\n";
  }
  void addLine(unsigned line, const std::string& message)
  {
    d_text += d_config.sourceFile + ":" + std::to_string(line) + ": " + message + "\n";
  }
  void throwIfAny() const
  {
    if (!d_text.empty()) {
      throw ConfigError(d_text.substr(0, d_text.size() - 1));
    }
  }

private:
  const Config& d_config;
  std::string d_text;
};

// DomainPolicyOverrides words -> entries; bad words are reported.
std::vector<DomainPolicyOverride> domainPolicies(const std::vector<std::string>& words,
                                                 ErrorList& errors)
{
  std::vector<DomainPolicyOverride> entries;
  for (const auto& word : words) {
    auto colon = word.rfind(':');
    auto policy = colon == std::string::npos ? std::string() : toLowerAscii(word.substr(colon + 1));
    DomainPolicyOverride entry;
    if (policy == "none") {
      entry.policy = Policy::None;
    } else if (policy == "quarantine") {
      entry.policy = Policy::Quarantine;
    } else if (policy == "reject") {
      entry.policy = Policy::Reject;
    } else {
      colon = 0; // reported below
    }
    if (colon == std::string::npos || colon == 0) {
      errors.add("DomainPolicyOverrides", "not domain:none|quarantine|reject: " + word);
      continue;
    }
    entry.domain = toLowerAscii(word.substr(0, colon));
    while (!entry.domain.empty() && entry.domain.back() == '.') {
      entry.domain.pop_back();
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

AddressList addressList(std::string_view key, const std::vector<std::string>& words,
                        ErrorList& errors)
{
  try {
    return readAddressList(words);
  } catch (const ConfigError& error) {
    errors.add(key, error.what());
  }
  return {};
}

// The typed values deciding a message needs (lib/core/site_policy.hh): every
// enumeration and list is turned into its type here, once per load.
void deriveSitePolicy(Config& config, ErrorList& errors)
{
  const auto& v = config.values;
  SitePolicy& site = config.site;
  site.engine = EngineOptions{};
  site.engine.mode = v.DMARCStandard == "rfc7489" ? DmarcMode::Rfc7489 : DmarcMode::Rfc9989;
  site.engine.multiFrom =
      v.RejectMultiValueFrom ? MultiFromAction::Reject : MultiFromAction::EvaluateAll;
  site.engine.maxAuthorDomains = static_cast<unsigned>(v.MaxAuthorDomains);
  site.engine.unusableFrom =
      v.UnusableFromAction == "accept" ? FromAction::Accept : FromAction::Reject;
  site.engine.tempfailOnTemperror = v.TemperrorAction == "tempfail";
  site.authservId = config.authservId;
  site.trustedAuthservIds = v.TrustedAuthservIDs;
  site.rejectFailures = v.RejectFailures;
  site.rejectText = v.RejectString;
  site.holdQuarantined = v.HoldQuarantinedMessages;
  site.requiredHeaders = v.RequiredHeaders;
  site.ignoreHosts = addressList("IgnoreHosts", v.IgnoreHosts, errors);
  site.ignoreAuthenticatedClients = v.IgnoreAuthenticatedClients;
  site.ignoreMailFrom.clear();
  for (const auto& domain : v.IgnoreMailFrom) {
    site.ignoreMailFrom.push_back(toLowerAscii(domain));
  }
  site.trustedForwarders = addressList("TrustedForwarders", v.TrustedForwarders, errors);
  site.trustedMailingLists = v.TrustedMailingLists;
  site.trustedArcSealers.clear();
  for (const auto& domain : v.TrustedArcSealers) {
    std::string sealer = toLowerAscii(domain);
    while (!sealer.empty() && sealer.back() == '.') {
      sealer.pop_back();
    }
    site.trustedArcSealers.push_back(std::move(sealer));
  }
  site.domainPolicies = domainPolicies(v.DomainPolicyOverrides, errors);
  config.internalErrorAction = v.InternalErrorAction == "accept"   ? FailureAction::Accept
                               : v.InternalErrorAction == "reject" ? FailureAction::Reject
                                                                   : FailureAction::Tempfail;
}

void deriveMetricsListen(Config& config, ErrorList& errors)
{
  if (config.values.MetricsListen.empty()) {
    return;
  }
  std::string error;
  config.metricsListen = parseListenAddress(config.values.MetricsListen, error);
  if (!config.metricsListen) {
    errors.add("MetricsListen", error);
  }
}

// ARC sealing: all three keys or none; the key is read here, so that a
// start-up or reload with a key that cannot be read or used fails with
// the reason (a secret file, trusted_file.hh: the password file's rules).
void deriveArcSealer(Config& config, ErrorList& errors)
{
  const auto& v = config.values;
  config.arcSealer.reset();
  const bool any =
      !v.ArcSealDomain.empty() || !v.ArcSealSelector.empty() || !v.ArcSealKeyFile.empty();
  if (!any) {
    return;
  }
  if (v.ArcSealDomain.empty() || v.ArcSealSelector.empty() || v.ArcSealKeyFile.empty()) {
    errors.add(v.ArcSealDomain.empty()     ? "ArcSealDomain"
               : v.ArcSealSelector.empty() ? "ArcSealSelector"
                                           : "ArcSealKeyFile",
               "ARC sealing needs ArcSealDomain, ArcSealSelector and ArcSealKeyFile together");
    return;
  }
  if (!v.ArcValidation) {
    errors.add("ArcSealDomain", "ARC sealing needs ArcValidation true (the seal's cv= is the "
                                "validation of the incoming chain)");
    return;
  }
  ArcSealerSettings settings;
  settings.domain = v.ArcSealDomain;
  settings.selector = v.ArcSealSelector;
  try {
    settings.privateKeyPem =
        readTrustedFile(v.ArcSealKeyFile, FileTrust::Secret, "ARC sealing key file", 64 * 1024);
  } catch (const ConfigError& error) {
    errors.add("ArcSealKeyFile", error.what());
    return;
  }
  try {
    config.arcSealer = std::make_shared<const ArcSealer>(std::move(settings));
  } catch (const ConfigError& error) {
    errors.add("ArcSealKeyFile", v.ArcSealKeyFile + ": " + error.what());
  }
}

// Computes the derived fields and checks what depends on several keys.
void derive(Config& config, ErrorList& errors)
{
  const auto& v = config.values;
  if (!validSocket(v.Socket)) {
    errors.add("Socket",
               "not local:/path, unix:/path, inet:port[@host] or inet6:port[@host]: " + v.Socket);
  }
  if (!v.UserID.empty()) {
    auto colon = v.UserID.find(':');
    std::string user = v.UserID.substr(0, colon);
    if (getpwnam(user.c_str()) == nullptr) {
      errors.add("UserID", "no such user: " + user);
    }
    if (colon != std::string::npos && getgrnam(v.UserID.substr(colon + 1).c_str()) == nullptr) {
      errors.add("UserID", "no such group: " + v.UserID.substr(colon + 1));
    }
  }
  config.authservId = v.AuthservID == "HOSTNAME" ? hostName() : v.AuthservID;
  if (!validAuthservId(config.authservId)) {
    errors.add("AuthservID", "not usable as an authserv-id token: " + config.authservId);
  }
  for (const auto& id : v.TrustedAuthservIDs) {
    if (!validAuthservId(id)) {
      errors.add("TrustedAuthservIDs", "not usable as an authserv-id token: " + id);
    }
  }
  {
    auto at = v.RejectString.find('%');
    if (at != std::string::npos) {
      if (v.RejectString.compare(at, 2, "%s") != 0 ||
          v.RejectString.find('%', at + 1) != std::string::npos) {
        errors.add("RejectString", "only one %s may appear, and no other %");
      }
    }
    if (v.RejectString.size() > 400) {
      errors.add("RejectString", "longer than 400 characters");
    }
  }
  deriveSitePolicy(config, errors);
  deriveMetricsListen(config, errors);
  deriveArcSealer(config, errors);
  for (const auto& server : v.Nameservers) {
    auto at = server.find('@');
    if (!IpAddress::parse(server.substr(0, at))) {
      errors.add("Nameservers", "not an IP address[@port]: " + server);
    } else if (at != std::string::npos) {
      std::uint64_t port = 0;
      auto digits = std::string_view(server).substr(at + 1);
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          port == 0 || port > 65535) {
        errors.add("Nameservers", "bad port in " + server);
      }
    }
  }
  if (v.DNSSEC && v.TrustAnchorFile.empty()) {
    errors.add("DNSSEC", "DNSSEC true needs TrustAnchorFile");
  }
  if (!v.TrustAnchorFile.empty() && access(v.TrustAnchorFile.c_str(), R_OK) != 0) {
    errors.add("TrustAnchorFile", "cannot read " + v.TrustAnchorFile);
  }
  if (v.DMARCStandard == "rfc7489" && access(v.PublicSuffixList.c_str(), R_OK) != 0) {
    errors.add("PublicSuffixList", "cannot read " + v.PublicSuffixList);
  }
  if (v.DNSTimeout > v.DNSBudget) {
    errors.add("DNSTimeout", "larger than DNSBudget");
  }
  config.syslogFacility = facilityFromName(v.SyslogFacility);
  config.logLevel = levelFromName(v.LogLevel);
}

void applyDefaults(ConfigValues& values)
{
  for (const auto& info : s_keys) {
    // The defaults are checked by the same code as the file; a bad default
    // is a programming error caught by the unit tests.
    info.assign(info, values, info.defaultText);
  }
}
} // namespace

std::span<const ConfigKeyInfo> configKeys()
{
  return s_keys;
}

const ConfigKeyInfo* findConfigKey(std::string_view name)
{
  for (const auto& info : s_keys) {
    if (equalsIgnoreCase(info.name, name)) {
      return &info;
    }
  }
  return nullptr;
}

namespace
{
// Levenshtein distance, ASCII case folded (keys are case-insensitive).
std::size_t editDistance(std::string_view a, std::string_view b)
{
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) {
    row[j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      bool same = lowerAscii(a[i - 1]) == lowerAscii(b[j - 1]);
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}
} // namespace

std::string_view nearestConfigKey(std::string_view name)
{
  // A third of the name: a typo or two, a missing or swapped letter, a
  // singular for a plural, never a different word of similar length.
  const std::size_t allowed = std::max<std::size_t>(1, name.size() / 3);
  std::string_view best;
  std::size_t bestDistance = allowed + 1;
  for (const auto& info : s_keys) {
    auto distance = editDistance(name, info.name);
    if (distance < bestDistance) {
      best = info.name;
      bestDistance = distance;
    }
  }
  return best;
}

std::string_view toString(ConfigKind kind)
{
  switch (kind) {
  case ConfigKind::String:
    return "string";
  case ConfigKind::Path:
    return "path";
  case ConfigKind::Bool:
    return "boolean";
  case ConfigKind::UInt:
    return "integer";
  case ConfigKind::Mode:
    return "octal";
  case ConfigKind::Enum:
    return "choice";
  case ConfigKind::List:
    return "list";
  }
  return "?";
}

std::string expandInstallPaths(std::string_view text)
{
  static const std::pair<std::string_view, std::string_view> paths[] = {
      {"@runstatedir@", DM_RUNSTATEDIR},   {"@localstatedir@", DM_LOCALSTATEDIR},
      {"@sysconfdir@", DM_SYSCONFDIR},     {"@pkgdatadir@", DM_PKGDATADIR},
      {"@PSL_FILE@", DM_DEFAULT_PSL_FILE},
  };
  std::string result(text);
  for (const auto& [token, value] : paths) {
    for (auto at = result.find(token); at != std::string::npos;
         at = result.find(token, at + value.size())) {
      result.replace(at, token.size(), value);
    }
  }
  return result;
}

std::shared_ptr<const Config> parseConfig(std::string_view text, const std::string& fileName)
{
  auto config = std::make_shared<Config>();
  config->sourceFile = fileName;
  applyDefaults(config->values);
  ErrorList errors(*config);

  unsigned lineNumber = 0;
  while (!text.empty()) {
    ++lineNumber;
    auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);
    if (line.size() > s_maxLineLength) {
      errors.addLine(lineNumber, "line longer than " + std::to_string(s_maxLineLength));
      continue;
    }
    line = trimSpace(line);
    if (line.empty() || line.front() == '#') {
      continue;
    }
    auto space = line.find_first_of(" \t");
    auto name = line.substr(0, space);
    auto value =
        space == std::string_view::npos ? std::string_view() : trimSpace(line.substr(space));
    const auto* info = findConfigKey(name);
    if (info == nullptr) {
      auto nearest = nearestConfigKey(name);
      errors.addLine(
          lineNumber,
          std::string(name) + ": unknown key" +
              (nearest.empty() ? std::string() : " (did you mean " + std::string(nearest) + "?)"));
      continue;
    }
    auto [previous, inserted] = config->keyLine.emplace(std::string(info->name), lineNumber);
    if (!inserted) {
      errors.addLine(lineNumber, std::string(info->name) + ": already set on line " +
                                     std::to_string(previous->second));
      continue;
    }
    if (value.empty()) {
      errors.addLine(lineNumber, std::string(info->name) + ": missing value (\"\" for empty)");
      continue;
    }
    try {
      info->assign(*info, config->values, value);
    } catch (const ConfigError& error) {
      errors.addLine(lineNumber, std::string(info->name) + ": " + error.what());
    }
  }
  derive(*config, errors);
  errors.throwIfAny();
  return config;
}

std::shared_ptr<const Config> loadConfig(const std::string& fileName)
{
  // The file decides which database the milter writes to, which mail it
  // rejects and where it writes: a file that another user could change is
  // refused (trusted_file.hh), as sshd and Postfix refuse theirs.
  return parseConfig(
      readTrustedFile(fileName, FileTrust::Configuration, "configuration file", s_maxFileSize),
      fileName);
}

std::shared_ptr<const Config> mergeForReload(const Config& running, const Config& next,
                                             std::vector<std::string>& ignored)
{
  auto merged = std::make_shared<Config>(next);
  for (const auto& info : s_keys) {
    if (!info.reloadable && info.render(running.values) != info.render(next.values)) {
      ignored.emplace_back(info.name);
      info.copy(running.values, merged->values);
    }
  }
  ErrorList errors(*merged);
  derive(*merged, errors);
  errors.throwIfAny();
  return merged;
}

std::string dumpConfig(const Config& config)
{
  std::string out = "# effective configuration";
  out += config.sourceFile.empty() ? " (built-in defaults)\n" : " from " + config.sourceFile + "\n";
  for (const auto& info : s_keys) {
    out += std::string(info.name) + " " + info.render(config.values) + "\n";
  }
  return out;
}

std::string configHelp()
{
  std::string out = "Configuration keys (dmarc-milter.conf(5); * = reloaded on SIGUSR1):\n";
  for (const auto& info : s_keys) {
    std::string line = "  " + std::string(info.name) + (info.reloadable ? "*" : "");
    line.resize(std::max<std::size_t>(line.size() + 1, 30), ' ');
    line += std::string(info.help);
    std::string def = expandInstallPaths(info.defaultText);
    line += " [" + std::string(toString(info.kind)) + ", default " +
            (def.empty() ? std::string("none") : def) + "]";
    out += line + "\n";
  }
  return out;
}

namespace
{
// text as "# " comment lines of at most 78 columns.
std::string commentLines(std::string_view text)
{
  std::string out, line = "#";
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view word = text.substr(start, end - start);
    if (line.size() > 1 && line.size() + 1 + word.size() > 78) {
      out += line + "\n";
      line = "#";
    }
    line += " ";
    line += word;
    start = end + 1;
  }
  return out + line + "\n";
}
} // namespace

std::string configSample()
{
  // The defaults rendered by the code that renders --dump-config, so that
  // every line, uncommented, parses back to the default it shows.
  auto defaults = parseConfig("", "(defaults)");
  std::string out =
      "# dmarc-milter.conf: configuration of dmarc-milter(8), described in full in\n"
      "# dmarc-milter.conf(5). One \"Key value\" per line; an empty value is \"\".\n"
      "# Every key is listed below, commented out, with its built-in default: remove\n"
      "# the \"#\" in front of a key to set it. \"dmarc-milter -n\" checks the file,\n"
      "# SIGUSR1 (systemctl reload dmarc-milter) reloads the keys marked so.\n";
  for (const auto& info : s_keys) {
    out += "\n" + commentLines(std::string(info.name) + ": " + std::string(info.description));
    std::string facts = std::string(toString(info.kind));
    if (info.kind == ConfigKind::Enum) {
      std::string choices(info.choices);
      std::replace(choices.begin(), choices.end(), '|', ' ');
      facts += ", one of: " + choices;
    }
    facts += info.reloadable ? "; reloaded on SIGUSR1" : "; read at start-up only";
    out += commentLines("(" + facts + ")");
    out += "#" + std::string(info.name) + " " + info.render(defaults->values) + "\n";
  }
  return out;
}

namespace
{
// Text for an mdoc line: backslashes escaped, no line starting with a dot or
// an apostrophe.
std::string roff(std::string_view text)
{
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\e";
    } else {
      out.push_back(c);
    }
  }
  if (!out.empty() && (out.front() == '.' || out.front() == '\'')) {
    out.insert(0, "\\&");
  }
  return out;
}

// Sentences on their own lines, as mandoc prefers.
std::string roffSentences(std::string_view text)
{
  std::string out;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] == '.' && text[i + 1] == ' ' && i > 0 && text[i - 1] != '.' &&
        !(i >= 2 && text.substr(i - 2, 2) == "e.g")) {
      out += roff(text.substr(start, i + 1 - start)) + "\n";
      start = i + 2;
    }
  }
  out += roff(text.substr(start)) + "\n";
  return out;
}
} // namespace

std::string configManKeys()
{
  std::string out = ".Bl -tag -width Ds\n";
  for (const auto& info : s_keys) {
    out += ".It Cm " + std::string(info.name) + " Ar " + std::string(toString(info.kind)) + "\n";
    out += roffSentences(info.description);
    if (info.kind == ConfigKind::Enum) {
      std::string choices(info.choices);
      std::replace(choices.begin(), choices.end(), '|', ' ');
      out += "One of: " + roff(choices) + ".\n";
    }
    if (info.kind == ConfigKind::UInt || info.kind == ConfigKind::Mode) {
      std::ostringstream range;
      if (info.kind == ConfigKind::Mode) {
        range << std::oct << (info.min == 0 ? "" : "0") << info.min << " to 0" << info.max;
      } else {
        range << info.min << " to " << info.max;
      }
      out += "Range: " + range.str() + ".\n";
    }
    if (info.defaultText.empty()) {
      out += "Default: empty.\n";
    } else {
      out += "Default:\n.Ql " + roff(info.defaultText) + " .\n";
    }
    out += std::string("Reloaded on SIGUSR1: ") + (info.reloadable ? "yes" : "no") + ".\n";
  }
  out += ".El\n";
  return out;
}
} // namespace dmarc
