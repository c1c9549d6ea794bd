# reporting/check/local.mk: posture checks (dmarc-reports check): a domain's
# DMARC, MTA-STS and STARTTLS posture, the external destination check the
# senders use too, and the posture history store. Included by Makefile.am.
noinst_LIBRARIES += reporting/check/libcheck.a
reporting_check_libcheck_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) $(LIBCURL_CFLAGS)
reporting_check_libcheck_a_SOURCES = \
	reporting/check/destination_check.cc \
	reporting/check/destination_check.hh \
	reporting/check/mta_sts_policy.cc \
	reporting/check/mta_sts_policy.hh \
	reporting/check/posture_check.cc \
	reporting/check/posture_check.hh \
	reporting/check/posture_rows.cc \
	reporting/check/posture_rows.hh \
	reporting/check/posture_store.cc \
	reporting/check/posture_store.hh \
	reporting/check/tls_probe.cc \
	reporting/check/tls_probe.hh
# The subcommand needs the resolver and the PSL adapters; it is compiled into
# the program itself.
reporting_dmarc_reports_SOURCES += reporting/check/cmd_check.cc reporting/check/cmd_check.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/check/test-destination_check_cc.cc \
	tests/unit/reporting/check/test-mta_sts_policy_cc.cc \
	tests/unit/reporting/check/test-posture_check_cc.cc \
	tests/unit/reporting/check/test-posture_rows_cc.cc \
	tests/unit/reporting/check/test-tls_probe_cc.cc

dist_noinst_DATA += tests/integration/test_check.py
