# reporting/failure.mk: DMARC failure reports (dmarc-reports send-failures).
# Included by Makefile.am. A convenience library linked by dmarc-reports and
# tests/unit/test-reporting; it uses the aggregate sender's mailer,
# destination check and run lock from reporting/libaggregate.a.
noinst_LIBRARIES += reporting/libfailure.a
DM_REPORTS_LIBS += reporting/libfailure.a reporting/libaggregate.a
reporting_libfailure_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_libfailure_a_SOURCES = \
	reporting/cmd_send_failures.cc \
	reporting/cmd_send_failures.hh \
	reporting/failure_caps.cc \
	reporting/failure_caps.hh \
	reporting/failure_run.cc \
	reporting/failure_run.hh \
	reporting/failure_store.cc \
	reporting/failure_store.hh \
	reporting/keyed_hash.cc \
	reporting/keyed_hash.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/test-failure_caps_cc.cc \
	tests/unit/test-keyed_hash_cc.cc

# Integration tests (tests/integration/run.py discovers test_*.py).
dist_noinst_DATA += tests/integration/test_failure_reports.py
