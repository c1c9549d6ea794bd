# reporting/ingest.mk: report ingestion, summaries and posture checks (dmarc-reports ingest/summary/check). Included by Makefile.am.
#
# The ingestion code is a convenience library so that the dmarc-reports
# program, the unit tests and the fuzz targets link the same objects.
DM_INGEST_CFLAGS = $(DM_ADAPTER_CFLAGS) $(LIBARCHIVE_CFLAGS) $(NLOHMANN_JSON_CFLAGS)
DM_INGEST_LIBS = reporting/libdmarcingest.a $(DM_LIBS) $(LIBARCHIVE_LIBS)

noinst_LIBRARIES += reporting/libdmarcingest.a
reporting_libdmarcingest_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_INGEST_CFLAGS)
reporting_libdmarcingest_a_SOURCES = \
	reporting/cmd_ingest.cc \
	reporting/cmd_ingest.hh \
	reporting/ingest_store.cc \
	reporting/ingest_store.hh \
	reporting/report_extractor.cc \
	reporting/report_extractor.hh \
	reporting/decompress.cc \
	reporting/decompress.hh \
	reporting/dmarc_report_parser.cc \
	reporting/dmarc_report_parser.hh \
	reporting/mime_walk.cc \
	reporting/mime_walk.hh \
	reporting/tlsrpt_parser.cc \
	reporting/tlsrpt_parser.hh

# Unit tests of the ingestion code, in the tool's test-reporting runner
# (declared in reporting/aggregate.mk).
tests_unit_test_reporting_SOURCES += \
	tests/unit/test-decompress_cc.cc \
	tests/unit/test-dmarc_report_parser_cc.cc \
	tests/unit/test-mime_walk_cc.cc \
	tests/unit/test-tlsrpt_parser_cc.cc
tests_unit_test_reporting_CPPFLAGS += $(LIBARCHIVE_CFLAGS) $(NLOHMANN_JSON_CFLAGS)
tests_unit_test_reporting_LDADD += $(DM_INGEST_LIBS)
EXTRA_DIST += tests/unit/ingest_expected.hh tests/integration/ingest_expected.tsv
