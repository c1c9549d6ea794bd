# lib/adapters/dkim.mk: included by Makefile.am.
# DKIM verification (and signing, for tests, benchmarks and outgoing
# reports) through libopendkim, with key lookups routed to our DnsResolver;
# and the DKIM pieces the project's own signature checks (ARC) use: body
# hashes shared between verifiers, key records from DNS to OpenSSL keys,
# rsa-sha256 and ed25519-sha256.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/body_hash_pool.cc \
	lib/adapters/body_hash_pool.hh \
	lib/adapters/dkim_arena.cc \
	lib/adapters/dkim_arena.hh \
	lib/adapters/dkim_body_hash.cc \
	lib/adapters/dkim_body_hash.hh \
	lib/adapters/dkim_capi.hh \
	lib/adapters/dkim_crypto.cc \
	lib/adapters/dkim_crypto.hh \
	lib/adapters/dkim_dns.cc \
	lib/adapters/dkim_dns.hh \
	lib/adapters/dkim_key_cache.cc \
	lib/adapters/dkim_key_cache.hh \
	lib/adapters/dkim_public_key.cc \
	lib/adapters/dkim_public_key.hh \
	lib/adapters/dkim_signer.cc \
	lib/adapters/dkim_signer.hh \
	lib/adapters/dkim_text.hh \
	lib/adapters/dkim_verifier.cc \
	lib/adapters/dkim_verifier.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/test-body_hash_pool_cc.cc \
	tests/unit/test-dkim_arena_cc.cc \
	tests/unit/test-dkim_body_hash_cc.cc \
	tests/unit/test-dkim_crypto_cc.cc \
	tests/unit/test-dkim_dns_cc.cc \
	tests/unit/test-dkim_key_cache_cc.cc \
	tests/unit/test-dkim_public_key_cc.cc \
	tests/unit/test-dkim_signer_cc.cc \
	tests/unit/test-dkim_verifier_cc.cc

# The DKIM benchmark: prints figures, not run by make check.
noinst_PROGRAMS += tests/bench/dkim-bench
tests_bench_dkim_bench_SOURCES = tests/bench/dkim_bench.cc tests/bench/bench_message.hh
tests_bench_dkim_bench_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_bench_dkim_bench_LDADD = $(DM_LIBS)
