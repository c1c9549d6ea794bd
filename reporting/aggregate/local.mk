# reporting/aggregate/local.mk: aggregate reports (dmarc-reports send): the
# run that plans and sends them, the store it reads, the report model and its
# XML, the mail that carries it. Included by Makefile.am.
noinst_LIBRARIES += reporting/aggregate/libaggregate.a
reporting_aggregate_libaggregate_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_aggregate_libaggregate_a_SOURCES = \
	reporting/aggregate/cmd_send.cc \
	reporting/aggregate/cmd_send.hh \
	reporting/aggregate/read_database.cc \
	reporting/aggregate/read_database.hh \
	reporting/aggregate/gzip_sink.cc \
	reporting/aggregate/gzip_sink.hh \
	reporting/aggregate/pg_report_store.cc \
	reporting/aggregate/pg_report_store.hh \
	reporting/aggregate/report_message.cc \
	reporting/aggregate/report_message.hh \
	reporting/aggregate/report_model.cc \
	reporting/aggregate/report_model.hh \
	reporting/aggregate/report_run.cc \
	reporting/aggregate/report_run.hh \
	reporting/aggregate/report_store.cc \
	reporting/aggregate/report_store.hh \
	reporting/aggregate/report_xml_writer.cc \
	reporting/aggregate/report_xml_writer.hh \
	reporting/aggregate/textfile_metrics.cc \
	reporting/aggregate/textfile_metrics.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/aggregate/fake_report_store.hh \
	tests/unit/reporting/aggregate/test-gzip_sink_cc.cc \
	tests/unit/reporting/aggregate/test-report_message_cc.cc \
	tests/unit/reporting/aggregate/test-report_model_cc.cc \
	tests/unit/reporting/aggregate/test-report_run_cc.cc \
	tests/unit/reporting/aggregate/test-report_xml_writer_cc.cc \
	tests/unit/reporting/aggregate/test-textfile_metrics_cc.cc

# Integration tests (tests/integration/run.py discovers test_*.py) and their data.
dist_noinst_DATA += tests/integration/test_reports.py tests/integration/reports_util.py \
	tests/integration/test_reports_https.py tests/integration/test_reports_standby.py \
	tests/integration/golden/reports_build_test.xml \
	tests/integration/golden/reports_old_test_rfc7489.xml tests/bench/reports_load.sql
dist_noinst_SCRIPTS += tests/bench/reports_bench.py
