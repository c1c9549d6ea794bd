# tests/local.mk: checks that are not unit tests, and the integration suite
# with real services (PostgreSQL, unbound, Postfix) started by tests/harness.
TESTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py
dist_noinst_SCRIPTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py \
	tests/run-all tests/summarize.py contrib/install-deps contrib/quickstart
dist_noinst_DATA += tests/harness/__init__.py tests/harness/services.py \
	tests/integration/__init__.py tests/integration/test_services.py contrib/debian-packages
dist_noinst_DATA += tests/harness/sanitizers.py tests/harness/proc_usage.py tests/harness/replication.py \
	tests/integration/test_exit_status.py tests/integration/test_quickstart.py \
	tests/integration/test_secrets.py
EXTRA_DIST += tests/lsan.supp
# No function over 80 lines in lib/, milter/ and reporting/, except those the
# script lists with the reason each is left for now; the list only shrinks.
TESTS += tests/check-function-length.py
dist_noinst_SCRIPTS += tests/check-function-length.py
# The schema version the milter requires is the highest migration in sql/.
TESTS += tests/check-schema-version.sh
dist_noinst_SCRIPTS += tests/check-schema-version.sh

# Fuzz targets (STYLE.md convention 11), listed in DM_FUZZ_TARGETS by the
# fragment of the code they exercise. Started without arguments, a target
# runs its seed corpus tests/fuzz/corpus/<name>/ through the code once: that
# is its make check test in every build. In a libFuzzer build (./configure
# --enable-fuzzing CC=clang CXX=clang++) the same binary is a libFuzzer
# binary, and `make fuzz` runs each target for FUZZ_SECONDS seconds, growing
# fuzz-corpus/<name>/ in the build tree from the seeds and writing any input
# that crashes, leaks or hangs into fuzz-findings/. FUZZ_TARGETS picks
# targets, FUZZ_FLAGS adds libFuzzer options.
#
# One rule builds them all: a target tests/fuzz/fuzz_<name> is
# tests/fuzz/fuzz_<name>.cc (the default source, hence AM_DEFAULT_SOURCE_EXT)
# linked with the runner and every library a target may exercise (LDADD, the
# default of programs that set no _LDADD; every other program sets its own).
# The runner takes <name> from the program's name.
check_PROGRAMS += $(DM_FUZZ_TARGETS)
TESTS += $(DM_FUZZ_TARGETS)
AM_DEFAULT_SOURCE_EXT = .cc
check_LIBRARIES = tests/fuzz/libfuzzrunner.a
tests_fuzz_libfuzzrunner_a_SOURCES = tests/fuzz/standalone_runner.cc tests/fuzz/fuzz_target.hh
LDADD = tests/fuzz/libfuzzrunner.a $(DM_INGEST_LIBS)
EXTRA_DIST += tests/fuzz/corpus
FUZZ_SECONDS = 10
FUZZ_TARGETS = $(DM_FUZZ_TARGETS)
FUZZ_FLAGS =
if FUZZING
dm_libfuzzer = yes
else
dm_libfuzzer = no
endif
fuzz: $(FUZZ_TARGETS)
	@if test "$(dm_libfuzzer)" != yes; then \
	  echo "make fuzz needs a libFuzzer build: ./configure --enable-fuzzing CC=clang CXX=clang++" >&2; \
	  exit 1; \
	fi; \
	mkdir -p fuzz-findings; \
	for target in $(FUZZ_TARGETS); do \
	  name=`basename $$target | sed 's/^fuzz_//'`; \
	  mkdir -p fuzz-corpus/$$name; \
	  echo "fuzz: $$name for $(FUZZ_SECONDS) s"; \
	  $$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=fuzz-findings/$$name- $(FUZZ_FLAGS) \
	    fuzz-corpus/$$name $(srcdir)/tests/fuzz/corpus/$$name >fuzz-$$name.log 2>&1 \
	    || { tail -60 fuzz-$$name.log; echo "FAIL: fuzz: $$name (fuzz-$$name.log, fuzz-findings/)"; exit 1; }; \
	  grep -E '^(stat::number_of_executed_units|#[0-9]+.*DONE)' fuzz-$$name.log | tail -2; \
	done
.PHONY: fuzz
clean-local: clean-fuzz
clean-fuzz:
	-rm -rf fuzz-corpus fuzz-findings fuzz-*.log

# Under --enable-sanitizers, LeakSanitizer skips the leaks listed (and
# explained) in tests/lsan.supp, all inside C and C++ libraries, never ours;
# print_suppressions=0 keeps a suppressed leak from printing anything, so
# that every sanitizer output is a finding (tests/harness/sanitizers.py).
# LSAN_OPTIONS already set come last and win.
if SANITIZERS
AM_TESTS_ENVIRONMENT += \
	LSAN_OPTIONS="suppressions=$(abs_top_srcdir)/tests/lsan.supp:print_suppressions=0$${LSAN_OPTIONS:+:$$LSAN_OPTIONS}"; \
	export LSAN_OPTIONS;
endif
