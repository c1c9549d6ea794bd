# lib/adapters/dns/local.mk: the one DNS resolver (libunbound), the
# per-message DNS time budget, the SPF record validator and the SPF checker
# (libspf2).
# Included by Makefile.am. The pure parts go into the core library from here
# (they belong to this area, not to the engine's lib/core/local.mk).
lib_libdmarccore_a_SOURCES += \
	lib/core/dns_budget.cc \
	lib/core/dns_budget.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dns/spf_capi.hh \
	lib/adapters/dns/spf_checker.hh \
	lib/adapters/dns/unbound_resolver.hh
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dns/unbound_resolver.cc

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/dns/test-unbound_resolver_cc.cc

EXTRA_DIST += tests/unit/adapters/dns/loopback_unbound.hh tests/unit/adapters/dns/dnssec_zone.hh

# The RFC 7208 record grammar (pure) and the libspf2 checker.
lib_libdmarccore_a_SOURCES += \
	lib/core/spf_record.cc \
	lib/core/spf_record.hh

lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dns/spf_checker.cc

# The OpenSPF suites through SpfChecker (prints pass counts and failures).
check_PROGRAMS += tests/spf/spf-suite
tests_spf_spf_suite_SOURCES = tests/spf/spf-suite.cc
tests_spf_spf_suite_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_spf_spf_suite_LDADD = $(DM_LIBS)
TESTS += tests/spf/run-spf-suites.sh
dist_noinst_SCRIPTS += tests/spf/run-spf-suites.sh tests/spf/spf_suite_convert.py

tests_unit_test_core_SOURCES += \
	tests/unit/core/test-dns_budget_cc.cc \
	tests/unit/core/test-spf_record_cc.cc

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/dns/test-spf_checker_cc.cc

# Benchmark (not in make check): cached DMARC/SPF lookups per second.
noinst_PROGRAMS += tests/bench/dns-bench
tests_bench_dns_bench_SOURCES = tests/bench/dns-bench.cc
tests_bench_dns_bench_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_bench_dns_bench_LDADD = $(DM_LIBS)

# Fuzz targets (STYLE.md convention 11): the SPF record grammar, and the whole
# SPF path through libspf2 (tests/local.mk builds and runs them).
DM_FUZZ_TARGETS += tests/fuzz/fuzz_spf_record tests/fuzz/fuzz_spf_checker
	-DDM_FUZZ_TARGET='"spf_checker"'

