# reporting/overview/local.mk: what the store holds, for people: the overview
# page (dmarc-reports overview) and the text summary (dmarc-reports summary),
# their queries, periods and source names, the HTML and SVG writers. Included
# by Makefile.am.
#
# The overview subcommand, which needs the resolver and PSL adapters, is
# compiled into the program like `check`; the rest is a convenience library,
# so that dmarc-reports and the unit tests link the same objects.
noinst_LIBRARIES += reporting/overview/liboverview.a
reporting_overview_liboverview_a_CPPFLAGS = $(AM_CPPFLAGS) $(DM_ADAPTER_CFLAGS)
reporting_overview_liboverview_a_SOURCES = \
	reporting/overview/cmd_summary.cc \
	reporting/overview/cmd_summary.hh \
	reporting/overview/html_writer.cc \
	reporting/overview/html_writer.hh \
	reporting/overview/overview_model.cc \
	reporting/overview/overview_model.hh \
	reporting/overview/overview_page.cc \
	reporting/overview/overview_page.hh \
	reporting/overview/overview_queries.cc \
	reporting/overview/overview_queries.hh \
	reporting/overview/report_period.cc \
	reporting/overview/report_period.hh \
	reporting/overview/source_name_cache.cc \
	reporting/overview/source_name_cache.hh \
	reporting/overview/source_names.cc \
	reporting/overview/source_names.hh \
	reporting/overview/svg_chart.cc \
	reporting/overview/svg_chart.hh
reporting_dmarc_reports_SOURCES += reporting/overview/cmd_overview.cc \
	reporting/overview/cmd_overview.hh

tests_unit_test_reporting_SOURCES += \
	tests/unit/reporting/overview/test-html_writer_cc.cc \
	tests/unit/reporting/overview/test-overview_model_cc.cc \
	tests/unit/reporting/overview/test-overview_page_cc.cc \
	tests/unit/reporting/overview/test-source_names_cc.cc \
	tests/unit/reporting/overview/test-svg_chart_cc.cc

# The page is also loaded in headless Chromium (tests/integration/chromium_page.py).
dist_noinst_DATA += tests/integration/test_overview.py tests/integration/chromium_page.py \
	tests/integration/test_summary.py
# The benchmark of a year's page for 1,000 domains (not run by make check).
dist_noinst_SCRIPTS += tests/bench/overview_bench.py
