# reporting/aggregate.mk: aggregate report building and sending (dmarc-reports send). Included by Makefile.am.
# The objects live in a convenience library linked by dmarc-reports and by
# tests/unit/test-reporting, so the tests exercise the production code.
noinst_LIBRARIES += reporting/libaggregate.a
DM_REPORTS_LIBS += reporting/libaggregate.a
reporting_libaggregate_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_libaggregate_a_SOURCES = \
	reporting/byte_sink.hh \
	reporting/cmd_send.cc \
	reporting/cmd_send.hh \
	reporting/destination_check.cc \
	reporting/destination_check.hh \
	reporting/gzip_sink.cc \
	reporting/gzip_sink.hh \
	reporting/https_client.cc \
	reporting/https_client.hh \
	reporting/https_poster.cc \
	reporting/https_poster.hh \
	reporting/mailer.cc \
	reporting/mailer.hh \
	reporting/mailer_options.cc \
	reporting/mailer_options.hh \
	reporting/pg_text_array.cc \
	reporting/pg_text_array.hh \
	reporting/report_message.cc \
	reporting/report_message.hh \
	reporting/report_model.cc \
	reporting/report_model.hh \
	reporting/host_identity.cc \
	reporting/host_identity.hh \
	reporting/report_naming.cc \
	reporting/report_naming.hh \
	reporting/report_run.cc \
	reporting/report_run.hh \
	reporting/textfile_metrics.cc \
	reporting/textfile_metrics.hh \
	reporting/report_store.cc \
	reporting/report_store.hh \
	reporting/report_xml_writer.cc \
	reporting/report_xml_writer.hh \
	reporting/rua_uri.cc \
	reporting/rua_uri.hh \
	reporting/run_lock.cc \
	reporting/run_lock.hh \
	reporting/tls_client.cc \
	reporting/tls_client.hh

check_PROGRAMS += tests/unit/test-reporting
tests_unit_test_reporting_SOURCES = \
	tests/unit/testrunner.cc \
	tests/unit/report_test_util.hh \
	tests/unit/test-destination_check_cc.cc \
	tests/unit/test-gzip_sink_cc.cc \
	tests/unit/test-https_client_cc.cc \
	tests/unit/test-https_poster_cc.cc \
	tests/unit/test-mailer_cc.cc \
	tests/unit/test-report_message_cc.cc \
	tests/unit/test-report_model_cc.cc \
	tests/unit/test-report_naming_cc.cc \
	tests/unit/test-report_xml_writer_cc.cc \
	tests/unit/test-rua_uri_cc.cc \
	tests/unit/test-textfile_metrics_cc.cc \
	tests/unit/test-tls_client_cc.cc
tests_unit_test_reporting_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
tests_unit_test_reporting_CXXFLAGS = $(DM_TEST_CXXFLAGS)
tests_unit_test_reporting_LDADD = reporting/libfailure.a reporting/libaggregate.a $(DM_LIBS) \
	$(BOOST_TEST_LIBS)
TESTS += tests/unit/test-reporting

# Integration tests (tests/integration/run.py discovers test_*.py) and their data.
dist_noinst_DATA += tests/integration/test_reports.py tests/integration/reports_util.py \
	tests/integration/test_reports_https.py \
	tests/integration/golden/reports_build_test.xml \
	tests/integration/golden/reports_old_test_rfc7489.xml tests/bench/reports_load.sql
dist_noinst_SCRIPTS += tests/bench/reports_bench.py
