// config_store.hh: the running configuration, the one piece of global
// mutable state of dmarc-milter besides libmilter's registration
// (STYLE.md 7).
//
// It is an atomically swapped shared_ptr<const Config>: a reload builds and
// validates a whole new Config and installs it in one store; each session
// loads (pins) it when a connection or message starts, so nothing in flight
// ever sees a half-applied or changed configuration.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace dmarc
{
class Config;

std::shared_ptr<const Config> currentConfig();
void installConfig(std::shared_ptr<const Config> config);

struct ReloadOutcome
{
  bool ok = false;
  std::string error;                    // why the new file was refused
  std::vector<std::string> needRestart; // changed keys a reload cannot apply
};

// Loads fileName, keeps the running values of non-reloadable keys, and
// installs the result; on any error the running configuration stays.
ReloadOutcome reloadConfig(const std::string& fileName);
} // namespace dmarc
