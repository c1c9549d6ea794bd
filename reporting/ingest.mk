# reporting/ingest.mk: report ingestion, summaries and posture checks (dmarc-reports ingest/summary/check). Included by Makefile.am.
#
# The ingestion code is a convenience library so that the dmarc-reports
# program, the unit tests and the fuzz targets link the same objects.
DM_INGEST_CFLAGS = $(DM_ADAPTER_CFLAGS) $(LIBARCHIVE_CFLAGS) $(NLOHMANN_JSON_CFLAGS)
DM_INGEST_LIBS = reporting/libdmarcingest.a reporting/libaggregate.a $(DM_LIBS) $(LIBARCHIVE_LIBS)

noinst_LIBRARIES += reporting/libdmarcingest.a
# Before libaggregate.a, whose destination checks `check` uses.
DM_REPORTS_LIBS += reporting/libdmarcingest.a reporting/libaggregate.a $(LIBARCHIVE_LIBS)
reporting_libdmarcingest_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS)
reporting_libdmarcingest_a_SOURCES = \
	reporting/cmd_ingest.cc \
	reporting/cmd_ingest.hh \
	reporting/failure_report_store.cc \
	reporting/failure_report_store.hh \
	reporting/feedback_report_parser.cc \
	reporting/feedback_report_parser.hh \
	reporting/cmd_summary.cc \
	reporting/cmd_summary.hh \
	reporting/ingest_store.cc \
	reporting/ingest_store.hh \
	reporting/maildir_name.cc \
	reporting/maildir_name.hh \
	reporting/report_extractor.cc \
	reporting/report_extractor.hh \
	reporting/byte_source.cc \
	reporting/byte_source.hh \
	reporting/decompress.cc \
	reporting/decompress.hh \
	reporting/dmarc_report_parser.cc \
	reporting/dmarc_report_parser.hh \
	reporting/mime_walk.cc \
	reporting/mime_walk.hh \
	reporting/mta_sts_policy.cc \
	reporting/mta_sts_policy.hh \
	reporting/posture_check.cc \
	reporting/posture_check.hh \
	reporting/posture_rows.cc \
	reporting/posture_rows.hh \
	reporting/posture_store.cc \
	reporting/posture_store.hh \
	reporting/tls_probe.cc \
	reporting/tls_probe.hh \
	reporting/tlsrpt_mail_auth.cc \
	reporting/tlsrpt_mail_auth.hh \
	reporting/tlsrpt_parser.cc \
	reporting/tlsrpt_parser.hh

# The subcommands that need the resolver and the PSL adapters are compiled
# into the program itself.
reporting_dmarc_reports_SOURCES += reporting/cmd_check.cc reporting/cmd_check.hh

# Unit tests of the ingestion code, in the tool's test-reporting runner
# (declared in reporting/aggregate.mk).
tests_unit_test_reporting_SOURCES += \
	tests/unit/test-decompress_cc.cc \
	tests/unit/test-dmarc_report_parser_cc.cc \
	tests/unit/test-feedback_report_parser_cc.cc \
	tests/unit/test-maildir_name_cc.cc \
	tests/unit/test-mime_walk_cc.cc \
	tests/unit/test-mta_sts_policy_cc.cc \
	tests/unit/test-posture_check_cc.cc \
	tests/unit/test-posture_rows_cc.cc \
	tests/unit/test-report_extractor_cc.cc \
	tests/unit/test-tlsrpt_mail_auth_cc.cc \
	tests/unit/test-tlsrpt_parser_cc.cc
tests_unit_test_reporting_CPPFLAGS += $(LIBARCHIVE_CFLAGS) $(NLOHMANN_JSON_CFLAGS)
tests_unit_test_reporting_LDADD += $(DM_INGEST_LIBS)
EXTRA_DIST += tests/unit/ingest_expected.hh tests/integration/ingest_expected.tsv

# Fuzz targets of the ingestion parsers (STYLE.md convention 11); how they
# are built, replayed and run is in tests/local.mk.
DM_FUZZ_TARGETS += tests/fuzz/fuzz_dmarc_report_parser tests/fuzz/fuzz_tlsrpt_parser \
	tests/fuzz/fuzz_mime_walk tests/fuzz/fuzz_decompress tests/fuzz/fuzz_feedback_report
tests_fuzz_fuzz_dmarc_report_parser_SOURCES = tests/fuzz/fuzz_dmarc_report_parser.cc tests/fuzz/standalone_runner.cc
tests_fuzz_fuzz_dmarc_report_parser_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) -DDM_FUZZ_TARGET='"dmarc_report_parser"'
tests_fuzz_fuzz_dmarc_report_parser_LDADD = $(DM_INGEST_LIBS)
tests_fuzz_fuzz_tlsrpt_parser_SOURCES = tests/fuzz/fuzz_tlsrpt_parser.cc tests/fuzz/standalone_runner.cc
tests_fuzz_fuzz_tlsrpt_parser_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) -DDM_FUZZ_TARGET='"tlsrpt_parser"'
tests_fuzz_fuzz_tlsrpt_parser_LDADD = $(DM_INGEST_LIBS)
tests_fuzz_fuzz_mime_walk_SOURCES = tests/fuzz/fuzz_mime_walk.cc tests/fuzz/standalone_runner.cc
tests_fuzz_fuzz_mime_walk_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) -DDM_FUZZ_TARGET='"mime_walk"'
tests_fuzz_fuzz_mime_walk_LDADD = $(DM_INGEST_LIBS)
tests_fuzz_fuzz_decompress_SOURCES = tests/fuzz/fuzz_decompress.cc tests/fuzz/standalone_runner.cc
tests_fuzz_fuzz_decompress_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) -DDM_FUZZ_TARGET='"decompress"'
tests_fuzz_fuzz_decompress_LDADD = $(DM_INGEST_LIBS)
tests_fuzz_fuzz_feedback_report_SOURCES = tests/fuzz/fuzz_feedback_report.cc tests/fuzz/standalone_runner.cc
tests_fuzz_fuzz_feedback_report_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS) -DDM_FUZZ_TARGET='"feedback_report"'
tests_fuzz_fuzz_feedback_report_LDADD = $(DM_INGEST_LIBS)

dist_noinst_DATA += tests/integration/test_ingest.py tests/integration/test_check.py \
	tests/integration/test_ingest_memory.py \
	tests/integration/test_summary.py tests/integration/test_ingest_tlsrpt_dkim.py
