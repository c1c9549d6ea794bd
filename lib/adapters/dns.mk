# lib/adapters/dns.mk: the one DNS resolver (libunbound), the per-message DNS
# time budget, the SPF record validator and the SPF checker (libspf2).
# Included by Makefile.am. The pure parts go into the core library from here
# (they belong to this area, not to the engine's lib/core/local.mk).
lib_libdmarccore_a_SOURCES += \
	lib/core/dns_budget.cc \
	lib/core/dns_budget.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/spf_capi.hh \
	lib/adapters/spf_checker.hh \
	lib/adapters/unbound_resolver.hh
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/unbound_resolver.cc

tests_unit_test_adapters_SOURCES += \
	tests/unit/test-unbound_resolver_cc.cc

EXTRA_DIST += tests/unit/loopback_unbound.hh

# The RFC 7208 record grammar (pure) and the libspf2 checker.
lib_libdmarccore_a_SOURCES += \
	lib/core/spf_record.cc \
	lib/core/spf_record.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/spf_checker.cc

# The OpenSPF suites through SpfChecker (prints pass counts and failures).
check_PROGRAMS += tests/spf/spf-suite
tests_spf_spf_suite_SOURCES = tests/spf/spf-suite.cc
tests_spf_spf_suite_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_spf_spf_suite_LDADD = $(DM_LIBS)
TESTS += tests/spf/run-spf-suites.sh
dist_noinst_SCRIPTS += tests/spf/run-spf-suites.sh tests/spf/spf_suite_convert.py

tests_unit_test_core_SOURCES += \
	tests/unit/test-dns_budget_cc.cc \
	tests/unit/test-spf_record_cc.cc

tests_unit_test_adapters_SOURCES += \
	tests/unit/test-spf_checker_cc.cc

# Benchmark (not in make check): cached DMARC/SPF lookups per second.
noinst_PROGRAMS += tests/bench/dns-bench
tests_bench_dns_bench_SOURCES = tests/bench/dns-bench.cc
tests_bench_dns_bench_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_bench_dns_bench_LDADD = $(DM_LIBS)
