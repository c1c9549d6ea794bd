# reporting/failure/local.mk: DMARC failure reports (dmarc-reports
# send-failures): the run, its store, the caps on how many are sent and the
# keyed hash of what is redacted. Included by Makefile.am.
noinst_LIBRARIES += reporting/failure/libfailure.a
reporting_failure_libfailure_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_failure_libfailure_a_SOURCES = \
	reporting/failure/cmd_send_failures.cc \
	reporting/failure/cmd_send_failures.hh \
	reporting/failure/failure_caps.cc \
	reporting/failure/failure_caps.hh \
	reporting/failure/failure_run.cc \
	reporting/failure/failure_run.hh \
	reporting/failure/failure_store.cc \
	reporting/failure/failure_store.hh \
	reporting/failure/keyed_hash.cc \
	reporting/failure/keyed_hash.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/failure/test-failure_caps_cc.cc \
	tests/unit/reporting/failure/test-keyed_hash_cc.cc

# Integration tests (tests/integration/run.py discovers test_*.py).
dist_noinst_DATA += tests/integration/test_failure_reports.py
