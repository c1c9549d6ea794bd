// runtime.hh: the process-wide machinery of dmarc-milter, built once in
// the phases STYLE.md 18 names: preDropInit() as root (PSL file, anything
// root-only to read), then postDropInit() as the unprivileged user (the
// resolver and its thread, the DKIM library, the history writer and its
// thread). Members are declared in acquisition order so that each is
// destroyed before what it uses (the checker before the resolver, the DKIM
// library before the resolver it queries).
//
// Used by the daemon and by the offline -t mode, so that both run exactly
// the same checks.
#pragma once

#include <memory>

#include "lib/adapters/dkim/dkim_verifier.hh"
#include "lib/adapters/dns/unbound_resolver.hh"
#include "lib/adapters/psl_idna.hh"
#include "lib/adapters/psl_list.hh"
#include "lib/adapters/store/verdict_writer.hh"
#include "milter/dmarc_checker.hh"

namespace dmarc
{
class Config;
class Logger;
class MilterMetrics;

class Runtime
{
public:
  // Reads what may need root: the Public Suffix List (required in rfc7489
  // mode; otherwise loaded when readable). Throws ConfigError.
  void preDropInit(const Config& config, Logger& logger);
  // Starts the resolver, the DKIM library, the checker, and the history
  // writer when withStore and Database is set. Throws ConfigError/Error.
  // `metrics` (optional) counts the resolver's queries and must outlive it.
  void postDropInit(const Config& config, Logger& logger, bool withStore,
                    MilterMetrics* metrics = nullptr);
  // Stops the history writer (shipping what it can within drain).
  void stop(std::chrono::milliseconds drain);

  MessageChecker& checker() { return *d_checker; }
  VerdictStore* store() { return d_store.get(); }
  const VerdictWriter* writer() const { return d_store.get(); }

private:
  std::unique_ptr<PslPublicSuffixList> d_psl;
  Idn2Converter d_idna;
  std::unique_ptr<UnboundResolver> d_resolver;
  std::unique_ptr<DkimLibrary> d_dkim;
  std::unique_ptr<DmarcChecker> d_checker;
  std::unique_ptr<VerdictWriter> d_store;
};

// The StoreOptions and resolver options the configuration asks for (also
// checked by -n).
StoreOptions storeOptionsFor(const Config& config, Logger* logger);
UnboundResolverOptions resolverOptionsFor(const Config& config);
} // namespace dmarc
