# lib/adapters/arc.mk: included by Makefile.am.
# ARC (RFC 8617) validation and sealing on OpenSSL and the project's own
# DKIM pieces (dkim.mk; header canonicalisation and the ARC fields in
# lib/core): body hashes and key lookups shared with the DKIM verifier.
lib_libdmarcadapters_a_SOURCES += \
	lib/adapters/arc_sealer.cc \
	lib/adapters/arc_sealer.hh \
	lib/adapters/arc_verifier.cc \
	lib/adapters/arc_verifier.hh

tests_unit_test_adapters_SOURCES += \
	tests/unit/test-arc_sealer_cc.cc \
	tests/unit/test-arc_verifier_cc.cc
EXTRA_DIST += tests/unit/arc_test_messages.hh

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
