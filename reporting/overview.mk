# reporting/overview.mk: the overview page (dmarc-reports overview). Included by Makefile.am.
#
# The page model, its HTML/SVG writer, the queries and the source names are a
# convenience library, so that dmarc-reports and the unit tests link the same
# objects; the subcommand itself, which needs the resolver and PSL adapters,
# is compiled into the program like `check`.
noinst_LIBRARIES += reporting/liboverview.a
DM_REPORTS_LIBS += reporting/liboverview.a
reporting_liboverview_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_liboverview_a_SOURCES = \
	reporting/html_writer.cc \
	reporting/html_writer.hh \
	reporting/overview_model.cc \
	reporting/overview_model.hh \
	reporting/overview_page.cc \
	reporting/overview_page.hh \
	reporting/overview_queries.cc \
	reporting/overview_queries.hh \
	reporting/report_period.cc \
	reporting/report_period.hh \
	reporting/source_name_cache.cc \
	reporting/source_name_cache.hh \
	reporting/source_names.cc \
	reporting/source_names.hh \
	reporting/svg_chart.cc \
	reporting/svg_chart.hh
reporting_dmarc_reports_SOURCES += reporting/cmd_overview.cc reporting/cmd_overview.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/test-html_writer_cc.cc \
	tests/unit/test-overview_model_cc.cc \
	tests/unit/test-overview_page_cc.cc \
	tests/unit/test-source_names_cc.cc \
	tests/unit/test-svg_chart_cc.cc
tests_unit_test_reporting_LDADD += reporting/liboverview.a $(DM_LIBS)

# The page is also loaded in headless Chromium (tests/integration/chromium_page.py).
dist_noinst_DATA += tests/integration/test_overview.py tests/integration/chromium_page.py
# The benchmark of a year's page for 1,000 domains (not run by make check).
dist_noinst_SCRIPTS += tests/bench/overview_bench.py
