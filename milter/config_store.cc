// config_store.cc: the atomically swapped running configuration.
#include "milter/config_store.hh"

#include <atomic>

#include "lib/core/error.hh"
#include "milter/config.hh"

namespace dmarc
{
namespace
{
// C++20 atomic<shared_ptr>: readers never block a reload and never see a
// torn pointer. Starts with the built-in defaults so that nothing ever reads
// an empty configuration.
std::atomic<std::shared_ptr<const Config>>& runningConfig()
{
  static std::atomic<std::shared_ptr<const Config>> s_config{parseConfig("", "")};
  return s_config;
}
} // namespace

std::shared_ptr<const Config> currentConfig()
{
  return runningConfig().load(std::memory_order_acquire);
}

void installConfig(std::shared_ptr<const Config> config)
{
  runningConfig().store(std::move(config), std::memory_order_release);
}

ReloadOutcome reloadConfig(const std::string& fileName)
{
  ReloadOutcome outcome;
  try {
    auto next = loadConfig(fileName);
    auto merged = mergeForReload(*currentConfig(), *next, outcome.needRestart);
    installConfig(std::move(merged));
    outcome.ok = true;
  } catch (const std::exception& error) {
    outcome.error = error.what();
  }
  return outcome;
}
} // namespace dmarc
