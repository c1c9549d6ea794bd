# lib/adapters/dkim/local.mk: included by Makefile.am.
# DKIM verification (and signing, for tests, benchmarks and outgoing
# reports) through libopendkim, with key lookups routed to our DnsResolver;
# and the DKIM pieces the project's own signature checks (ARC) use: body
# hashes shared between verifiers, key records from DNS to OpenSSL keys,
# rsa-sha256 and ed25519-sha256.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dkim/body_hash_pool.cc \
	lib/adapters/dkim/body_hash_pool.hh \
	lib/adapters/dkim/dkim_arena.cc \
	lib/adapters/dkim/dkim_arena.hh \
	lib/adapters/dkim/dkim_body_hash.cc \
	lib/adapters/dkim/dkim_body_hash.hh \
	lib/adapters/dkim/dkim_capi.hh \
	lib/adapters/dkim/dkim_crypto.cc \
	lib/adapters/dkim/dkim_crypto.hh \
	lib/adapters/dkim/dkim_dns.cc \
	lib/adapters/dkim/dkim_dns.hh \
	lib/adapters/dkim/dkim_key_cache.cc \
	lib/adapters/dkim/dkim_key_cache.hh \
	lib/adapters/dkim/dkim_public_key.cc \
	lib/adapters/dkim/dkim_public_key.hh \
	lib/adapters/dkim/dkim_signer.cc \
	lib/adapters/dkim/dkim_signer.hh \
	lib/adapters/dkim/dkim_text.hh \
	lib/adapters/dkim/dkim_verifier.cc \
	lib/adapters/dkim/dkim_verifier.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/dkim/test-body_hash_pool_cc.cc \
	tests/unit/adapters/dkim/test-dkim_arena_cc.cc \
	tests/unit/adapters/dkim/test-dkim_body_hash_cc.cc \
	tests/unit/adapters/dkim/test-dkim_crypto_cc.cc \
	tests/unit/adapters/dkim/test-dkim_dns_cc.cc \
	tests/unit/adapters/dkim/test-dkim_key_cache_cc.cc \
	tests/unit/adapters/dkim/test-dkim_public_key_cc.cc \
	tests/unit/adapters/dkim/test-dkim_signer_cc.cc \
	tests/unit/adapters/dkim/test-dkim_verifier_cc.cc

# The DKIM benchmark: prints figures, not run by make check.
noinst_PROGRAMS += tests/bench/dkim-bench
tests_bench_dkim_bench_SOURCES = tests/bench/dkim_bench.cc tests/bench/bench_message.hh
tests_bench_dkim_bench_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_bench_dkim_bench_LDADD = $(DM_LIBS)

# ARC (RFC 8617) validation and sealing on OpenSSL and the project's own
# DKIM pieces (above; header canonicalisation and the ARC fields in
# lib/core): body hashes and key lookups shared with the DKIM verifier.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/dkim/arc_sealer.cc \
	lib/adapters/dkim/arc_sealer.hh \
	lib/adapters/dkim/arc_verifier.cc \
	lib/adapters/dkim/arc_verifier.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/adapters/dkim/test-arc_sealer_cc.cc \
	tests/unit/adapters/dkim/test-arc_verifier_cc.cc
EXTRA_DIST += tests/unit/adapters/dkim/arc_test_messages.hh

# The ARC test cases (open ARC test suite, python3-dkim messages) through
# the verifier and sealer: tests/arc/run-arc-suite.sh.
check_PROGRAMS += tests/arc/arc-suite
tests_arc_arc_suite_SOURCES = tests/arc/arc-suite.cc
tests_arc_arc_suite_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_arc_arc_suite_LDADD = $(DM_LIBS)
TESTS += tests/arc/run-arc-suite.sh
dist_noinst_SCRIPTS += tests/arc/run-arc-suite.sh tests/arc/arc_suite_convert.py \
	tests/arc/make_arc_messages.py
EXTRA_DIST += tests/arc/arc-suite-exceptions.txt

# The ARC benchmark, next to the DKIM one: prints figures, not run by make check.
noinst_PROGRAMS += tests/bench/arc-bench
tests_bench_arc_bench_SOURCES = tests/bench/arc_bench.cc
tests_bench_arc_bench_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_bench_arc_bench_LDADD = $(DM_LIBS)
