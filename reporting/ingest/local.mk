# reporting/ingest/local.mk: reading incoming reports (dmarc-reports ingest):
# the message walk, decompression, the aggregate, failure and TLS-RPT
# parsers, and the stores they write. Included by Makefile.am.
#
# The ingestion code is a convenience library so that the dmarc-reports
# program, the unit tests and the fuzz targets link the same objects.
DM_INGEST_LIBS = reporting/ingest/libingest.a $(DM_LIBS) $(LIBARCHIVE_LIBS) $(GMIME_LIBS)

noinst_LIBRARIES += reporting/ingest/libingest.a
reporting_ingest_libingest_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS)
reporting_ingest_libingest_a_SOURCES = \
	reporting/ingest/byte_source.cc \
	reporting/ingest/byte_source.hh \
	reporting/ingest/cmd_ingest.cc \
	reporting/ingest/cmd_ingest.hh \
	reporting/ingest/decompress.cc \
	reporting/ingest/decompress.hh \
	reporting/ingest/dmarc_report_parser.cc \
	reporting/ingest/dmarc_report_parser.hh \
	reporting/ingest/failure_report_store.cc \
	reporting/ingest/failure_report_store.hh \
	reporting/ingest/feedback_report_parser.cc \
	reporting/ingest/feedback_report_parser.hh \
	reporting/ingest/ingest_store.hh \
	reporting/ingest/ingestor.cc \
	reporting/ingest/ingestor.hh \
	reporting/ingest/maildir_name.cc \
	reporting/ingest/maildir_name.hh \
	reporting/ingest/mime_walk.cc \
	reporting/ingest/mime_walk.hh \
	reporting/ingest/pg_ingest_store.cc \
	reporting/ingest/pg_ingest_store.hh \
	reporting/ingest/report_extractor.cc \
	reporting/ingest/report_extractor.hh \
	reporting/ingest/tlsrpt_mail_auth.cc \
	reporting/ingest/tlsrpt_mail_auth.hh \
	reporting/ingest/tlsrpt_parser.cc \
	reporting/ingest/tlsrpt_parser.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/ingest/test-decompress_cc.cc \
	tests/unit/reporting/ingest/test-dmarc_report_parser_cc.cc \
	tests/unit/reporting/ingest/test-feedback_report_parser_cc.cc \
	tests/unit/reporting/ingest/fake_ingest_store.hh \
	tests/unit/reporting/ingest/test-ingestor_cc.cc \
	tests/unit/reporting/ingest/test-maildir_name_cc.cc \
	tests/unit/reporting/ingest/test-mime_walk_cc.cc \
	tests/unit/reporting/ingest/test-report_extractor_cc.cc \
	tests/unit/reporting/ingest/test-tlsrpt_mail_auth_cc.cc \
	tests/unit/reporting/ingest/test-tlsrpt_parser_cc.cc
EXTRA_DIST += tests/unit/reporting/ingest/ingest_expected.hh tests/integration/ingest_expected.tsv

# Fuzz targets of the ingestion parsers (STYLE.md convention 11); how they
# are built, replayed and run is in tests/local.mk.
DM_FUZZ_TARGETS += tests/fuzz/fuzz_dmarc_report_parser tests/fuzz/fuzz_tlsrpt_parser \
	tests/fuzz/fuzz_mime_walk tests/fuzz/fuzz_decompress tests/fuzz/fuzz_feedback_report

dist_noinst_DATA += tests/integration/test_ingest.py tests/integration/test_ingest_memory.py \
	tests/integration/test_ingest_tlsrpt_dkim.py
