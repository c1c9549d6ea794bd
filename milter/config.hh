// config.hh: the immutable configuration of dmarc-milter, loaded from
// dmarc-milter.conf.
//
// Every key comes from the table in milter/config_keys.def: ConfigValues has
// one member per key (named like the key), ConfigKeyInfo describes it, and
// the parser, the validator, --help, --dump-config and the man page key list
// are all derived from that table (STYLE.md 8). A Config is never modified
// after loading; the daemon shares it as shared_ptr<const Config>
// (milter/config_store.hh).
//
// Trusts nothing in the file: unknown keys, repeated keys, malformed and
// out-of-range values are errors naming file:line, never clamped or guessed.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib/core/listen_address.hh"
#include "lib/core/site_policy.hh"
#include "lib/core/verdict.hh"

namespace dmarc
{
class ArcSealer;

enum class ConfigKind
{
  String,
  Path,
  Bool,
  UInt,
  Mode,
  Enum,
  List,
};

template <ConfigKind K>
struct ConfigKindType
{
  using type = std::string;
};
template <>
struct ConfigKindType<ConfigKind::Bool>
{
  using type = bool;
};
template <>
struct ConfigKindType<ConfigKind::UInt>
{
  using type = std::uint64_t;
};
template <>
struct ConfigKindType<ConfigKind::Mode>
{
  using type = std::uint64_t;
};
template <>
struct ConfigKindType<ConfigKind::List>
{
  using type = std::vector<std::string>;
};

// One member per key of config_keys.def, named exactly like the key.
struct ConfigValues
{
#define DM_CONFIG_KEY(name, kind, ...) ConfigKindType<ConfigKind::kind>::type name{};
#include "milter/config_keys.def"
#undef DM_CONFIG_KEY
};

struct ConfigKeyInfo
{
  std::string_view name;
  ConfigKind kind;
  std::string_view defaultText; // before install path expansion
  std::uint64_t min;
  std::uint64_t max;
  std::string_view choices; // Enum: "a|b|c"
  bool reloadable;
  std::string_view help;
  std::string_view description;
  // Parses text into this key's member; throws ConfigError with a message
  // that does not yet name file or line.
  void (*assign)(const ConfigKeyInfo&, ConfigValues&, std::string_view text);
  // The value in the file syntax (parsable back).
  std::string (*render)(const ConfigValues&);
  // Copies this key's member from one value set to another.
  void (*copy)(const ConfigValues& from, ConfigValues& to);
};

std::span<const ConfigKeyInfo> configKeys();
// Case-insensitive, as OpenDMARC's keys are. nullptr when unknown.
const ConfigKeyInfo* findConfigKey(std::string_view name);
// The known key closest to an unknown name (a typo's likely meaning), or ""
// when none is close enough to suggest.
std::string_view nearestConfigKey(std::string_view name);
std::string_view toString(ConfigKind kind);
// Replaces @runstatedir@, @localstatedir@, @sysconfdir@, @pkgdatadir@ and
// @PSL_FILE@ by the paths the program was built with.
std::string expandInstallPaths(std::string_view text);

// InternalErrorAction: what a message gets when the filter fails on it.
enum class FailureAction
{
  Accept,
  Tempfail,
  Reject,
};

class Config
{
public:
  ConfigValues values;
  std::string sourceFile;                  // "" for built-in defaults
  std::map<std::string, unsigned> keyLine; // key name -> line it was set on

  // Derived from values at load time (validated, typed, ready to use).
  std::string authservId; // HOSTNAME resolved
  SitePolicy site;        // what deciding a message needs (lib/core/decision.hh)
  FailureAction internalErrorAction = FailureAction::Tempfail;
  int syslogFacility = 0;
  int logLevel = 0;                           // syslog priority, LOG_ERR..LOG_DEBUG
  std::optional<ListenAddress> metricsListen; // MetricsListen; nullopt: off
  // ArcSealDomain, ArcSealSelector and ArcSealKeyFile, with the key read
  // and checked when the file was; null: sealing off.
  std::shared_ptr<const ArcSealer> arcSealer;
};

// Parses and validates text as if read from fileName. Throws ConfigError
// whose message lists every problem, one "file:line: Key: message" per line.
std::shared_ptr<const Config> parseConfig(std::string_view text, const std::string& fileName);
// Reads and parses a file; a missing file is a ConfigError too.
std::shared_ptr<const Config> loadConfig(const std::string& fileName);

// For a reload: the new config with every non-reloadable key taken from the
// running one; names of the keys whose change needs a restart are appended
// to ignored.
std::shared_ptr<const Config> mergeForReload(const Config& running, const Config& next,
                                             std::vector<std::string>& ignored);

// The effective values, one "Key value" line each (parsable back).
std::string dumpConfig(const Config& config);
// The --help key section, generated from the table.
std::string configHelp();
// The mdoc key list of dmarc-milter.conf(5), generated from the table.
std::string configManKeys();
// A dmarc-milter.conf with every key commented out at its default, each
// under its description: the file make install and the Debian package put in
// the configuration directory.
std::string configSample();
} // namespace dmarc
