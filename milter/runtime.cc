// runtime.cc: building the resolver, DKIM library, PSL, checker and history
// writer from the configuration.
#include "milter/runtime.hh"

#include <syslog.h>
#include <unistd.h>

#include "lib/core/error.hh"
#include "milter/config.hh"
#include "milter/logger.hh"
#include "milter/milter_metrics.hh"

namespace dmarc
{
UnboundResolverOptions resolverOptionsFor(const Config& config)
{
  const auto& v = config.values;
  UnboundResolverOptions options;
  for (const auto& server : v.Nameservers) {
    options.nameservers.push_back(parseNameserver(server).toUnbound());
  }
  options.queryTimeout = std::chrono::seconds(v.DNSTimeout);
  if (v.DNSSEC) {
    options.trustAnchorFile = v.TrustAnchorFile;
  }
  return options;
}

StoreOptions storeOptionsFor(const Config& config, Logger* logger)
{
  const auto& v = config.values;
  StoreOptions options;
  options.connection = v.Database;
  options.passwordFile = v.DatabasePasswordFile;
  options.reportingHost = config.authservId;
  options.durability = v.SpoolDurability == "relaxed"  ? StoreDurability::Relaxed
                       : v.SpoolDurability == "memory" ? StoreDurability::Memory
                                                       : StoreDurability::Fsync;
  options.spoolDirectory = v.SpoolDirectory;
  options.spoolLimitBytes = static_cast<std::size_t>(v.SpoolMaxSize) << 20;
  options.spoolFullAction =
      v.SpoolFullAction == "tempfail" ? SpoolFullAction::Tempfail : SpoolFullAction::Accept;
  if (logger != nullptr) {
    options.log = [logger](StoreLogLevel level, std::string_view line) {
      int priority = level == StoreLogLevel::Error     ? LOG_ERR
                     : level == StoreLogLevel::Warning ? LOG_WARNING
                     : level == StoreLogLevel::Notice  ? LOG_NOTICE
                     : level == StoreLogLevel::Info    ? LOG_INFO
                                                       : LOG_DEBUG;
      logger->log(priority, "history: " + std::string(line));
    };
  }
  return options;
}

void Runtime::preDropInit(const Config& config, Logger& logger)
{
  const auto& v = config.values;
  bool required = v.DMARCStandard == "rfc7489";
  if (required || access(v.PublicSuffixList.c_str(), R_OK) == 0) {
    try {
      d_psl = std::make_unique<PslPublicSuffixList>(v.PublicSuffixList);
    } catch (const std::exception& error) {
      if (required) {
        throw ConfigError("PublicSuffixList: " + std::string(error.what()));
      }
      logger.log(LOG_WARNING, "public suffix list not loaded: " + sanitize(error.what()));
    }
  }
}

void Runtime::postDropInit(const Config& config, Logger& logger, bool withStore,
                           MilterMetrics* metrics)
{
  const auto& v = config.values;
  auto resolverOptions = resolverOptionsFor(config);
  if (metrics != nullptr) {
    resolverOptions.observer = [metrics](bool cached, bool failed, std::chrono::nanoseconds took) {
      metrics->countDnsQuery(cached, failed, took);
    };
  }
  d_resolver = std::make_unique<UnboundResolver>(std::move(resolverOptions));
  DkimSettings dkim;
  dkim.maxSignatures = static_cast<unsigned>(v.MaximumSignaturesToVerify);
  d_dkim = std::make_unique<DkimLibrary>(*d_resolver, dkim);
  d_checker = std::make_unique<DmarcChecker>(*d_resolver, *d_dkim, d_psl.get(), &d_idna);
  if (withStore) {
    if (v.Database.empty()) {
      logger.log(LOG_NOTICE, "no Database configured: no history is kept");
    } else {
      d_store = std::make_unique<VerdictWriter>(storeOptionsFor(config, &logger));
      d_store->start();
    }
  }
}

void Runtime::stop(std::chrono::milliseconds drain)
{
  if (d_store) {
    d_store->stop(drain);
  }
}
} // namespace dmarc
