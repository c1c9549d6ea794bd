# tests/local.mk: checks that are not unit tests, and the integration suite
# with real services (PostgreSQL, unbound, Postfix) started by tests/harness.
TESTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py
dist_noinst_SCRIPTS += tests/check-purity.sh tests/check-man.sh tests/integration/run.py \
	tests/run-all tests/summarize.py contrib/install-deps contrib/quickstart
dist_noinst_DATA += tests/harness/__init__.py tests/harness/services.py \
	tests/integration/__init__.py tests/integration/test_services.py contrib/debian-packages
dist_noinst_DATA += tests/harness/sanitizers.py tests/harness/proc_usage.py \
	tests/integration/test_exit_status.py tests/integration/test_quickstart.py
EXTRA_DIST += tests/lsan.supp

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
