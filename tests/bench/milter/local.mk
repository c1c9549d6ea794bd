# tests/bench/milter/local.mk: the benchmark against OpenDKIM + OpenDMARC
# (issue 9). Not part of make check: the programs are built on demand by
# `make bench-milter`, which also runs the benchmark (see README.md,
# "Performance"). Included by Makefile.am.
EXTRA_PROGRAMS = tests/bench/milter/milter-bench-client tests/bench/milter/noop-milter
tests_bench_milter_milter_bench_client_SOURCES = tests/bench/milter/bench_client.cc \
	tests/bench/milter/bench_corpus.cc tests/bench/milter/bench_corpus.hh \
	tests/bench/milter/milter_session.cc tests/bench/milter/milter_session.hh
tests_bench_milter_milter_bench_client_LDADD = -lpthread
tests_bench_milter_noop_milter_SOURCES = tests/bench/milter/noop_milter.cc
tests_bench_milter_noop_milter_LDADD = $(LIBMILTER_LIBS) -lpthread
CLEANFILES += $(BENCH_MILTER_BINARIES)
dist_noinst_SCRIPTS += tests/bench/milter/run-bench tests/bench/milter/gen_universe.py
dist_noinst_DATA += tests/bench/milter/opendkim.conf.in tests/bench/milter/opendmarc.conf.in \
	tests/bench/milter/dmarc-milter.conf.in

BENCH_MILTER_BINARIES = tests/bench/milter/milter-bench-client$(EXEEXT) \
	tests/bench/milter/noop-milter$(EXEEXT)

# Builds the benchmark's programs and dmarc-milter (when it exists), installs
# the Debian packages of the peers (contrib/install-deps --bench) and runs it.
# BENCH_ARGS passes options to run-bench, e.g. BENCH_ARGS="--quick".
bench-milter: $(BENCH_MILTER_BINARIES)
	-$(MAKE) $(AM_MAKEFLAGS) milter/dmarc-milter$(EXEEXT)
	$(top_srcdir)/contrib/install-deps --bench
	TOP_SRCDIR='$(abs_top_srcdir)' TOP_BUILDDIR='$(abs_top_builddir)' PSL_FILE='$(PSL_FILE)' \
	  PYTHONPATH='$(abs_top_srcdir)/tests' PYTHONDONTWRITEBYTECODE=1 \
	  $(PYTHON3) $(abs_top_srcdir)/tests/bench/milter/run-bench $(BENCH_ARGS)

.PHONY: bench-milter
